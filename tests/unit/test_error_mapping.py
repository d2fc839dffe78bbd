"""Domain errors become the status codes the foundation issue lists, for every RPC kind,
through the real interceptor on a real in-process server; unexpected errors become
INTERNAL without leaking their text (which goes to the server log instead); statuses a
servicer chose itself pass through untouched."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import grpc
import pytest

from avatar.v1 import trainer_pb2, trainer_pb2_grpc
from services.runtime.errors import map_exception
from services.runtime.server import start_server
from services.runtime.service import ServiceSpec
from services.runtime.settings import Settings
from talkinghead import errors as domain

SECRET = "password=hunter2 at /srv/private/model.bin"


class OutOfMemoryError(RuntimeError):
    """Stands in for torch.cuda.OutOfMemoryError, recognised by its class name."""


# Ground truth, written out from the issue: what each error must become.
EXPECTED = {
    "invalid": (domain.InvalidInputError, grpc.StatusCode.INVALID_ARGUMENT),
    "not_found": (domain.NotFoundError, grpc.StatusCode.NOT_FOUND),
    "exists": (domain.AlreadyExistsError, grpc.StatusCode.ALREADY_EXISTS),
    "precondition": (domain.FailedPreconditionError, grpc.StatusCode.FAILED_PRECONDITION),
    "exhausted": (domain.ResourceExhaustedError, grpc.StatusCode.RESOURCE_EXHAUSTED),
    "integrity": (domain.IntegrityError, grpc.StatusCode.DATA_LOSS),
    "cancelled": (domain.CancelledError, grpc.StatusCode.CANCELLED),
    "later": (domain.NotImplementedYetError, grpc.StatusCode.UNIMPLEMENTED),
}
OOM_KINDS = {"memory": MemoryError, "torch_oom": OutOfMemoryError}


def make_error(kind: str) -> Exception:
    if kind in EXPECTED:
        return EXPECTED[kind][0](f"message of {kind}")
    if kind in OOM_KINDS:
        return OOM_KINDS[kind](f"CUDA out of memory. {SECRET}")
    return KeyError(SECRET)


class RaisingServicer:
    """Each method raises the error named by the request (bytes), after some output."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx

    async def unary(self, request: bytes, context) -> bytes:
        raise make_error(request.decode())

    async def server_stream(self, request: bytes, context):
        yield b"first"
        yield b"second"
        raise make_error(request.decode())

    async def writer_stream(self, request: bytes, context) -> None:
        await context.write(b"written")
        raise make_error(request.decode())

    async def client_stream(self, requests, context) -> bytes:
        kinds = [request.decode() async for request in requests]
        raise make_error(kinds[-1])

    async def bidi_stream(self, requests, context):
        async for request in requests:
            yield b"echo:" + request
            raise make_error(request.decode())

    async def abort(self, request: bytes, context) -> bytes:
        await context.abort(grpc.StatusCode.PERMISSION_DENIED, "you shall not pass")

    async def abort_stream(self, request: bytes, context):
        yield b"before abort"
        await context.abort(grpc.StatusCode.OUT_OF_RANGE, "past the end")

    async def set_code_then_raise(self, request: bytes, context) -> bytes:
        context.set_code(grpc.StatusCode.FAILED_PRECONDITION)
        context.set_details("chosen by the servicer")
        raise RuntimeError(SECRET)

    async def endless(self, request: bytes, context):
        while True:
            yield b"tick"
            await asyncio.sleep(0.02)


def register(servicer: RaisingServicer, server: grpc.aio.Server) -> None:
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(servicer.unary),
        "ServerStream": grpc.unary_stream_rpc_method_handler(servicer.server_stream),
        "WriterStream": grpc.unary_stream_rpc_method_handler(servicer.writer_stream),
        "ClientStream": grpc.stream_unary_rpc_method_handler(servicer.client_stream),
        "BidiStream": grpc.stream_stream_rpc_method_handler(servicer.bidi_stream),
        "Abort": grpc.unary_unary_rpc_method_handler(servicer.abort),
        "AbortStream": grpc.unary_stream_rpc_method_handler(servicer.abort_stream),
        "SetCodeThenRaise": grpc.unary_unary_rpc_method_handler(servicer.set_code_then_raise),
        "Endless": grpc.unary_stream_rpc_method_handler(servicer.endless),
    }
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("test.v1.Raiser", handlers),)
    )


RAISER = ServiceSpec(
    name="raiser", full_name="test.v1.Raiser", build=RaisingServicer, register=register
)
SETTINGS = dataclasses.replace(
    Settings.defaults("trainer"), grpc_host="127.0.0.1", grpc_port=0, metrics_port=-1
)


@dataclasses.dataclass
class Outcome:
    code: grpc.StatusCode
    details: str
    responses: list[bytes]


async def invoke(channel: grpc.aio.Channel, method: str, kind: str) -> Outcome:
    """Call test.v1.Raiser/<method> with `kind`, collecting responses until the status."""
    path = f"/test.v1.Raiser/{method}"
    responses: list[bytes] = []
    try:
        if method in ("ServerStream", "WriterStream", "AbortStream"):
            async for response in channel.unary_stream(path)(kind.encode(), timeout=5):
                responses.append(response)
        elif method == "ClientStream":
            await channel.stream_unary(path)(iter([b"ignored", kind.encode()]), timeout=5)
        elif method == "BidiStream":
            async for response in channel.stream_stream(path)(iter([kind.encode()]), timeout=5):
                responses.append(response)
        else:
            await channel.unary_unary(path)(kind.encode(), timeout=5)
    except grpc.aio.AioRpcError as error:
        return Outcome(error.code(), error.details(), responses)
    return Outcome(grpc.StatusCode.OK, "", responses)


def run_against_raiser(calls: list[tuple[str, str]]):
    """Start the Raiser service, make `calls` [(method, kind)], return their outcomes and
    the server's registry."""

    async def body():
        server = await start_server(RAISER, SETTINGS)
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                outcomes = [await invoke(channel, method, kind) for method, kind in calls]
        finally:
            await server.stop(0)
        return outcomes, server.registry

    return asyncio.run(asyncio.wait_for(body(), 30))


RPC_KINDS = ("Unary", "ServerStream", "WriterStream", "ClientStream", "BidiStream")
RESPONSES_BEFORE_ERROR = {
    "Unary": [],
    "ServerStream": [b"first", b"second"],
    "WriterStream": [b"written"],
    "ClientStream": [],
    "BidiStream": None,  # the echo of the request, checked below
}


@pytest.mark.parametrize("method", RPC_KINDS)
def test_domain_errors_map_to_their_codes_with_their_messages(method):
    kinds = list(EXPECTED)
    outcomes, registry = run_against_raiser([(method, kind) for kind in kinds])
    for kind, outcome in zip(kinds, outcomes, strict=True):
        assert outcome.code == EXPECTED[kind][1], (method, kind, outcome)
        assert outcome.details == f"message of {kind}"
        expected = RESPONSES_BEFORE_ERROR[method]
        if expected is None:
            expected = [b"echo:" + kind.encode()]
        assert outcome.responses == expected
    # The metrics see the mapped codes, not UNKNOWN.
    grpc_type = {
        "Unary": "unary",
        "ServerStream": "server_stream",
        "WriterStream": "server_stream",
        "ClientStream": "client_stream",
        "BidiStream": "bidi_stream",
    }[method]
    labels = {"grpc_service": "test.v1.Raiser", "grpc_method": method, "grpc_type": grpc_type}
    for code in ("INVALID_ARGUMENT", "DATA_LOSS", "UNIMPLEMENTED"):
        handled = registry.get_sample_value(
            "avatar_grpc_server_handled_total", {**labels, "grpc_code": code}
        )
        assert handled == 1, (method, code)


@pytest.mark.parametrize("method", RPC_KINDS)
def test_out_of_memory_is_resource_exhausted_without_allocator_text(method):
    outcomes, _ = run_against_raiser([(method, kind) for kind in OOM_KINDS])
    for outcome in outcomes:
        assert outcome.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "out of memory" in outcome.details
        assert SECRET not in outcome.details


@pytest.mark.parametrize("method", RPC_KINDS)
def test_unexpected_error_is_internal_and_logged_not_leaked(method, caplog):
    caplog.set_level(logging.ERROR, logger="services.runtime.interceptors")
    (outcome,), _ = run_against_raiser([(method, "bug")])
    assert outcome.code == grpc.StatusCode.INTERNAL
    assert SECRET not in outcome.details
    assert "hunter2" not in outcome.details and "KeyError" not in outcome.details
    assert f"/test.v1.Raiser/{method}" in outcome.details
    error_id = outcome.details.rsplit(" ", 1)[1]
    # The server log has the error id with the full exception for whoever debugs it.
    (record,) = [r for r in caplog.records if getattr(r, "error_id", None) == error_id]
    assert record.exc_info is not None and SECRET in str(record.exc_info[1])
    if method == "ServerStream":
        assert outcome.responses == [b"first", b"second"]


def test_statuses_chosen_by_the_servicer_pass_through():
    outcomes, _ = run_against_raiser([("Abort", ""), ("AbortStream", ""), ("SetCodeThenRaise", "")])
    abort, abort_stream, set_code = outcomes
    assert (abort.code, abort.details) == (grpc.StatusCode.PERMISSION_DENIED, "you shall not pass")
    assert (abort_stream.code, abort_stream.details) == (
        grpc.StatusCode.OUT_OF_RANGE,
        "past the end",
    )
    assert abort_stream.responses == [b"before abort"]
    assert set_code.code == grpc.StatusCode.FAILED_PRECONDITION
    assert set_code.details == "chosen by the servicer"


def test_generated_stub_left_unimplemented_passes_through():
    """A generated servicer method nobody overrode sets UNIMPLEMENTED itself."""
    spec = ServiceSpec(
        name="trainer",
        full_name="avatar.v1.TrainerService",
        build=lambda ctx: trainer_pb2_grpc.TrainerServiceServicer(),
        register=trainer_pb2_grpc.add_TrainerServiceServicer_to_server,
    )

    async def body():
        server = await start_server(spec, SETTINGS)
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                stub = trainer_pb2_grpc.TrainerServiceStub(channel)
                with pytest.raises(grpc.aio.AioRpcError) as raised:
                    await stub.ListJobs(trainer_pb2.ListJobsRequest(), timeout=5)
        finally:
            await server.stop(0)
        return raised.value

    error = asyncio.run(body())
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED
    assert error.details() == "Method not implemented!"


def test_client_cancel_is_counted_as_cancelled_and_leaves_nothing_in_flight():
    labels = {
        "grpc_service": "test.v1.Raiser",
        "grpc_method": "Endless",
        "grpc_type": "server_stream",
    }

    async def body():
        server = await start_server(RAISER, SETTINGS)
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
                call = channel.unary_stream("/test.v1.Raiser/Endless")(b"", timeout=5)
                assert await call.read() == b"tick"
                in_flight = server.registry.get_sample_value("avatar_grpc_server_in_flight", labels)
                call.cancel()
                for _ in range(100):  # the server notices the cancel asynchronously
                    cancelled = server.registry.get_sample_value(
                        "avatar_grpc_server_handled_total", {**labels, "grpc_code": "CANCELLED"}
                    )
                    if cancelled:
                        break
                    await asyncio.sleep(0.02)
                after = server.registry.get_sample_value("avatar_grpc_server_in_flight", labels)
        finally:
            await server.stop(0)
        return in_flight, cancelled, after

    assert asyncio.run(body()) == (1, 1, 0)


@pytest.mark.parametrize(("kind", "pair"), list(EXPECTED.items()))
def test_map_exception_table(kind, pair):
    error_class, code = pair
    mapped = map_exception(error_class("what went wrong"), "/x.Y/Z")
    assert (mapped.code, mapped.details, mapped.expected) == (code, "what went wrong", True)


def test_map_exception_subclasses_oom_and_bugs():
    class DatasetMissing(domain.NotFoundError):
        pass

    assert (
        map_exception(DatasetMissing("no dataset d1"), "/x.Y/Z").code == grpc.StatusCode.NOT_FOUND
    )

    class CudaOutOfMemory(OutOfMemoryError):  # a subclass of a class named OutOfMemoryError
        pass

    for error in (MemoryError(), OutOfMemoryError(SECRET), CudaOutOfMemory(SECRET)):
        mapped = map_exception(error, "/x.Y/Z")
        assert mapped.code == grpc.StatusCode.RESOURCE_EXHAUSTED and SECRET not in mapped.details
    bug = map_exception(ZeroDivisionError(SECRET), "/x.Y/Z")
    assert (bug.code, bug.expected) == (grpc.StatusCode.INTERNAL, False)
    assert SECRET not in bug.details and bug.error_id in bug.details
    # A domain error without a message still says something.
    assert map_exception(domain.NotFoundError(), "/x.Y/Z").details
