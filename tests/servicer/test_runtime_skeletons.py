"""The four service skeletons through a real in-process server on loopback port 0:
health (NOT_SERVING until warm, then SERVING), reflection, and every RPC of every proto
service answering UNIMPLEMENTED with a message naming it and the stage that brings it.

The list of RPCs and their kinds comes from the proto descriptors, not from the servicers,
so an RPC a servicer forgot to override fails here."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf import descriptor_pb2, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from avatar.v1 import preprocess_pb2, renderer_pb2, tracker_pb2, trainer_pb2
from services.runtime.catalog import SERVICE_NAMES, load_spec
from services.runtime.server import start_server

# Ground truth: the proto file and service of each short name.
PROTO_SERVICES = {
    "preprocess": (preprocess_pb2, "PreprocessService"),
    "tracker": (tracker_pb2, "TrackerService"),
    "trainer": (trainer_pb2, "TrainerService"),
    "renderer": (renderer_pb2, "RendererService"),
}
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def rpc_kind(method) -> str:
    return {
        (False, False): "unary",
        (False, True): "server_stream",
        (True, False): "client_stream",
        (True, True): "bidi_stream",
    }[(method.client_streaming, method.server_streaming)]


async def call_rpc(channel: grpc.aio.Channel, service, method) -> None:
    """Call `method` with an empty request of its proto type, consuming all responses."""
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    path = f"/{service.full_name}/{method.name}"
    codecs = {
        "request_serializer": request_class.SerializeToString,
        "response_deserializer": response_class.FromString,
    }
    kind = rpc_kind(method)
    if kind == "unary":
        await channel.unary_unary(path, **codecs)(request_class(), timeout=5)
    elif kind == "server_stream":
        async for _ in channel.unary_stream(path, **codecs)(request_class(), timeout=5):
            pass
    elif kind == "client_stream":
        await channel.stream_unary(path, **codecs)(iter([request_class()]), timeout=5)
    else:
        async for _ in channel.stream_stream(path, **codecs)(iter([request_class()]), timeout=5):
            pass


async def health_status(channel: grpc.aio.Channel, service: str) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    response = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return response.status


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_health_not_serving_until_warm_then_serving(name, settings_for, arun):
    pb2, service_name = PROTO_SERVICES[name]
    full_name = pb2.DESCRIPTOR.services_by_name[service_name].full_name

    async def body():
        release = asyncio.Event()
        server = await start_server(load_spec(name), settings_for(name), readiness=release.wait)
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                watch = health_pb2_grpc.HealthStub(channel).Watch(
                    health_pb2.HealthCheckRequest(service=full_name), timeout=10
                )
                assert (await watch.read()).status == NOT_SERVING
                assert await health_status(channel, "") == NOT_SERVING
                assert await health_status(channel, full_name) == NOT_SERVING
                assert not server.ready
                release.set()
                assert (await watch.read()).status == SERVING
                await server.wait_ready()
                assert server.ready
                assert await health_status(channel, "") == SERVING
                assert await health_status(channel, full_name) == SERVING
                with pytest.raises(grpc.aio.AioRpcError) as unknown:
                    await health_status(channel, "avatar.v1.NoSuchService")
                assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
                watch.cancel()
        finally:
            await server.stop(0)

    arun(body())


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_reflection_lists_and_describes_the_service(name, settings_for, arun):
    pb2, service_name = PROTO_SERVICES[name]
    service = pb2.DESCRIPTOR.services_by_name[service_name]

    async def body():
        server = await start_server(load_spec(name), settings_for(name))
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                stub = reflection_pb2_grpc.ServerReflectionStub(channel)
                requests = [
                    reflection_pb2.ServerReflectionRequest(list_services=""),
                    reflection_pb2.ServerReflectionRequest(
                        file_containing_symbol=service.full_name
                    ),
                ]
                listed, described = [r async for r in stub.ServerReflectionInfo(iter(requests))]
        finally:
            await server.stop(0)
        names = {s.name for s in listed.list_services_response.service}
        assert names == {
            service.full_name,
            "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection",
        }
        # The described file is the service's proto file, with the same RPCs as the proto.
        files = [
            descriptor_pb2.FileDescriptorProto.FromString(raw)
            for raw in described.file_descriptor_response.file_descriptor_proto
        ]
        (proto_file,) = [f for f in files if f.name == pb2.DESCRIPTOR.name]
        (described_service,) = [s for s in proto_file.service if s.name == service_name]
        assert [m.name for m in described_service.method] == [m.name for m in service.methods]

    arun(body())


# Services whose RPCs are all still skeletons (the others have their own servicer tests).
SKELETONS = tuple(n for n in SERVICE_NAMES if n not in ("preprocess", "tracker"))


@pytest.mark.parametrize("name", SKELETONS)
def test_every_rpc_is_unimplemented_with_a_message(name, settings_for, arun):
    pb2, service_name = PROTO_SERVICES[name]
    service = pb2.DESCRIPTOR.services_by_name[service_name]
    assert len(service.methods) > 0

    async def body():
        server = await start_server(load_spec(name), settings_for(name))
        errors = {}
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                for method in service.methods:
                    with pytest.raises(grpc.aio.AioRpcError) as raised:
                        await call_rpc(channel, service, method)
                    errors[method.name] = raised.value
                # The server is still healthy after answering errors on every RPC.
                assert await health_status(channel, "") == SERVING
        finally:
            await server.stop(0)
        return errors

    errors = arun(body())
    for method_name, error in errors.items():
        assert error.code() == grpc.StatusCode.UNIMPLEMENTED, (method_name, error)
        details = error.details()
        assert details.startswith(f"{service_name}.{method_name} is not implemented yet: ")
        assert details.endswith(f"(arrives with the {name} stage)")
        # Says what is missing: more than the template.
        missing = details.split(": ", 1)[1].rsplit(" (arrives", 1)[0]
        assert len(missing) > 10, details


def test_skeletons_cover_all_four_rpc_kinds():
    kinds = {
        rpc_kind(method)
        for pb2, service_name in PROTO_SERVICES.values()
        for method in pb2.DESCRIPTOR.services_by_name[service_name].methods
    }
    assert kinds == {"unary", "server_stream", "client_stream", "bidi_stream"}


def test_catalog_matches_the_protos():
    assert set(SERVICE_NAMES) == set(PROTO_SERVICES)
    for name, (_, service_name) in PROTO_SERVICES.items():
        spec = load_spec(name)
        assert spec.name == name
        assert spec.full_name == f"avatar.v1.{service_name}"
