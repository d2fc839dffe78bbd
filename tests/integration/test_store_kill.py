"""Writers killed with SIGKILL never leave a visible partial artifact, for both stores.

A child process (store_writer_child.py) writes through the real store and is killed either
while streaming, or right after each storage step of its commit in turn. Afterwards a fresh
store must show the previous version or the complete new one, verified, never anything
else, and the switch from old to new must happen at exactly one step (the commit)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from talkinghead.store import ArtifactStore, LocalStore

CHILD = Path(__file__).with_name("store_writer_child.py")
REPO_ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024


@dataclass
class Target:
    url: str
    child_options: list[str]
    env: dict[str, str]
    open: Callable[[], ArtifactStore]
    payload_size: int


@pytest.fixture(params=["local", "s3"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    if request.param == "local":
        root = tmp_path / "store"
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        return Target(f"file://{root}", [], env, lambda: LocalStore(root), 700_000)
    make_s3_store = request.getfixturevalue("make_s3_store")
    store = make_s3_store("kill")
    options = ["--endpoint", request.getfixturevalue("moto_endpoint"),
               "--part-size", str(store.part_size)]
    env = dict(request.getfixturevalue("s3_env"), PYTHONPATH=str(REPO_ROOT))
    # More than one part, so the child starts a multipart upload before it is killed.
    size = store.part_size + MIB
    return Target(f"s3://{store.bucket}/kill", options, env, lambda: make_s3_store("kill"), size)


def child_payload(size: int, seed: int) -> bytes:
    """What the child writes; the same seeded generator, computed here again."""
    return random.Random(seed).randbytes(size)


def start_child(target: Target, key: str, *mode: str) -> subprocess.Popen[str]:
    command = [sys.executable, str(CHILD), target.url, key, str(target.payload_size), *mode,
               *target.child_options]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=target.env, cwd=REPO_ROOT)


@pytest.mark.timeout(120)
def test_writer_killed_while_streaming_leaves_no_artifact(target: Target) -> None:
    target.open().put_bytes("ckpt/other", b"untouched", "checkpoint")
    child = start_child(target, "ckpt/step-5", "stall")
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "WROTE", child.communicate()[1]
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL

    store = target.open()
    assert not store.exists("ckpt/step-5")
    assert [info.key for info in store.list()] == ["ckpt/other"]
    # The child did leave a partial upload behind: invisible, and swept here.
    assert store.sweep_incomplete(older_than_s=0) >= 1
    assert store.get_bytes("ckpt/other") == b"untouched"
    store.put_bytes("ckpt/step-5", b"retried", "checkpoint")
    assert store.get_bytes("ckpt/step-5") == b"retried"


@pytest.mark.timeout(300)
def test_writer_killed_at_each_commit_step_leaves_old_or_new(target: Target) -> None:
    old = os.urandom(5000)
    new = child_payload(target.payload_size, seed=2)
    outcomes = []
    for step in range(1, 30):
        target.open().put_bytes("ckpt/latest", old, "checkpoint")
        child = start_child(target, "ckpt/latest", "crash-after", str(step))
        out, err = child.communicate(timeout=60)
        if "COMMITTED" in out:
            assert child.returncode == 0, err
            break
        assert child.returncode == -signal.SIGKILL, err
        store = target.open()
        content = store.get_bytes("ckpt/latest")  # verified against its record
        assert content in (old, new), f"after step {step}: neither the old nor the new version"
        outcomes.append("new" if content == new else "old")
        store.sweep_incomplete(older_than_s=0)
        assert store.get_bytes("ckpt/latest") == content  # sweeping never touches artifacts
    else:
        pytest.fail("the child never completed its commit")
    assert target.open().get_bytes("ckpt/latest") == new
    # Old until one step, new from then on: the commit is a single step.
    assert outcomes[0] == "old"
    assert outcomes == sorted(outcomes, key=lambda outcome: outcome == "new")
