"""The one server interceptor: maps exceptions escaping a servicer to status codes
(services/runtime/errors.py) and records the gRPC server metrics, for all four RPC kinds.

grpc.aio picks how to drive a handler from its type (coroutine function: returns the
response or writes with `context.write`; async generator function: yields responses), so
each wrapper here has the same type as the behaviour it wraps. Servicer methods must be
`async`: a plain function would run on the event loop itself.

A status the servicer chose (`context.abort`, or `context.set_code` before returning or
raising) reaches the client untouched.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from services.runtime.errors import map_exception
from services.runtime.metrics import GrpcServerMetrics
from talkinghead.errors import AvatarError

logger = logging.getLogger(__name__)

# grpc_type label values, as go-grpc-prometheus names them.
UNARY = "unary"
SERVER_STREAM = "server_stream"
CLIENT_STREAM = "client_stream"
BIDI_STREAM = "bidi_stream"


class _Observation:
    """Metrics of one RPC: counted as started now, as handled with a code in `finish`."""

    def __init__(self, metrics: GrpcServerMetrics, labels: tuple[str, str, str]) -> None:
        self._metrics = metrics
        self._labels = labels
        self._start = time.perf_counter()
        metrics.started.labels(*labels).inc()
        metrics.in_flight.labels(*labels).inc()

    def finish(self, code: grpc.StatusCode) -> None:
        metrics = self._metrics
        metrics.in_flight.labels(*self._labels).dec()
        metrics.handled.labels(*self._labels, code.name).inc()
        metrics.handling_seconds.labels(*self._labels).observe(time.perf_counter() - self._start)


def _code_after_return(context: grpc.aio.ServicerContext) -> grpc.StatusCode:
    return context.code() or grpc.StatusCode.OK


def _code_after_cancel(context: grpc.aio.ServicerContext) -> grpc.StatusCode:
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        return grpc.StatusCode.DEADLINE_EXCEEDED
    return grpc.StatusCode.CANCELLED


class ErrorMappingMetricsInterceptor(grpc.aio.ServerInterceptor):
    """Wraps every method handler of the server with error mapping and metrics."""

    def __init__(self, metrics: GrpcServerMetrics) -> None:
        self._metrics = metrics

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        """Return the handler of the called method with its behaviour wrapped."""
        handler = await continuation(handler_call_details)
        if handler is None:  # unknown method: gRPC answers UNIMPLEMENTED itself
            return None
        rpc = handler_call_details.method
        service, _, method = rpc.lstrip("/").rpartition("/")
        codecs = {
            "request_deserializer": handler.request_deserializer,
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_unary is not None:
            wrapped = self._wrap_single((service, method, UNARY), rpc, handler.unary_unary)
            return grpc.unary_unary_rpc_method_handler(wrapped, **codecs)
        if handler.stream_unary is not None:
            labels = (service, method, CLIENT_STREAM)
            wrapped = self._wrap_single(labels, rpc, handler.stream_unary)
            return grpc.stream_unary_rpc_method_handler(wrapped, **codecs)
        if handler.unary_stream is not None:
            labels = (service, method, SERVER_STREAM)
            wrapped = self._wrap_stream(labels, rpc, handler.unary_stream)
            return grpc.unary_stream_rpc_method_handler(wrapped, **codecs)
        labels = (service, method, BIDI_STREAM)
        wrapped = self._wrap_stream(labels, rpc, handler.stream_stream)
        return grpc.stream_stream_rpc_method_handler(wrapped, **codecs)

    def _wrap_single(self, labels: tuple[str, str, str], rpc: str, behaviour: Callable) -> Callable:
        """Wrap a behaviour that returns (a response, or None after `context.write`)."""

        async def handle(request: Any, context: grpc.aio.ServicerContext) -> Any:
            observation = _Observation(self._metrics, labels)
            code = grpc.StatusCode.UNKNOWN
            try:
                result = behaviour(request, context)
                if inspect.isawaitable(result):
                    result = await result
                code = _code_after_return(context)
                return result
            except grpc.aio.AbortError:
                code = _code_after_return(context)
                raise
            except asyncio.CancelledError:
                code = _code_after_cancel(context)
                raise
            except Exception as error:  # every error becomes a status
                code, details = self._status_for(error, context, rpc)
                await context.abort(code, details)
            finally:
                observation.finish(code)

        return handle

    def _wrap_stream(self, labels: tuple[str, str, str], rpc: str, behaviour: Callable) -> Callable:
        """Wrap a response-streaming behaviour: an async generator function, or a coroutine
        function writing with `context.write` (grpc's reader/writer style)."""
        if inspect.iscoroutinefunction(behaviour):
            return self._wrap_single(labels, rpc, behaviour)

        async def handle(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            observation = _Observation(self._metrics, labels)
            code = grpc.StatusCode.UNKNOWN
            responses = None
            try:
                responses = behaviour(request, context)
                if hasattr(responses, "__aiter__"):
                    async for response in responses:
                        yield response
                elif inspect.isawaitable(responses):
                    await responses
                elif responses is not None:
                    for response in responses:
                        yield response
                code = _code_after_return(context)
            except grpc.aio.AbortError:
                code = _code_after_return(context)
                raise
            except (asyncio.CancelledError, GeneratorExit):
                code = _code_after_cancel(context)
                raise
            except Exception as error:  # every error becomes a status
                code, details = self._status_for(error, context, rpc)
                await context.abort(code, details)
            finally:
                # Runs the servicer's own clean-up now, not whenever the loop finalizes it.
                if inspect.isasyncgen(responses):
                    await responses.aclose()
                observation.finish(code)

        return handle

    @staticmethod
    def _status_for(
        error: Exception, context: grpc.aio.ServicerContext, rpc: str
    ) -> tuple[grpc.StatusCode, str]:
        """Code and details for `error`; logs it with its traceback when it is a bug."""
        chosen = context.code()
        if chosen not in (None, grpc.StatusCode.OK) and not isinstance(error, AvatarError):
            # The servicer set the code itself before raising (as generated stubs do).
            return chosen, context.details() or ""
        mapped = map_exception(error, rpc)
        if mapped.expected:
            logger.info("%s failed: %s %s", rpc, mapped.code.name, mapped.details)
        else:
            logger.error(
                "%s failed with an unexpected error (error id %s)",
                rpc,
                mapped.error_id,
                exc_info=error,
                extra={"rpc": rpc, "error_id": mapped.error_id},
            )
        return mapped.code, mapped.details
