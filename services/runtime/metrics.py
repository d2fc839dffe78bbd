"""Prometheus metrics of one server: the gRPC server metrics (names after
go-grpc-prometheus, with the `avatar_` prefix, base units) in a registry of the server's
own, served over HTTP on the server's metrics port.

A registry per server because several servers share one process (tests, embedded mode);
service code adds its own metrics to `ServiceContext.metrics`. Labels never carry ids
(avatar, session, job, tenant): their number must stay bounded.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

PREFIX = "avatar_"
RPC_LABELS = ("grpc_service", "grpc_method", "grpc_type")
# Unary calls take milliseconds, streams up to hours: buckets span both.
HANDLING_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
)  # fmt: skip


class GrpcServerMetrics:
    """The four gRPC server metrics, registered in `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.started = Counter(
            f"{PREFIX}grpc_server_started_total",
            "RPCs started on the server.",
            RPC_LABELS,
            registry=registry,
        )
        self.handled = Counter(
            f"{PREFIX}grpc_server_handled_total",
            "RPCs completed on the server, by status code.",
            (*RPC_LABELS, "grpc_code"),
            registry=registry,
        )
        self.handling_seconds = Histogram(
            f"{PREFIX}grpc_server_handling_seconds",
            "Time from the start of an RPC to its status, in seconds.",
            RPC_LABELS,
            buckets=HANDLING_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            f"{PREFIX}grpc_server_in_flight",
            "RPCs being handled now.",
            RPC_LABELS,
            registry=registry,
        )


@dataclass
class MetricsEndpoint:
    """The HTTP server exposing a registry at /metrics; `port` is the bound port."""

    port: int
    _httpd: WSGIServer
    _thread: threading.Thread

    def close(self) -> None:
        """Stop serving and free the port (blocks up to the server's 0.5 s poll interval)."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def serve_metrics(registry: CollectorRegistry, host: str, port: int) -> MetricsEndpoint:
    """Serve `registry` over HTTP on host:port (0 = an ephemeral port) in a daemon thread."""
    httpd, thread = start_http_server(port, addr=host, registry=registry)
    return MetricsEndpoint(port=httpd.server_address[1], _httpd=httpd, _thread=thread)
