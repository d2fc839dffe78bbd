"""Streams that hash what passes through them: a writer that records sha256 and size while
content is written, and a reader that checks them when the content has been read to its end.
Both hold no more than one chunk in memory, so artifacts of any size can stream."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Protocol

from talkinghead.errors import IntegrityError
from talkinghead.store.artifact import ArtifactInfo

CHUNK_BYTES = 1 << 20


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class HashingWriter(io.RawIOBase):
    """A sequential, write-only stream handed to callers of `open_write`. Every chunk goes
    to `sink` and into the running sha256; seeking is not supported because objects are
    uploaded as they are written."""

    def __init__(self, sink: Callable[[memoryview], None]) -> None:
        super().__init__()
        self._sink = sink
        self._hash = hashlib.sha256()
        self._size = 0
        # Set by the store once the artifact is committed.
        self.info: ArtifactInfo | None = None

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("write to an artifact writer that is already committed or closed")
        view = memoryview(data).cast("B")
        self._sink(view)
        self._hash.update(view)
        self._size += len(view)
        return len(view)

    def tell(self) -> int:
        return self._size

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def size_bytes(self) -> int:
        return self._size


class VerifyingReader(io.RawIOBase):
    """Reads `source` and raises IntegrityError naming the key as soon as more bytes arrive
    than `info` records, or at the end of the stream if the size or sha256 differ from it.
    A caller that stops before the end gets no verdict: only complete reads are verified.
    `info` is the record of the version being read."""

    def __init__(
        self, source: _Readable, info: ArtifactInfo,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.info = info
        self._source = source
        self._key = info.key
        self._expected_sha256 = info.sha256
        self._expected_size = info.size_bytes
        self._hash = hashlib.sha256()
        self._size = 0
        self._verified = False
        self._on_close = on_close

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if len(view) == 0:
            return 0
        chunk = self._source.read(len(view))
        if not chunk:
            self._verify_end()
            return 0
        count = len(chunk)
        view[:count] = chunk
        self._hash.update(chunk)
        self._size += count
        if self._size > self._expected_size:
            raise IntegrityError(
                f"artifact {self._key!r} is longer than its recorded {self._expected_size} bytes"
            )
        return count

    def readall(self) -> bytes:
        parts = []
        while True:
            chunk = self.read(CHUNK_BYTES)
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)

    def _verify_end(self) -> None:
        if self._verified:
            return
        if self._size != self._expected_size:
            raise IntegrityError(
                f"artifact {self._key!r} is truncated: {self._size} of "
                f"{self._expected_size} recorded bytes"
            )
        if self._hash.hexdigest() != self._expected_sha256:
            raise IntegrityError(f"artifact {self._key!r} failed its sha256 check")
        self._verified = True

    @property
    def verified(self) -> bool:
        """True once the whole content was read and matched its record."""
        return self._verified

    def close(self) -> None:
        if not self.closed and self._on_close is not None:
            self._on_close()
        super().close()


def sha256_of_file(path: str, chunk_bytes: int = CHUNK_BYTES) -> tuple[str, int]:
    """(hex sha256, size in bytes) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(chunk_bytes):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
