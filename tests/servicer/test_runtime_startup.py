"""A server that cannot bind its gRPC or metrics port refuses to start with an error
naming the address, instead of running half-configured. SO_REUSEPORT is off, so a second
server can never silently share a port."""

from __future__ import annotations

import socket

import pytest

from services.runtime.catalog import load_spec
from services.runtime.server import ServerStartError, server_options, start_server


@pytest.fixture
def taken_port():
    """A loopback port held by a listening socket for the test's duration."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_grpc_port_in_use_refuses_to_start(taken_port, settings_for, arun):
    settings = settings_for("trainer", grpc_port=taken_port)
    with pytest.raises(ServerStartError, match=f"127.0.0.1:{taken_port}"):
        arun(start_server(load_spec("trainer"), settings))


def test_metrics_port_in_use_refuses_to_start(taken_port, settings_for, arun):
    settings = settings_for("trainer", metrics_port=taken_port)
    with pytest.raises(ServerStartError, match=f"metrics address 127.0.0.1:{taken_port}"):
        arun(start_server(load_spec("trainer"), settings))


def test_server_options_come_from_the_settings(settings_for):
    settings = settings_for(
        "trainer", max_message_bytes=1234, keepalive_time_seconds=7, keepalive_timeout_seconds=3
    )
    options = dict(server_options(settings))
    assert options["grpc.max_send_message_length"] == 1234
    assert options["grpc.max_receive_message_length"] == 1234
    assert options["grpc.keepalive_time_ms"] == 7000
    assert options["grpc.keepalive_timeout_ms"] == 3000
    assert options["grpc.so_reuseport"] == 0
