"""Channels to the services a command talks to. A service with a target ("host:port") is
reached there; every other one is started in this process on loopback (the embedded
default, `services.runtime.embedded.EmbeddedServices`) the first time it is needed, with
the CLI's artifact store and metrics off. Both paths speak real gRPC, so the embedded
default exercises what the cluster runs."""

from __future__ import annotations

import argparse
import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import grpc

from services.cli.errors import CliError
from services.runtime.settings import MIB

if TYPE_CHECKING:
    from services.runtime.embedded import EmbeddedServices
    from talkinghead.store import ArtifactStore

logger = logging.getLogger(__name__)

# The services' default message limit (Settings.max_message_bytes), so whatever a service
# may send (a dataset's frames, an inline audio file) fits.
MAX_MESSAGE_BYTES = 64 * MIB
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]
# How long a remote target may take to accept a connection before the command gives up.
CONNECT_TIMEOUT_SECONDS = 10.0
# In-flight RPCs of an embedded service at exit are our own, already finished or cancelled.
EMBEDDED_STOP_GRACE_SECONDS = 1.0


class Connections:
    """Channels by service name, opened on first use and closed together.

    targets: service name -> "host:port", or None to start the service embedded.
    open_store: opens the artifact store (called at most once, on first need).
    """

    def __init__(
        self,
        targets: Mapping[str, str | None],
        open_store: Callable[[], ArtifactStore],
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    ) -> None:
        self._targets = dict(targets)
        self._open_store = open_store
        self._connect_timeout = connect_timeout
        self._store: ArtifactStore | None = None
        self._channels: dict[str, grpc.Channel] = {}
        self._embedded: dict[str, EmbeddedServices] = {}

    @classmethod
    def from_args(cls, args: argparse.Namespace, targets: Mapping[str, str | None]) -> Connections:
        """Connections for a parsed command line (global --store / --s3-endpoint-url)."""
        from services.cli.store import open_cli_store

        return cls(targets, lambda: open_cli_store(args.store, args.s3_endpoint_url))

    @property
    def store(self) -> ArtifactStore:
        """The artifact store (the CLI's `--store`), opened on first use."""
        if self._store is None:
            self._store = self._open_store()
        return self._store

    def describe(self, name: str) -> str:
        """"embedded" or the target, for reports."""
        target = self._targets.get(name)
        return "embedded" if target is None else target

    def channel(self, name: str) -> grpc.Channel:
        """The channel to `name`: to its target, or to the embedded service started now."""
        if name not in self._channels:
            target = self._targets.get(name)
            if target is None:
                address = self._start_embedded(name)
                self._channels[name] = grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
            else:
                self._channels[name] = self._connect(name, target)
        return self._channels[name]

    def _connect(self, name: str, target: str) -> grpc.Channel:
        channel = grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
        try:
            state = wait_for_connection(channel, self._connect_timeout)
        except BaseException:
            channel.close()
            raise
        if state != grpc.ChannelConnectivity.READY:
            channel.close()
            why = ("the connection failed" if state == grpc.ChannelConnectivity.TRANSIENT_FAILURE
                   else f"no connection within {self._connect_timeout:g} s")
            raise CliError(f"cannot reach the {name} service at {target} ({why})",
                           code="UNAVAILABLE")
        return channel

    def _start_embedded(self, name: str) -> str:
        from services.runtime.embedded import EmbeddedServices

        # Embedded services run for the local user, who may name any model file on their
        # own machine: their models directory is the file system root (see _model_path in
        # commands/preprocess.py). A deployed service confines clients to its models dir.
        env = {**os.environ, "AVATAR_MODELS_DIR": "/"}
        services = EmbeddedServices([name], store=self.store, metrics=False, env=env)
        try:
            services.start()
        except Exception as error:
            raise CliError(
                f"cannot start the embedded {name} service: {error}", code="UNAVAILABLE"
            ) from error
        self._embedded[name] = services
        logger.info("embedded %s service at %s", name, services.addresses[name])
        return services.addresses[name]

    def close(self) -> None:
        """Close every channel and stop every embedded service. Safe to call twice."""
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()
        for services in self._embedded.values():
            services.stop(grace=EMBEDDED_STOP_GRACE_SECONDS)
        self._embedded.clear()

    def __enter__(self) -> Connections:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def wait_for_connection(channel: grpc.Channel, timeout: float) -> grpc.ChannelConnectivity:
    """Connect `channel` and return READY, TRANSIENT_FAILURE (the first attempt failed:
    refused, unresolvable) or the state it was in when `timeout` ran out."""
    settled = threading.Event()
    latest = [grpc.ChannelConnectivity.IDLE]

    def on_change(state: grpc.ChannelConnectivity) -> None:
        latest[0] = state
        if state in (grpc.ChannelConnectivity.READY, grpc.ChannelConnectivity.TRANSIENT_FAILURE):
            settled.set()

    channel.subscribe(on_change, try_to_connect=True)
    try:
        settled.wait(timeout)
    finally:
        channel.unsubscribe(on_change)
    return latest[0]


def add_target_option(parser: argparse.ArgumentParser, service: str, flag: str = "--target") -> None:
    """`--target host:port`: talk to a running `service` instead of starting it embedded."""
    from services.cli.argtypes import target

    parser.add_argument(
        flag,
        type=target,
        default=None,
        metavar="HOST:PORT",
        help=f"address of a running {service} service (default: start one in this process)",
    )
