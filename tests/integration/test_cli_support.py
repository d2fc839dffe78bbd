"""Helpers shared by the CLI tests (this module holds no tests): running `avatar` as a
process or in-process, and stand-in servers on real gRPC loopback ports for the RPCs
whose services are not built yet, so the CLI's client side is checked against the proto."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc

ROOT = Path(__file__).resolve().parents[2]


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment of an `avatar` process: the store and work dir under `tmp_path`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AVATAR_")}
    env.update(
        AVATAR_STORE_URL=f"file://{tmp_path / 'store'}",
        AVATAR_WORK_DIR=str(tmp_path / "work"),
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def run_cli(args: list[str], tmp_path: Path, timeout: float = 60, **env: str
            ) -> subprocess.CompletedProcess[str]:
    """`python -m services.cli.main ARGS` in `tmp_path`; its exit code and output."""
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *args],
        cwd=tmp_path, env=cli_env(tmp_path, **env), capture_output=True, text=True,
        timeout=timeout,
    )


@contextlib.contextmanager
def stand_in_server(register: Callable[[Any, grpc.Server], None], servicer: Any
                    ) -> Iterator[str]:
    """A real gRPC server on 127.0.0.1:<free port> serving `servicer`; yields its address."""
    server = grpc.server(ThreadPoolExecutor(max_workers=8))
    register(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(0).wait(5)


def assert_no_traceback(output: str) -> None:
    """A CLI failure is a message, never a Python traceback."""
    assert "Traceback" not in output, output
