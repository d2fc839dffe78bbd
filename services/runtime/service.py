"""How a service plugs into the runtime.

Each `services/<name>/__init__.py` defines one `SPEC = ServiceSpec(...)`: how to build its
servicer from a `ServiceContext`, and the generated `add_*Servicer_to_server` that
registers it. The runtime does the rest (server, health, reflection, metrics, shutdown).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import grpc
from prometheus_client import CollectorRegistry

from services.runtime.settings import Settings


@dataclass(frozen=True)
class ServiceContext:
    """What a servicer is built with.

    settings: the service's frozen settings.
    metrics: the server's Prometheus registry; add service metrics here (`avatar_` prefix).
    store: the artifact store (None until the store is wired in).
    shutdown: set when the server starts draining (SIGTERM or `stop`); streaming RPCs
        watch it and end cleanly within `settings.grace_seconds`.
    """

    settings: Settings
    metrics: CollectorRegistry
    shutdown: asyncio.Event
    store: Any = None


@dataclass(frozen=True)
class ServiceSpec:
    """One gRPC service of ours.

    name: short name from the catalog ("trainer").
    full_name: the proto service's full name ("avatar.v1.TrainerService"); take it from
        the generated descriptor (`full_service_name(trainer_pb2, "TrainerService")`).
    build: makes the servicer from a context (usually the servicer class itself).
    register: the generated `add_<Service>Servicer_to_server`.
    warm_up: optional name of an `async` servicer method run after the server starts;
        health stays NOT_SERVING until it returns (load models, open the store, ...).
    """

    name: str
    full_name: str
    build: Callable[[ServiceContext], Any]
    register: Callable[[Any, grpc.aio.Server], None]
    warm_up: str | None = "warm_up"

    def readiness_of(self, servicer: Any) -> Callable[[], Awaitable[None]] | None:
        """The servicer's warm-up coroutine function, if it defines one."""
        if self.warm_up is None:
            return None
        return getattr(servicer, self.warm_up, None)


def full_service_name(pb2_module: ModuleType, service: str) -> str:
    """Full name of `service` as declared in a generated `*_pb2` module's proto file."""
    return pb2_module.DESCRIPTOR.services_by_name[service].full_name
