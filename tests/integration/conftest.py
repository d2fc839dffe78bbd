"""S3 fixtures for integration tests: a real S3-compatible server (moto's standalone server,
from PyPI) started once per session on 127.0.0.1, a fresh bucket per test, and a raw boto3
client so tests can inspect and damage objects behind the store's back."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

S3_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "region_name": "us-east-1",
}
# The smallest part S3 allows, so multipart paths run with payloads of a few MiB.
S3_TEST_PART_BYTES = 5 * 1024 * 1024
_STARTUP_TIMEOUT_S = 30.0


def _wait_for_port(log_path: Path, server: subprocess.Popen[bytes]) -> int:
    """The port moto's server reports once listening (it binds port 0, so no race)."""
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        found = re.search(r"Running on http://127\.0\.0\.1:(\d+)", log_path.read_text())
        if found:
            return int(found.group(1))
        if server.poll() is not None:
            raise RuntimeError(f"moto server exited early:\n{log_path.read_text()}")
        time.sleep(0.05)
    raise RuntimeError(f"moto server did not start in {_STARTUP_TIMEOUT_S} s")


def _wait_until_serving(endpoint: str) -> None:
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a moto S3 server running in its own process on loopback."""
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    with open(log_path, "wb") as log:
        # Output goes to a file: a pipe nobody drains would block the server once its
        # request log filled the pipe buffer.
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
            stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        endpoint = f"http://127.0.0.1:{_wait_for_port(log_path, server)}"
        _wait_until_serving(endpoint)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def s3_client(moto_endpoint: str) -> Any:
    """A raw boto3 client of the moto server, independent of the store under test."""
    import boto3

    return boto3.session.Session().client("s3", endpoint_url=moto_endpoint, **S3_CREDENTIALS)


@pytest.fixture
def s3_bucket(s3_client: Any) -> str:
    """A new, empty bucket for one test."""
    name = f"test-{uuid.uuid4().hex[:20]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def make_s3_store(moto_endpoint: str, s3_bucket: str) -> Callable[..., Any]:
    """Build S3Store instances on the test's bucket (prefix and options as arguments)."""
    from talkinghead.store.s3 import S3Store

    def make(prefix: str = "", **options: Any) -> S3Store:
        options.setdefault("part_size", S3_TEST_PART_BYTES)
        return S3Store(s3_bucket, prefix, endpoint_url=moto_endpoint, **S3_CREDENTIALS,
                       **options)

    return make


@pytest.fixture
def s3_env(moto_endpoint: str) -> dict[str, str]:
    """Environment for a child process that opens the store with boto3's AWS_* variables."""
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=moto_endpoint,
    )
    return env
