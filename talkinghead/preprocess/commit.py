"""Atomic commits of stage outputs, so an interrupted run never leaves a half-written
stage: every output is written under a temporary name in the same directory and renamed
into place (rename is atomic on one file system), and a stage is recorded as finished in
`stages.json` only after all its outputs are in place."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STAGING_PREFIX = ".staging-"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write a file so readers see the old content or the new, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=STAGING_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_json_atomic(path: Path, value: Any) -> None:
    write_bytes_atomic(path, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode())


@contextmanager
def staged_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; it replaces `path` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f"{STAGING_PREFIX}{os.getpid()}-{path.name}"
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def staged_dir(path: Path) -> Iterator[Path]:
    """Yield an empty temporary directory beside `path`; on success it replaces `path`
    (an older `path` is moved aside first and removed after), on failure it is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f"{STAGING_PREFIX}{os.getpid()}-{path.name}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        old = path.parent / f"{STAGING_PREFIX}old-{os.getpid()}-{path.name}"
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def remove_staging_leftovers(root: Path) -> None:
    """Delete temporaries of runs that were killed (they are never read)."""
    if not root.exists():
        return
    for p in root.iterdir():
        if p.name.startswith(STAGING_PREFIX):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
