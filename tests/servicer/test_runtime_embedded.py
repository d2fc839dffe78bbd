"""Embedded mode: the four services in one background event loop on loopback, reached
with ordinary (synchronous) gRPC clients from the test's thread, then stopped cleanly."""

from __future__ import annotations

import threading

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from avatar.v1 import trainer_pb2, trainer_pb2_grpc
from services.runtime.embedded import EmbeddedServices, start_embedded

FULL_NAMES = {
    "preprocess": "avatar.v1.PreprocessService",
    "tracker": "avatar.v1.TrackerService",
    "trainer": "avatar.v1.TrainerService",
    "renderer": "avatar.v1.RendererService",
}


def listed_services(channel: grpc.Channel) -> set[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    (response,) = stub.ServerReflectionInfo(iter([request]), timeout=5)
    return {s.name for s in response.list_services_response.service}


def test_embedded_runs_all_four_services_on_loopback_and_stops():
    threads_before = threading.active_count()
    services = start_embedded()
    try:
        addresses = services.addresses
        assert set(addresses) == set(FULL_NAMES)
        assert all(address.startswith("127.0.0.1:") for address in addresses.values())
        assert len(set(addresses.values())) == 4
        for name, address in addresses.items():
            with grpc.insecure_channel(address) as channel:
                health = health_pb2_grpc.HealthStub(channel)
                request = health_pb2.HealthCheckRequest(service=FULL_NAMES[name])
                status = health.Check(request, timeout=5).status
                assert status == health_pb2.HealthCheckResponse.SERVING
                # Each address serves its own service, not another one.
                assert FULL_NAMES[name] in listed_services(channel)
                assert set(FULL_NAMES.values()) & listed_services(channel) == {FULL_NAMES[name]}
        with grpc.insecure_channel(addresses["trainer"]) as channel:
            with pytest.raises(grpc.RpcError) as raised:
                trainer_pb2_grpc.TrainerServiceStub(channel).ListJobs(
                    trainer_pb2.ListJobsRequest(), timeout=5
                )
            assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED
        assert all(server.metrics_port is None for server in services.servers.values())
    finally:
        services.stop(grace=0.5)
    services.stop()  # a second stop is harmless
    with grpc.insecure_channel(addresses["trainer"]) as channel:
        with pytest.raises(grpc.RpcError) as gone:
            health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
        assert gone.value.code() == grpc.StatusCode.UNAVAILABLE
    assert not any(t.name == "avatar-embedded" for t in threading.enumerate())
    assert threading.active_count() <= threads_before + 1  # grpc may keep one poller thread


def test_embedded_subset_with_metrics_as_a_context_manager():
    with EmbeddedServices(["renderer"], metrics=True) as services:
        assert set(services.addresses) == {"renderer"}
        (server,) = services.servers.values()
        assert server.metrics_port is not None and server.metrics_port > 0
        assert server.settings.grpc_host == "127.0.0.1"


def test_embedded_unknown_service_is_refused():
    with pytest.raises(ValueError, match="unknown service 'painter'"):
        EmbeddedServices(["painter"])
