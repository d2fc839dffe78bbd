"""/metrics of an in-process server, scraped over real HTTP and parsed with
prometheus_client's own parser: the counters and the histogram move by exactly the calls
the test made, labelled by method, kind and code."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from avatar.v1 import trainer_pb2, trainer_pb2_grpc
from services.runtime.catalog import load_spec
from services.runtime.server import start_server

SERVICE = "avatar.v1.TrainerService"


def scrape(port: int) -> dict[tuple[str, frozenset], float]:
    """All samples of http://127.0.0.1:<port>/metrics, keyed by name and label set."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_calls_by_method_kind_and_code(settings_for, arun):
    start_training = {"grpc_service": SERVICE, "grpc_method": "StartTraining", "grpc_type": "unary"}
    watch_job = {"grpc_service": SERVICE, "grpc_method": "WatchJob", "grpc_type": "server_stream"}
    check = {"grpc_service": "grpc.health.v1.Health", "grpc_method": "Check", "grpc_type": "unary"}

    async def body():
        server = await start_server(load_spec("trainer"), settings_for("trainer", metrics_port=0))
        await server.wait_ready()
        port = server.metrics_port
        before = await asyncio.to_thread(scrape, port)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            trainer = trainer_pb2_grpc.TrainerServiceStub(channel)
            for _ in range(3):
                with pytest.raises(grpc.aio.AioRpcError):
                    await trainer.StartTraining(trainer_pb2.StartTrainingRequest(), timeout=5)
            for _ in range(2):
                with pytest.raises(grpc.aio.AioRpcError):
                    async for _ in trainer.WatchJob(trainer_pb2.WatchJobRequest(), timeout=5):
                        pass
            health = health_pb2_grpc.HealthStub(channel)
            await health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        after = await asyncio.to_thread(scrape, port)
        await server.stop(0)
        with pytest.raises(urllib.error.URLError):  # the endpoint is closed with the server
            await asyncio.to_thread(scrape, port)
        return before, after

    before, after = arun(body())
    assert value(before, "avatar_grpc_server_started_total", **start_training) == 0
    assert value(after, "avatar_grpc_server_started_total", **start_training) == 3
    assert (
        value(
            after, "avatar_grpc_server_handled_total", grpc_code="UNIMPLEMENTED", **start_training
        )
        == 3
    )
    assert value(after, "avatar_grpc_server_handled_total", grpc_code="OK", **start_training) == 0
    assert value(after, "avatar_grpc_server_handling_seconds_count", **start_training) == 3
    assert (
        value(after, "avatar_grpc_server_handling_seconds_bucket", le="+Inf", **start_training) == 3
    )
    assert value(after, "avatar_grpc_server_handling_seconds_sum", **start_training) > 0

    assert value(after, "avatar_grpc_server_started_total", **watch_job) == 2
    assert (
        value(after, "avatar_grpc_server_handled_total", grpc_code="UNIMPLEMENTED", **watch_job)
        == 2
    )
    assert value(after, "avatar_grpc_server_handling_seconds_count", **watch_job) == 2

    assert value(after, "avatar_grpc_server_handled_total", grpc_code="OK", **check) == 1
    for labels in (start_training, watch_job, check):
        assert value(after, "avatar_grpc_server_in_flight", **labels) == 0
    # No label carries an id: only the four known label names appear.
    label_names = {name for (_, labels) in after for name, _ in labels}
    assert label_names <= {"grpc_service", "grpc_method", "grpc_type", "grpc_code", "le"}


def test_service_code_can_add_metrics_to_the_server_registry(settings_for, arun):
    from prometheus_client import Counter

    async def body():
        server = await start_server(load_spec("trainer"), settings_for("trainer", metrics_port=0))
        counter = Counter("avatar_test_things_total", "Things.", registry=server.context.metrics)
        counter.inc(7)
        samples = await asyncio.to_thread(scrape, server.metrics_port)
        await server.stop(0)
        return samples

    assert value(arun(body()), "avatar_test_things_total") == 7


def test_two_servers_in_one_process_have_separate_registries(settings_for, arun):
    async def body():
        first = await start_server(load_spec("trainer"), settings_for("trainer", metrics_port=0))
        second = await start_server(load_spec("trainer"), settings_for("trainer", metrics_port=0))
        async with grpc.aio.insecure_channel(f"127.0.0.1:{first.port}") as channel:
            await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        samples = [await asyncio.to_thread(scrape, s.metrics_port) for s in (first, second)]
        await asyncio.gather(first.stop(0), second.stop(0))
        return first.metrics_port, second.metrics_port, samples

    first_port, second_port, (first, second) = arun(body())
    assert first_port != second_port
    check = {"grpc_service": "grpc.health.v1.Health", "grpc_method": "Check", "grpc_type": "unary"}
    assert value(first, "avatar_grpc_server_started_total", **check) == 1
    assert value(second, "avatar_grpc_server_started_total", **check) == 0
