"""Fixtures of the servicer tests: settings for an in-process server on a loopback port 0,
and a runner for async test bodies (each test gets a fresh event loop)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from services.runtime.settings import Settings

TEST_TIMEOUT_SECONDS = 30


def loopback_settings(name: str, data_dir: Path, **overrides: Any) -> Settings:
    """Settings of `name` on 127.0.0.1 port 0, metrics disabled, short grace, with its
    artifact store and work directory under `data_dir`."""
    base = dataclasses.replace(
        Settings.defaults(name),
        grpc_host="127.0.0.1",
        grpc_port=0,
        metrics_host="127.0.0.1",
        metrics_port=-1,
        grace_seconds=1.0,
        store_url=f"file://{data_dir / 'store'}",
        work_dir=str(data_dir / "work"),
        models_dir=str(data_dir / "models"),
    )
    return dataclasses.replace(base, **overrides)


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., Settings]:
    """`settings_for(name, **overrides)`: loopback settings for an in-process server."""
    return lambda name, **overrides: loopback_settings(name, tmp_path, **overrides)


@pytest.fixture
def arun() -> Callable[[Coroutine], Any]:
    """`arun(coroutine)`: run an async test body on a new loop, bounded in time."""

    def run(coroutine: Coroutine) -> Any:
        return asyncio.run(asyncio.wait_for(coroutine, TEST_TIMEOUT_SECONDS))

    return run
