"""`avatar serve` as a real process: it prints a LISTENING line per service, answers gRPC
health (SERVING) and reflection, and exits 0 after SIGTERM (one service, through the
runtime's run_forever) or SIGINT (several services in one event loop)."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tests.integration.test_cli_support import cli_env

SERVING = health_pb2.HealthCheckResponse.SERVING
LISTENING = re.compile(r"LISTENING service=(\w+) grpc_port=(\d+) metrics_port=(-?\d+)$")
FULL_NAMES = {"tracker": "avatar.v1.TrackerService", "trainer": "avatar.v1.TrainerService"}


class ServeProcess:
    """`avatar serve ARGS` on 127.0.0.1 port 0, metrics off."""

    def __init__(self, args: list[str], tmp_path: Path) -> None:
        env = cli_env(tmp_path, AVATAR_GRPC_HOST="127.0.0.1", AVATAR_GRPC_PORT="0",
                      AVATAR_METRICS_PORT="-1", AVATAR_GRACE_SECONDS="2",
                      AVATAR_LOG_FORMAT="text")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", "serve", *args],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))

    def ports(self, count: int, timeout: float = 30) -> dict[str, int]:
        """service -> gRPC port from the first `count` LISTENING lines."""
        ports = {}
        while len(ports) < count:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                self.process.kill()
                raise AssertionError(f"no LISTENING line: {self.process.stderr.read()}") from None
            match = LISTENING.match(line)
            assert match, f"unexpected stdout line {line!r}"
            assert match.group(3) == "-1"  # metrics disabled, as configured
            ports[match.group(1)] = int(match.group(2))
        return ports

    def stop(self, signum: int, timeout: float = 15) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.process.stderr.close()


def wait_serving(port: int, service: str) -> int:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        health = health_pb2_grpc.HealthStub(channel)
        # Watch returns the current status first, then changes: wait for SERVING.
        for response in health.Watch(health_pb2.HealthCheckRequest(service=service), timeout=20):
            if response.status == SERVING:
                return response.status
    raise AssertionError("health never said SERVING")


def listed_services(port: int) -> set[str]:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        (response,) = stub.ServerReflectionInfo(iter([request]), timeout=10)
    return {service.name for service in response.list_services_response.service}


@pytest.fixture
def serve(tmp_path):
    started: list[ServeProcess] = []

    def start(*args: str) -> ServeProcess:
        started.append(ServeProcess(list(args), tmp_path))
        return started[-1]

    yield start
    for process in started:
        process.close()


def test_serve_one_service_until_sigterm(serve):
    process = serve("tracker")
    ports = process.ports(1)
    assert set(ports) == {"tracker"}
    assert wait_serving(ports["tracker"], FULL_NAMES["tracker"]) == SERVING
    assert FULL_NAMES["tracker"] in listed_services(ports["tracker"])
    assert process.stop(signal.SIGTERM) == 0


def test_serve_several_services_in_one_process_until_sigint(serve):
    process = serve("trainer", "tracker")
    ports = process.ports(2)
    assert set(ports) == {"tracker", "trainer"}
    assert ports["tracker"] != ports["trainer"]
    for name, port in ports.items():
        assert wait_serving(port, FULL_NAMES[name]) == SERVING
        # Each port serves its own service only.
        assert set(FULL_NAMES.values()) & listed_services(port) == {FULL_NAMES[name]}
    assert process.stop(signal.SIGINT) == 0


def test_serve_reports_a_port_it_cannot_bind(tmp_path):
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = cli_env(tmp_path, AVATAR_GRPC_HOST="127.0.0.1", AVATAR_GRPC_PORT=str(port),
                      AVATAR_METRICS_PORT="-1")
        result = subprocess.run([sys.executable, "-m", "services.cli.main", "serve", "tracker"],
                                cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=30)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: UNAVAILABLE: ") and str(port) in last
    assert "Traceback" not in result.stderr
