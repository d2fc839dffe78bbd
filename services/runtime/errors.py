"""The one mapping from domain errors (talkinghead/errors.py) to gRPC status codes.

Domain errors carry messages written for clients, so their text becomes the status
details. Out-of-memory errors get a fixed message (the allocator's text names devices and
sizes of the server). Everything else is a bug: INTERNAL with a generic message and an
error id that points to the server-side log entry, never the exception's own text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import grpc

from talkinghead import errors as domain

# Checked in order; the first class the error is an instance of wins.
DOMAIN_STATUS: tuple[tuple[type[BaseException], grpc.StatusCode], ...] = (
    (domain.InvalidInputError, grpc.StatusCode.INVALID_ARGUMENT),
    (domain.NotFoundError, grpc.StatusCode.NOT_FOUND),
    (domain.AlreadyExistsError, grpc.StatusCode.ALREADY_EXISTS),
    (domain.FailedPreconditionError, grpc.StatusCode.FAILED_PRECONDITION),
    (domain.ResourceExhaustedError, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (domain.IntegrityError, grpc.StatusCode.DATA_LOSS),
    (domain.CancelledError, grpc.StatusCode.CANCELLED),
    (domain.NotImplementedYetError, grpc.StatusCode.UNIMPLEMENTED),
)
# torch.cuda.OutOfMemoryError (and torch.OutOfMemoryError) is recognised by its class
# name: servicers and the runtime never import torch.
OUT_OF_MEMORY_CLASS_NAME = "OutOfMemoryError"
OUT_OF_MEMORY_MESSAGE = (
    "the server ran out of memory handling this request; retry later or with a smaller request"
)


@dataclass(frozen=True)
class MappedStatus:
    """What a client is told about an exception. `expected` is False for bugs, which the
    runtime logs with their traceback under `error_id`."""

    code: grpc.StatusCode
    details: str
    expected: bool
    error_id: str | None = None


def is_out_of_memory(error: BaseException) -> bool:
    """True for MemoryError and for any exception class named OutOfMemoryError (torch's)."""
    if isinstance(error, MemoryError):
        return True
    return any(cls.__name__ == OUT_OF_MEMORY_CLASS_NAME for cls in type(error).__mro__)


def map_exception(error: Exception, rpc: str) -> MappedStatus:
    """The status for `error` raised while handling `rpc` ("/pkg.Service/Method")."""
    for error_class, code in DOMAIN_STATUS:
        if isinstance(error, error_class):
            details = (
                str(error) or f"{code.name.lower().replace('_', ' ')} ({type(error).__name__})"
            )
            return MappedStatus(code, details, expected=True)
    if is_out_of_memory(error):
        return MappedStatus(grpc.StatusCode.RESOURCE_EXHAUSTED, OUT_OF_MEMORY_MESSAGE, True)
    error_id = uuid.uuid4().hex[:12]
    details = f"internal error handling {rpc}; see the server log for error id {error_id}"
    return MappedStatus(grpc.StatusCode.INTERNAL, details, expected=False, error_id=error_id)


def not_implemented_yet(rpc: str, missing: str, stage: str) -> domain.NotImplementedYetError:
    """The error an RPC of a later stage raises, naming what is missing and which stage
    brings it: "<rpc> is not implemented yet: <missing> (arrives with the <stage> stage)"."""
    return domain.NotImplementedYetError(
        f"{rpc} is not implemented yet: {missing} (arrives with the {stage} stage)"
    )
