"""Errors of the CLI and how every failure is shown: one line on stderr,
`error: <CODE>: <details>`, with the exit code the failure deserves."""

from __future__ import annotations

import grpc

from talkinghead import errors as domain

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C

# Local domain errors (a bad audio file, a dataset missing from the store) are shown with
# the status code a service would have answered, so every error line reads the same.
_DOMAIN_CODES: tuple[tuple[type[BaseException], str], ...] = (
    (domain.InvalidInputError, "INVALID_ARGUMENT"),
    (domain.NotFoundError, "NOT_FOUND"),
    (domain.AlreadyExistsError, "ALREADY_EXISTS"),
    (domain.FailedPreconditionError, "FAILED_PRECONDITION"),
    (domain.ResourceExhaustedError, "RESOURCE_EXHAUSTED"),
    (domain.IntegrityError, "DATA_LOSS"),
    (domain.CancelledError, "CANCELLED"),
    (domain.NotImplementedYetError, "UNIMPLEMENTED"),
)


class CliError(Exception):
    """A failure the CLI reports itself: shown as `error: <code>: <message>`."""

    def __init__(self, message: str, code: str = "FAILED", exit_code: int = EXIT_FAILURE):
        super().__init__(message)
        self.code = code
        self.exit_code = exit_code

    def line(self) -> str:
        """The one line shown on stderr."""
        return f"error: {self.code}: {self}"


class UsageError(CliError):
    """Bad arguments found after parsing (a combination argparse cannot check): exit 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="USAGE", exit_code=EXIT_USAGE)

    def line(self) -> str:
        """Usage errors read like argparse's own: `error: <message>`."""
        return f"error: {self}"


def rpc_error_line(error: grpc.RpcError) -> str:
    """`error: <CODE>: <details>` for a failed RPC (the server's own message)."""
    code = error.code() if hasattr(error, "code") else None
    details = error.details() if hasattr(error, "details") else None
    name = code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
    return f"error: {name}: {details or str(error) or 'no details'}"


def domain_error_line(error: domain.AvatarError) -> str:
    """`error: <CODE>: <message>` for a domain error raised in the CLI's own process."""
    for error_class, code in _DOMAIN_CODES:
        if isinstance(error, error_class):
            return f"error: {code}: {error}"
    return f"error: FAILED: {error}"


def domain_exit_code(error: domain.AvatarError) -> int:
    """Bad local input (a file the user named) is a usage error; anything else a failure."""
    return EXIT_USAGE if isinstance(error, domain.InvalidInputError) else EXIT_FAILURE


def is_unimplemented(error: BaseException) -> bool:
    """Whether `error` is a service answering UNIMPLEMENTED (a stage not built yet)."""
    return isinstance(error, grpc.RpcError) and error.code() == grpc.StatusCode.UNIMPLEMENTED
