"""`avatar serve [SERVICE ...] [--all]`: run services in this process on their configured
ports (settings from the AVATAR_* environment, per service) until SIGTERM/SIGINT, then
drain and exit 0. One service runs through the runtime's own `run_forever`; several share
one event loop (services.cli.serve_loop)."""

from __future__ import annotations

import argparse
import asyncio

from services.cli.errors import CliError, UsageError
from services.runtime.catalog import CATALOG, SERVICE_NAMES

HELP = "run services in this process until SIGTERM (ports from AVATAR_* settings)"
DESCRIPTION = """\
Run one or more services in this process on their configured ports, each with health,
reflection and metrics, until SIGTERM or SIGINT; then drain and exit 0. Each prints
`LISTENING service=<name> grpc_port=<port> metrics_port=<port>` once bound.

Settings come from AVATAR_* environment variables (AVATAR_GRPC_PORT, AVATAR_METRICS_PORT,
AVATAR_LOG_LEVEL, ...); without them each service takes its default ports:
""" + "\n".join(
    f"  {entry.name:<11} gRPC {entry.default_grpc_port}, metrics {entry.default_metrics_port}"
    for entry in CATALOG.values()
)


def service_name(text: str) -> str:
    """A service of the catalog (argparse's `choices` refuses an empty `nargs="*"`)."""
    if text not in CATALOG:
        raise argparse.ArgumentTypeError(
            f"unknown service {text!r}; choose from {', '.join(SERVICE_NAMES)}"
        )
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `avatar serve`."""
    parser.add_argument("services", nargs="*", type=service_name, metavar="SERVICE",
                        help=f"services to run: {', '.join(SERVICE_NAMES)}")
    parser.add_argument("--all", action="store_true", help="run all four services")


def selected_services(args: argparse.Namespace) -> list[str]:
    """The services to run, in pipeline order, each once; UsageError for none."""
    if args.all:
        return list(SERVICE_NAMES)
    if not args.services:
        raise UsageError("name at least one SERVICE, or give --all")
    return [name for name in SERVICE_NAMES if name in set(args.services)]


def run(args: argparse.Namespace) -> int:
    """Serve until a signal; the exit code of the drain (0) or of a failed warm-up (1)."""
    from services.cli.serve_loop import run_many_forever
    from services.cli.store import open_cli_store
    from services.runtime.catalog import load_spec
    from services.runtime.logging import configure_logging
    from services.runtime.server import ServerStartError, run_forever
    from services.runtime.settings import Settings, SettingsError

    names = selected_services(args)
    try:
        settings = {name: Settings.from_env(name) for name in names}
    except SettingsError as error:
        raise UsageError(f"invalid settings: {error}") from None
    first = settings[names[0]]
    configure_logging("+".join(names), args.log_level or first.log_level, first.log_format)
    store = open_cli_store(args.store, args.s3_endpoint_url)
    try:
        if len(names) == 1:
            return asyncio.run(run_forever(load_spec(names[0]), first, store=store))
        services = [(load_spec(name), settings[name]) for name in names]
        return asyncio.run(run_many_forever(services, store=store))
    except ServerStartError as error:
        raise CliError(str(error), code="UNAVAILABLE") from None
