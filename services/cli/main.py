"""Entry point of the `avatar` CLI: the parser (global options, one subcommand per
stage) and the one place failures become output and exit codes:

- a failed RPC: `error: <CODE>: <details>` on stderr, exit 1;
- bad arguments: a usage message naming the problem, exit 2;
- Ctrl-C: the open RPC is cancelled, exit 130.

Only light modules are imported here; each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

import grpc

from services.cli import argtypes
from services.cli.errors import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CliError,
    domain_error_line,
    domain_exit_code,
    rpc_error_line,
)
from services.cli.rpc import interrupt_handling
from services.cli.store import default_s3_endpoint, default_store_url
from talkinghead.errors import AvatarError

# Pipeline order; each is services/cli/commands/<name>.py with HELP, DESCRIPTION,
# add_arguments(parser) and run(args) -> int.
COMMANDS = ("sample", "preprocess", "track", "train", "render", "stream", "serve", "demo")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# What the CLI logs when --log-level is not given: warnings only, so the embedded
# services' INFO lines do not bury the command's output. `serve` uses the services' own.
DEFAULT_CLI_LOG_LEVEL = "WARNING"

logger = logging.getLogger("services.cli")


def _add_global_options(parser: argparse.ArgumentParser, *, on_subcommand: bool) -> None:
    """--store, --s3-endpoint-url and --log-level. On subcommands they default to
    SUPPRESS, so `avatar track X --store Y` and `avatar --store Y track X` both work."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if on_subcommand else value

    group = parser.add_argument_group("global options")
    group.add_argument(
        "--store",
        type=argtypes.store_url,
        default=default(default_store_url()),
        metavar="URL",
        help="artifact store of embedded services: file://DIR, a path or s3://BUCKET/PREFIX "
        "(default: $AVATAR_STORE_URL or file://./data/store)",
    )
    group.add_argument(
        "--s3-endpoint-url",
        default=default(default_s3_endpoint()),
        metavar="URL",
        help="endpoint of an S3-compatible store such as MinIO "
        "(default: $AVATAR_S3_ENDPOINT_URL)",
    )
    group.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        default=default(None),
        help=f"log level (default: {DEFAULT_CLI_LOG_LEVEL}; for serve, $AVATAR_LOG_LEVEL)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The `avatar` parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="avatar",
        description="Audio-driven Gaussian talking heads: one subcommand per pipeline stage. "
        "Services are started in this process unless a --target names a running one.",
    )
    _add_global_options(parser, on_subcommand=False)
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"services.cli.commands.{name}")
        sub = subcommands.add_parser(
            name,
            help=module.HELP,
            description=module.DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub)
        _add_global_options(sub, on_subcommand=True)
        sub.set_defaults(run=module.run, parser=sub)
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    if args.command == "serve":
        return  # serve configures the services' own logging from their settings
    from services.runtime.logging import configure_logging

    configure_logging("cli", args.log_level or DEFAULT_CLI_LOG_LEVEL, "text")


def main(argv: Sequence[str] | None = None) -> int:
    """Run `avatar` with `argv` (default: sys.argv[1:]) and return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2, message already shown)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    _configure_logging(args)
    try:
        with interrupt_handling():
            return int(args.run(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except grpc.RpcError as error:
        print(rpc_error_line(error), file=sys.stderr, flush=True)
        return EXIT_FAILURE
    except CliError as error:
        if error.exit_code == EXIT_USAGE:
            args.parser.print_usage(sys.stderr)
            print(f"avatar {args.command}: {error.line()}", file=sys.stderr, flush=True)
        else:
            print(error.line(), file=sys.stderr, flush=True)
        return error.exit_code
    except AvatarError as error:
        print(domain_error_line(error), file=sys.stderr, flush=True)
        return domain_exit_code(error)
    except OSError as error:  # a file we could not read or write, a full disk
        where = f": {error.filename}" if error.filename else ""
        print(f"error: OS_ERROR: {error.strerror or error}{where}", file=sys.stderr, flush=True)
        return EXIT_FAILURE
    except Exception as error:  # a bug: one line, the traceback in the DEBUG log
        logger.debug("unexpected error", exc_info=True)
        print(f"error: INTERNAL: {type(error).__name__}: {error} "
              "(--log-level DEBUG shows the traceback)", file=sys.stderr, flush=True)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
