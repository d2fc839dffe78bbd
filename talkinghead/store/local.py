"""The local-directory artifact store (the embedded default).

Layout under the root: content lies at `<root>/<key>`, so a published dataset is a plain
directory tree other tools can read; the store's own files are hidden beside it:
  .records/<key>@record  the committed record (JSON: kind, sha256, size, created, metadata,
                         and the inode of the content file it describes)
  .records/<key>@intent  a record about to be committed (exists only during a commit)
  .tmp/                  content and records being written
  .lock                  serialises commits and deletes (flock), across processes

A write streams into .tmp and is fsynced; then, holding the lock, the new record is
renamed to @intent, the content renamed to <key>, and @intent renamed to @record. A reader
trusts a record only if its inode is the content file's, so it never pairs an old record
with new content; if a writer died between the two last renames, the @intent matches the
content and the commit is rolled forward. A killed writer thus leaves either the previous
version or the new one, never a mix, and its leftovers in .tmp are invisible.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from talkinghead.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
)
from talkinghead.store.artifact import (
    ArtifactInfo,
    is_sha256_hex,
    validate_kind,
    validate_metadata,
)
from talkinghead.store.base import ArtifactStore, check_expected_sha
from talkinghead.store.hashing import HashingWriter, VerifyingReader
from talkinghead.store.keys import is_under, validate_key

_RECORD_SUFFIX = "@record"
_INTENT_SUFFIX = "@intent"
_RECORD_FORMAT = 1
# A reader that sees a record and content that disagree retries this long: long enough
# for an in-flight commit (three renames under a lock) to finish.
_RESOLVE_ATTEMPTS = 40
_RESOLVE_PAUSE_S = 0.025


class LocalStore(ArtifactStore):
    """Artifacts in a directory on the local filesystem."""

    def __init__(self, root: str | os.PathLike[str], *, create: bool = True,
                 tree_workers: int = 4) -> None:
        """Open the store at `root`, creating the directory unless `create` is False."""
        root_path = Path(root).absolute()
        if create:
            root_path.mkdir(parents=True, exist_ok=True)
        elif not root_path.is_dir():
            raise FailedPreconditionError(f"local artifact store {str(root_path)!r} does not exist")
        self.root = Path(os.path.realpath(root_path))
        self.tree_workers = tree_workers
        self._records = self.root / ".records"
        self._temp = self.root / ".tmp"
        self._lock_path = self.root / ".lock"
        self._records.mkdir(exist_ok=True)
        self._temp.mkdir(exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    # ---- paths ----------------------------------------------------------------------

    def _content_path(self, key: str) -> Path:
        path = self.root.joinpath(*key.split("/"))
        # Keys are validated, but a symlink placed inside the root could still lead out.
        real = os.path.realpath(path)
        if not real.startswith(str(self.root) + os.sep):
            raise InvalidInputError(f"artifact key {key!r} leads outside the store")
        return path

    def _record_path(self, key: str, suffix: str = _RECORD_SUFFIX) -> Path:
        return self._records.joinpath(*key.split("/")).with_name(key.rsplit("/", 1)[-1] + suffix)

    # ---- writing --------------------------------------------------------------------

    @contextlib.contextmanager
    def open_write(
        self, key: str, kind: str, metadata: dict[str, str] | None = None
    ) -> Iterator[HashingWriter]:
        """See ArtifactStore.open_write."""
        key = validate_key(key)
        kind = validate_kind(kind)
        metadata = validate_metadata(metadata)
        content = self._content_path(key)
        self._make_parent(key, content)  # fail fast, before the caller streams anything
        temp = self._temp / f"{uuid.uuid4().hex}.part"
        with open(temp, "xb") as out:
            writer = HashingWriter(out.write)
            try:
                yield writer
                out.flush()
                os.fsync(out.fileno())
                inode = os.fstat(out.fileno()).st_ino
                out.close()
                info = ArtifactInfo(
                    key, kind, writer.sha256, writer.size_bytes, time.time(), metadata
                )
                self._commit(key, temp, info, inode)
                writer.info = info
            finally:
                writer.close()
                temp.unlink(missing_ok=True)
                if writer.info is None:  # failed: drop the folders made for it, if empty
                    with self._locked():
                        self._prune_empty(content.parent, self.root)

    def _make_parent(self, key: str, content: Path) -> None:
        try:
            content.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise AlreadyExistsError(
                f"cannot store {key!r}: one of its parent folders is an artifact"
            ) from None
        if content.is_dir():
            raise AlreadyExistsError(f"cannot store {key!r}: it is a folder of other artifacts")

    def _commit(self, key: str, temp: Path, info: ArtifactInfo, inode: int) -> None:
        record_temp = self._temp / f"{uuid.uuid4().hex}.rec"
        _write_synced(record_temp, _encode_record(info, inode))
        content = self._content_path(key)
        intent = self._record_path(key, _INTENT_SUFFIX)
        record = self._record_path(key)
        try:
            with self._locked():
                # A delete may have pruned the folders since open_write made them.
                self._make_parent(key, content)
                intent.parent.mkdir(parents=True, exist_ok=True)
                self._roll_forward(key)
                os.replace(record_temp, intent)
                try:
                    os.replace(temp, content)
                except OSError:
                    intent.unlink(missing_ok=True)
                    raise
                os.replace(intent, record)
        finally:
            record_temp.unlink(missing_ok=True)
        _fsync_dir(content.parent)
        _fsync_dir(record.parent)

    def _roll_forward(self, key: str) -> None:
        """Under the lock: finish a commit whose writer died after renaming the content (its
        intent matches the content), or drop an intent that never got that far."""
        intent = self._record_path(key, _INTENT_SUFFIX)
        loaded = self._load_record(intent, key, strict=False)
        if loaded is None:
            intent.unlink(missing_ok=True)
            return
        try:
            matches = os.stat(self._content_path(key)).st_ino == loaded[1]
        except (FileNotFoundError, NotADirectoryError):
            matches = False
        if matches:
            os.replace(intent, self._record_path(key))
        else:
            intent.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    # ---- reading --------------------------------------------------------------------

    def _load_record(
        self, path: Path, key: str, strict: bool = True
    ) -> tuple[ArtifactInfo, int] | None:
        """(record, content inode) from a record file, None if it does not exist. A corrupt
        record raises IntegrityError when `strict`, else reads as absent (an intent whose
        writer died mid-write is not a commit)."""
        try:
            raw = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        try:
            data = json.loads(raw)
            if data["format"] != _RECORD_FORMAT or data["key"] != key:
                raise ValueError("format or key differs")
            if not is_sha256_hex(data["sha256"]):
                raise ValueError("bad sha256")
            info = ArtifactInfo(
                key=key, kind=str(data["kind"]), sha256=data["sha256"],
                size_bytes=int(data["size_bytes"]), created_at=float(data["created_at"]),
                metadata={str(k): str(v) for k, v in dict(data["metadata"]).items()},
            )
            return info, int(data["inode"])
        except (ValueError, TypeError, KeyError) as error:
            if not strict:
                return None
            raise IntegrityError(f"the record of artifact {key!r} is corrupt ({error})") from None

    def _resolve(
        self, key: str, open_content: bool, attempts: int = _RESOLVE_ATTEMPTS
    ) -> tuple[ArtifactInfo, BinaryIO | None]:
        """The committed record of `key` and, if `open_content`, its content opened for
        reading: the record whose inode is the content file's (see the module docstring).
        The record is read before the content and the intent after it, so a commit racing
        with this call is seen entirely or not at all; a mismatch is retried briefly."""
        content = self._content_path(key)
        record_path = self._record_path(key)
        intent_path = self._record_path(key, _INTENT_SUFFIX)
        for attempt in range(attempts):
            record = self._load_record(record_path, key)
            handle: BinaryIO | None = None
            try:
                if open_content:
                    handle = open(content, "rb")  # noqa: SIM115 - returned to the caller
                    status = os.fstat(handle.fileno())
                else:
                    status = os.stat(content)
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                status = None
            if status is not None and stat.S_ISREG(status.st_mode):
                if record is not None and record[1] == status.st_ino:
                    return record[0], handle
                intent = self._load_record(intent_path, key, strict=False)
                if intent is not None and intent[1] == status.st_ino:
                    return intent[0], handle
            if handle is not None:
                handle.close()
            if record is None:
                raise NotFoundError(f"no artifact {key!r}")
            if attempt + 1 < attempts:
                time.sleep(_RESOLVE_PAUSE_S)
        raise IntegrityError(
            f"artifact {key!r}: its content is missing or was replaced outside the store"
        )

    @contextlib.contextmanager
    def open_read(
        self, key: str, expected_sha256: str | None = None
    ) -> Iterator[VerifyingReader]:
        """See ArtifactStore.open_read."""
        key = validate_key(key)
        info, handle = self._resolve(key, open_content=True)
        assert handle is not None
        try:
            check_expected_sha(info, expected_sha256)
        except BaseException:
            handle.close()
            raise
        reader = VerifyingReader(handle, info, on_close=handle.close)
        try:
            yield reader
        finally:
            reader.close()

    def info(self, key: str) -> ArtifactInfo:
        """See ArtifactStore.info."""
        return self._resolve(validate_key(key), open_content=False)[0]

    def local_path(self, key: str) -> Path:
        """See ArtifactStore.local_path."""
        key = validate_key(key)
        self._resolve(key, open_content=False)
        return self._content_path(key)

    def _keys_under(self, prefix: str) -> list[str]:
        base = self._records.joinpath(*prefix.split("/")) if prefix else self._records
        keys = set()
        for directory, _, names in os.walk(base):
            rel_dir = Path(directory).relative_to(self._records).as_posix()
            for name in names:
                for suffix in (_RECORD_SUFFIX, _INTENT_SUFFIX):
                    if name.endswith(suffix):
                        stem = name[: -len(suffix)]
                        keys.add(stem if rel_dir == "." else f"{rel_dir}/{stem}")
        return sorted(key for key in keys if is_under(key, prefix))

    def list(self, prefix: str = "") -> list[ArtifactInfo]:
        """See ArtifactStore.list. Entries whose content disagrees with their record (an
        in-flight commit, or a file changed outside the store) are left out."""
        prefix = validate_key(prefix, "list prefix") if prefix else ""
        found = []
        for key in self._keys_under(prefix):
            with contextlib.suppress(NotFoundError, IntegrityError):
                found.append(self._resolve(key, open_content=False, attempts=3)[0])
        return found

    # ---- removing -------------------------------------------------------------------

    def delete(self, key: str) -> None:
        """See ArtifactStore.delete. The record goes first, so a delete killed midway leaves
        at most an orphan content file, which no reader trusts."""
        key = validate_key(key)
        content = self._content_path(key)
        record = self._record_path(key)
        with self._locked():
            self._roll_forward(key)
            if not record.exists():
                raise NotFoundError(f"no artifact {key!r}")
            record.unlink()
            content.unlink(missing_ok=True)
            self._prune_empty(content.parent, self.root)
            self._prune_empty(record.parent, self._records)
        _fsync_dir(record.parent if record.parent.exists() else self._records)

    @staticmethod
    def _prune_empty(folder: Path, stop: Path) -> None:
        """Remove empty folders from `folder` up to (not including) `stop`; under the lock,
        so no commit is putting a file into them."""
        while folder != stop and stop in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def sweep_incomplete(self, older_than_s: float) -> int:
        """See ArtifactStore.sweep_incomplete: old files in .tmp, and intents of dead commits
        (rolled forward when they match their content, else dropped)."""
        deadline = time.time() - older_than_s
        removed = 0
        for leftover in self._temp.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if leftover.stat().st_mtime < deadline:
                    leftover.unlink()
                    removed += 1
        for directory, _, names in os.walk(self._records):
            for name in names:
                if not name.endswith(_INTENT_SUFFIX):
                    continue
                path = Path(directory) / name
                try:
                    if path.stat().st_mtime >= deadline:
                        continue
                except FileNotFoundError:
                    continue
                rel = path.relative_to(self._records).as_posix()[: -len(_INTENT_SUFFIX)]
                with self._locked():
                    self._roll_forward(rel)
                removed += 1
        return removed


def _encode_record(info: ArtifactInfo, inode: int) -> bytes:
    record = {
        "format": _RECORD_FORMAT, "key": info.key, "kind": info.kind, "sha256": info.sha256,
        "size_bytes": info.size_bytes, "created_at": info.created_at,
        "metadata": info.metadata, "inode": inode,
    }
    return json.dumps(record, sort_keys=True).encode()


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "xb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _fsync_dir(folder: Path) -> None:
    """Make renames in `folder` durable (a crash of the machine, not just the process)."""
    with contextlib.suppress(FileNotFoundError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
