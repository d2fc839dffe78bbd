"""Datasets in the artifact store: uploads come in, processed datasets go out.

Store keys:
    uploads/<dataset_id>/<filename>     the uploaded source video (kind "video")
    datasets/<dataset_id>/...           the processed dataset, a tree (kind "dataset")

Processing happens in a local work directory (`<work_dir>/datasets/<dataset_id>`), where
finished stages survive a crash and are skipped on the next run; the tree is published to
the store when every stage is done, so readers never see a partial dataset."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from talkinghead.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidInputError,
    NotFoundError,
    ResourceExhaustedError,
)
from talkinghead.preprocess.options import PreprocessOptions
from talkinghead.progress import ProgressReporter
from talkinghead.store import ArtifactInfo, ArtifactStore, join_key, validate_id

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v")
DEFAULT_MAX_UPLOAD_BYTES = 8 * 1024**3


@dataclass(frozen=True)
class DatasetSummary:
    dataset_id: str
    manifest: dict[str, Any]
    manifest_ref: ArtifactInfo | None


def new_dataset_id() -> str:
    return uuid.uuid4().hex[:16]


def validate_filename(filename: str) -> str:
    """A bare file name with a video extension (the extension picks the demuxer)."""
    name = os.path.basename(filename or "")
    if not name or name != filename or "\x00" in name or name.startswith("."):
        raise InvalidInputError(f"upload file name {filename!r} must be a plain file name")
    if not name.lower().endswith(VIDEO_EXTENSIONS):
        raise InvalidInputError(
            f"upload file name {filename!r} must end in one of {', '.join(VIDEO_EXTENSIONS)}"
        )
    return validate_id(name, "file name")


class DatasetRepository:
    def __init__(
        self,
        store: ArtifactStore,
        work_dir: str | os.PathLike[str],
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    ) -> None:
        self.store = store
        self.work_dir = Path(work_dir).resolve()
        self.max_upload_bytes = max_upload_bytes

    # -- uploads -------------------------------------------------------------------------
    def begin_upload(
        self, filename: str, dataset_id: str = "", declared_size: int = 0
    ) -> UploadSession:
        """Start storing an uploaded video; nothing is visible until `commit()`.
        An existing dataset id is refused."""
        name = validate_filename(filename)
        dataset_id = validate_id(dataset_id, "dataset id") if dataset_id else new_dataset_id()
        if declared_size > self.max_upload_bytes:
            raise_too_big(declared_size, self.max_upload_bytes)
        if self.store.list(join_key("uploads", dataset_id)) or self.store.list(
            join_key("datasets", dataset_id)
        ):
            raise AlreadyExistsError(f"dataset {dataset_id!r} exists already")
        key = join_key("uploads", dataset_id, name)
        return UploadSession(self.store, key, dataset_id, self.max_upload_bytes)

    def save_upload(
        self, filename: str, chunks: Iterable[bytes], dataset_id: str = "", declared_size: int = 0
    ) -> tuple[str, ArtifactInfo]:
        """Store an uploaded video from an iterable of chunks; returns (dataset_id, artifact)."""
        session = self.begin_upload(filename, dataset_id, declared_size)
        try:
            for chunk in chunks:
                session.write(chunk)
        except BaseException as error:
            session.abort(error)
            raise
        return session.dataset_id, session.commit()

    def upload_of(self, dataset_id: str) -> ArtifactInfo:
        dataset_id = validate_id(dataset_id, "dataset id")
        uploads = [a for a in self.store.list(join_key("uploads", dataset_id)) if a.kind == "video"]
        if not uploads:
            raise NotFoundError(f"no uploaded video for dataset {dataset_id!r}")
        return uploads[0]

    # -- processing ----------------------------------------------------------------------
    def local_dir(self, dataset_id: str) -> Path:
        return self.work_dir / "datasets" / validate_id(dataset_id, "dataset id")

    def process(
        self, dataset_id: str, options: PreprocessOptions, reporter: ProgressReporter,
        force: bool = False,
    ) -> DatasetSummary:
        """Run the pipeline on the uploaded video and publish the dataset."""
        from talkinghead.preprocess.pipeline import run_pipeline  # heavy imports

        upload = self.upload_of(dataset_id)
        source = self.work_dir / "uploads" / dataset_id / upload.key.rsplit("/", 1)[-1]
        if not _has_file_with_hash(source, upload.sha256):
            self.store.get_file(upload.key, source, upload.sha256)
        out = self.local_dir(dataset_id)
        manifest = run_pipeline(
            source, out, options, reporter, dataset_id=dataset_id, source_sha256=upload.sha256,
            force=force,
        )
        reporter.report("publish", 0, 1, "publishing the dataset to the artifact store")
        tree = self.store.put_tree(join_key("datasets", dataset_id), out, "dataset")
        reporter.report("publish", 1, 1)
        return DatasetSummary(dataset_id, manifest, tree.manifest)

    # -- reading -------------------------------------------------------------------------
    def open_dataset(self, dataset_id: str) -> Path:
        """A local directory holding the published dataset (fetched when missing)."""
        dataset_id = validate_id(dataset_id, "dataset id")
        prefix = join_key("datasets", dataset_id)
        try:
            tree_ref = self.store.info(join_key(prefix, "_tree.json"))
        except NotFoundError:
            if self.store.list(join_key("uploads", dataset_id)):
                raise FailedPreconditionError(
                    f"dataset {dataset_id!r} is uploaded but not processed yet"
                ) from None
            raise NotFoundError(f"no dataset {dataset_id!r}") from None
        return fetch_tree_cached(self.store, prefix, tree_ref, self.work_dir / "published" / dataset_id)

    def summary(self, dataset_id: str) -> DatasetSummary:
        local = self.open_dataset(dataset_id)
        manifest = json.loads((local / "manifest.json").read_text())
        ref = self.store.info(join_key("datasets", dataset_id, "_tree.json"))
        return DatasetSummary(dataset_id, manifest, ref)


def fetch_tree_cached(store: ArtifactStore, prefix: str, tree_ref: ArtifactInfo,
                      local: Path) -> Path:
    """`local` holding the committed tree at `prefix` whose manifest is `tree_ref`; fetched
    (and verified) only when the copy there is of another version."""
    marker = local / ".tree_sha256"
    if not (marker.exists() and marker.read_text() == tree_ref.sha256):
        store.get_tree(prefix, local, tree_ref.sha256)
        marker.write_text(tree_ref.sha256)
    return local


class UploadSession:
    """One upload being written: `write` chunks, then `commit` (or `abort`).

    Safe to drive from several threads: a lock serialises the calls, so an `abort` that
    arrives while a `write` or `commit` runs in a worker thread waits for it, and an
    `abort` after `commit` deletes the committed video (the client that cancelled never
    learnt of it, so it must not linger and block a retry with the same id)."""

    def __init__(self, store: ArtifactStore, key: str, dataset_id: str, limit: int) -> None:
        self.dataset_id = dataset_id
        self.key = key
        self.size = 0
        self._store = store
        self._limit = limit
        self._lock = threading.Lock()
        self._state = "open"
        self._cm = store.open_write(key, "video")
        self._writer = self._cm.__enter__()

    def write(self, chunk: bytes) -> None:
        with self._lock:
            self._require_open()
            self.size += len(chunk)
            if self.size > self._limit:
                raise_too_big(self.size, self._limit)
            self._writer.write(chunk)

    def commit(self) -> ArtifactInfo:
        with self._lock:
            self._require_open()
            if self.size == 0:
                error = InvalidInputError(f"upload {self.key.rsplit('/', 1)[-1]!r} is empty")
                self._abort_locked(error)
                raise error
            self._state = "closing"  # a failing commit cleans up itself: no abort after it
            self._cm.__exit__(None, None, None)
            self._state = "committed"
            return self._writer.info

    def abort(self, error: BaseException) -> None:
        """Drop everything written; the upload never stays visible."""
        with self._lock:
            self._abort_locked(error)

    def _abort_locked(self, error: BaseException) -> None:
        if self._state == "open":
            self._state = "aborted"
            self._cm.__exit__(type(error), error, error.__traceback__)
        elif self._state == "committed":
            self._state = "aborted"
            self._store.delete(self.key)

    def _require_open(self) -> None:
        if self._state != "open":
            raise FailedPreconditionError(f"upload {self.key!r} is {self._state} already")


def raise_too_big(size: int, limit: int) -> None:
    raise ResourceExhaustedError(f"upload of {size} bytes exceeds the limit of {limit} bytes")


def _has_file_with_hash(path: Path, sha256: str) -> bool:
    if not path.exists():
        return False
    from talkinghead.store.hashing import sha256_of_file

    return sha256_of_file(str(path))[0] == sha256
