"""The artifact store interface, and the operations every store builds the same way from
its primitives (bytes, files and trees on top of streaming reads and writes).

Guarantees every implementation keeps (tests/integration/test_store_contract.py checks them):
- A write becomes visible only when it completes: a writer that raises or is killed leaves
  no artifact (or the previous version, intact). Overwrites are atomic for readers.
- Every artifact records its sha256 and size; every complete read verifies them and raises
  IntegrityError naming the key on a flipped byte or truncation.
- Keys from clients are validated (talkinghead.store.keys) before anything touches storage.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from talkinghead.errors import IntegrityError, InvalidInputError, NotFoundError
from talkinghead.store.artifact import ArtifactInfo, TreeInfo, is_sha256_hex
from talkinghead.store.hashing import CHUNK_BYTES, HashingWriter, VerifyingReader
from talkinghead.store.keys import is_under, join_key, validate_key

# The artifact that commits a tree. Written last, so a tree without it is not published.
TREE_MANIFEST_NAME = "_tree.json"
_TREE_FORMAT = "talkinghead.tree/1"

_T = TypeVar("_T")
_R = TypeVar("_R")


class ArtifactStore(ABC):
    """Stores artifacts (videos, datasets, track params, checkpoints, rendered videos) under
    validated keys, with atomic commits and verified reads."""

    # How many files put_tree/get_tree move at once.
    tree_workers: int = 4

    # ---- primitives each store implements -------------------------------------------

    @abstractmethod
    def open_write(
        self, key: str, kind: str, metadata: dict[str, str] | None = None
    ) -> contextlib.AbstractContextManager[HashingWriter]:
        """A sequential writer for `key`. The artifact is committed atomically when the block
        exits without an exception; on an exception (or a killed process) nothing becomes
        visible and a previous version stays intact. After the block, `writer.info` is the
        committed record."""

    @abstractmethod
    def open_read(
        self, key: str, expected_sha256: str | None = None
    ) -> contextlib.AbstractContextManager[VerifyingReader]:
        """A reader for `key` that raises IntegrityError naming the key when the content read
        to its end differs from the record (flipped byte, truncation). With `expected_sha256`,
        a record with another hash raises IntegrityError before any byte is read.
        `reader.info` is the record of the version being read."""

    @abstractmethod
    def info(self, key: str) -> ArtifactInfo:
        """The record of a committed artifact; NotFoundError if there is none."""

    @abstractmethod
    def list(self, prefix: str = "") -> list[ArtifactInfo]:
        """Committed artifacts under `prefix` (whole segments: 'a/b' holds 'a/b/c', not
        'a/bc'; '' holds all), sorted by key."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove a committed artifact; NotFoundError if there is none."""

    @abstractmethod
    def local_path(self, key: str) -> Path | None:
        """Where a committed artifact lies on the local filesystem (read it there to avoid a
        copy, without verification; NotFoundError if absent), or None for remote stores."""

    @abstractmethod
    def sweep_incomplete(self, older_than_s: float) -> int:
        """Remove leftovers of writes that never committed (killed writers) started more than
        `older_than_s` seconds ago; returns how many were removed. Never touches artifacts."""

    @abstractmethod
    def _keys_under(self, prefix: str) -> list[str]:
        """Keys that may hold artifacts under `prefix`, cheaply (no verification)."""

    # ---- operations built on the primitives ------------------------------------------

    def exists(self, key: str) -> bool:
        """Whether a committed artifact is stored under `key`."""
        try:
            self.info(key)
        except NotFoundError:
            return False
        return True

    def put_bytes(
        self, key: str, data: bytes, kind: str, metadata: dict[str, str] | None = None
    ) -> ArtifactInfo:
        """Store `data` under `key` atomically; returns the committed record."""
        with self.open_write(key, kind, metadata) as writer:
            writer.write(data)
        return writer.info

    def put_file(
        self, key: str, path: str | os.PathLike[str], kind: str,
        metadata: dict[str, str] | None = None,
    ) -> ArtifactInfo:
        """Stream the file at `path` into the store under `key` atomically."""
        with open(existing_file(path), "rb") as source, self.open_write(
            key, kind, metadata
        ) as writer:
            shutil.copyfileobj(source, writer, CHUNK_BYTES)
        return writer.info

    def get_bytes(self, key: str, expected_sha256: str | None = None) -> bytes:
        """The whole verified content of `key` (use open_read/get_file for large ones)."""
        with self.open_read(key, expected_sha256) as reader:
            return reader.read()

    def get_file(
        self, key: str, dest_path: str | os.PathLike[str], expected_sha256: str | None = None
    ) -> ArtifactInfo:
        """Stream `key` to a temporary file beside `dest_path`, verify it, then rename it to
        `dest_path`; on any failure `dest_path` is untouched. Returns the record read."""
        key = validate_key(key)  # before anything is created on disk
        dest = Path(dest_path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        temp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.part")
        try:
            with self.open_read(key, expected_sha256) as reader, open(temp, "wb") as out:
                shutil.copyfileobj(reader, out, CHUNK_BYTES)
                info = reader.info
            os.replace(temp, dest)
        finally:
            temp.unlink(missing_ok=True)
        return info

    def put_tree(
        self, prefix: str, local_dir: str | os.PathLike[str], kind: str,
        metadata: dict[str, str] | None = None,
    ) -> TreeInfo:
        """Publish every file under `local_dir` as `prefix/<relative path>`, then commit the
        tree by writing its manifest (`prefix/_tree.json`, listing each file's sha256) last.
        Hidden files and folders (names starting with '.') are local bookkeeping and skipped.
        A tree killed midway has no manifest and is not published. Republishing a prefix
        first withdraws the old manifest, then removes files the new tree no longer has."""
        prefix = validate_key(prefix, "tree prefix")
        files = _scan_tree(Path(local_dir))
        manifest_key = join_key(prefix, TREE_MANIFEST_NAME)
        with contextlib.suppress(NotFoundError):
            self.delete(manifest_key)
        infos = self._map(
            lambda item: self.put_file(join_key(prefix, item[0]), item[1], kind), files
        )
        manifest = {
            "format": _TREE_FORMAT,
            "kind": kind,
            "files": [
                {"path": rel, "sha256": info.sha256, "size_bytes": info.size_bytes}
                for (rel, _), info in zip(files, infos, strict=True)
            ],
        }
        manifest_info = self.put_bytes(
            manifest_key, json.dumps(manifest, indent=1).encode(), kind, metadata
        )
        wanted = {info.key for info in infos} | {manifest_key}
        for stale in self._keys_under(prefix):
            if stale not in wanted:
                with contextlib.suppress(NotFoundError):
                    self.delete(stale)
        return TreeInfo(prefix, manifest_info, tuple(infos))

    def get_tree(
        self, prefix: str, local_dir: str | os.PathLike[str],
        expected_sha256: str | None = None,
    ) -> TreeInfo:
        """Fetch the committed tree at `prefix` into `local_dir`: exactly the files its
        manifest lists, each verified against the manifest's sha256. `expected_sha256` pins
        the manifest itself (a TreeInfo.manifest reference)."""
        prefix = validate_key(prefix, "tree prefix")
        manifest_key = join_key(prefix, TREE_MANIFEST_NAME)
        try:
            with self.open_read(manifest_key, expected_sha256) as reader:
                raw = reader.read()
                manifest_info = reader.info
        except NotFoundError:
            raise NotFoundError(f"no committed tree at {prefix!r}") from None
        entries = _parse_manifest(raw, prefix)
        root = Path(local_dir)
        infos = self._map(
            lambda entry: self.get_file(
                join_key(prefix, entry[0]), root.joinpath(*entry[0].split("/")), entry[1]
            ),
            entries,
        )
        return TreeInfo(prefix, manifest_info, tuple(infos))

    def _map(self, function: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
        """`function` over `items` with up to `tree_workers` threads, results in order."""
        items = list(items)
        if self.tree_workers <= 1 or len(items) <= 1:
            return [function(item) for item in items]
        with ThreadPoolExecutor(max_workers=self.tree_workers) as pool:
            return list(pool.map(function, items))


def check_expected_sha(info: ArtifactInfo, expected_sha256: str | None) -> ArtifactInfo:
    """`info`, or IntegrityError if it is not the version `expected_sha256` names."""
    if expected_sha256 is None:
        return info
    if not is_sha256_hex(expected_sha256):
        raise InvalidInputError(f"expected sha256 {expected_sha256!r} is not 64 hex digits")
    if info.sha256 != expected_sha256:
        raise IntegrityError(
            f"artifact {info.key!r} has sha256 {info.sha256}, not the expected {expected_sha256}"
        )
    return info


def existing_file(path: str | os.PathLike[str]) -> Path:
    """`path` as a Path, or InvalidInputError if it is not a readable regular file."""
    file = Path(path)
    if not file.is_file():
        raise InvalidInputError(f"{file.name!r} is not a readable file")
    return file


def _walk_files(root: Path) -> Iterator[tuple[str, Path]]:
    for directory, subdirs, names in os.walk(root):
        here = Path(directory)
        # Hidden entries are local bookkeeping (staging files, markers), never published;
        # pruning `subdirs` in place keeps os.walk out of hidden folders.
        subdirs[:] = [sub for sub in subdirs if not sub.startswith(".")]
        for sub in subdirs:
            if (here / sub).is_symlink():
                # A linked directory may loop or point anywhere; publish real trees only.
                raise InvalidInputError(f"tree entry {sub!r} is a symbolic link to a directory")
        for name in names:
            if name.startswith("."):
                continue
            path = here / name
            if not path.is_file():
                raise InvalidInputError(f"tree entry {name!r} is not a regular file")
            yield path.relative_to(root).as_posix(), path


def _scan_tree(root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        raise InvalidInputError(f"tree source {root.name!r} is not a directory")
    files = sorted(_walk_files(root))
    if not files:
        raise InvalidInputError(f"tree source {root.name!r} holds no files")
    for rel, _ in files:
        validate_key(rel, "tree file")
        if rel == TREE_MANIFEST_NAME:
            raise InvalidInputError(f"a tree may not contain its own {TREE_MANIFEST_NAME!r}")
    return files


def _parse_manifest(raw: bytes, prefix: str) -> list[tuple[str, str]]:
    """(relative path, sha256) of every file in a tree manifest. Paths are validated again:
    a manifest forged in the bucket must not steer get_tree outside its target directory."""
    try:
        manifest = json.loads(raw)
        if manifest.get("format") != _TREE_FORMAT:
            raise ValueError("unknown format")
        entries = [(entry["path"], entry["sha256"]) for entry in manifest["files"]]
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise IntegrityError(f"tree manifest of {prefix!r} is malformed ({error})") from None
    for rel, sha in entries:
        try:
            validate_key(rel, "tree file")
        except InvalidInputError as error:
            raise IntegrityError(f"tree manifest of {prefix!r} lists a bad path: {error}") from None
        if not is_sha256_hex(sha) or not is_under(join_key(prefix, rel), prefix):
            raise IntegrityError(f"tree manifest of {prefix!r} has a bad entry for {rel!r}")
    return entries
