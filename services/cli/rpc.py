"""Ctrl-C and in-flight RPCs.

Raising KeyboardInterrupt at an arbitrary point inside gRPC's Python code can leave the
call half-started or a lock held, so while a command runs, SIGINT is handled here: it
marks the command interrupted and cancels every open call from a helper thread (the
handler runs in the main thread, which may hold a lock the cancel needs). The call's
waiting loop then ends with CANCELLED, which `open_call` turns into KeyboardInterrupt at
a known point, after the server was told. With no call open, Ctrl-C interrupts at once,
as usual.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from services.cli.errors import CliError


class _InterruptState:
    """Shared by the handler and open_call. Only the main thread changes it (the handler
    runs in the main thread between two bytecodes), so it needs no lock."""

    def __init__(self) -> None:
        self.calls: set[Any] = set()
        self.starting = 0  # calls being started: interrupting them now would break them
        self.interrupted = False

    def reset(self) -> None:
        self.calls.clear()
        self.starting = 0
        self.interrupted = False


_state = _InterruptState()


def _cancel_all(calls: list[Any]) -> None:
    for call in calls:
        call.cancel()


def _on_sigint(signum: int, frame: object) -> None:
    _state.interrupted = True
    calls = list(_state.calls)
    if not calls and not _state.starting:
        raise KeyboardInterrupt
    threading.Thread(target=_cancel_all, args=(calls,), name="avatar-cancel", daemon=True).start()


@contextlib.contextmanager
def interrupt_handling() -> Iterator[None]:
    """Handle SIGINT as described above for the duration of a command (main thread only;
    elsewhere, and for nested use, Python's default handling stays)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    _state.reset()
    signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _state.reset()


@contextlib.contextmanager
def open_call(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Iterator[Any]:
    """Start `method(*args, **kwargs)` (a streaming stub method, or a `.future` of a unary or
    client-streaming one) and yield the call. Ctrl-C cancels it and surfaces here as
    KeyboardInterrupt; any other exception leaving the block cancels it too."""
    _state.starting += 1
    try:
        call = method(*args, **kwargs)
        _state.calls.add(call)
    finally:
        _state.starting -= 1
    if _state.interrupted:  # Ctrl-C came while the call was starting
        call.cancel()
    try:
        yield call
        if _state.interrupted:
            raise KeyboardInterrupt
    except grpc.RpcError as error:
        call.cancel()
        if _state.interrupted and error.code() == grpc.StatusCode.CANCELLED:
            raise KeyboardInterrupt from None
        raise
    except BaseException:
        call.cancel()
        raise
    finally:
        _state.calls.discard(call)


def unary(method: grpc.UnaryUnaryMultiCallable, request: object, timeout: float | None = None
          ) -> Any:
    """Call a unary RPC so that Ctrl-C cancels it; its response."""
    with open_call(method.future, request, timeout=timeout) as future:
        return future.result()


def follow_progress(
    method: Callable[..., Any], request: object, result_field: str, progress: Any,
    missing: str,
) -> Any:
    """Run a server-streaming RPC whose messages carry `progress` and, on the last one,
    `result_field`: show the progress (a StageProgress, or None) and return that result.
    A stream that ends without it raises CliError(`missing`) (the service broke its
    contract: INTERNAL)."""
    result = None
    with open_call(method, request) as call:
        for response in call:
            if response.HasField("progress") and progress is not None:
                p = response.progress
                progress.update(p.stage, p.done, p.total, p.message)
            if response.HasField(result_field):
                result = getattr(response, result_field)
    if result is None:
        raise CliError(missing, code="INTERNAL")
    return result
