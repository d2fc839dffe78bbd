"""What the store says about an artifact: its reference (key, kind, sha256, size) plus when
it was committed and small caller metadata; and the validation of kinds and metadata."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from talkinghead.errors import InvalidInputError

# Metadata travels as one S3 user-metadata header, and S3 allows 2 KB of those in all;
# one limit for both stores keeps them interchangeable.
MAX_METADATA_BYTES = 1024

_KIND = re.compile(r"[a-z][a-z0-9_]{0,63}")
_METADATA_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ArtifactInfo:
    """A committed artifact. (key, kind, sha256, size_bytes) is the reference services
    exchange (proto `ArtifactRef`)."""

    key: str
    kind: str
    sha256: str
    size_bytes: int
    created_at: float
    metadata: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class TreeInfo:
    """A committed directory tree (a dataset). `manifest` is the artifact that lists every
    file with its sha256, so its own sha256 pins the whole tree: reference a tree by it."""

    prefix: str
    manifest: ArtifactInfo
    files: tuple[ArtifactInfo, ...]


def validate_kind(kind: str) -> str:
    """Return `kind` if it is a short lower_snake_case word ("video", "checkpoint", ...)."""
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise InvalidInputError(
            f"artifact kind {kind!r} must be lower_snake_case ASCII, 1-64 characters"
        )
    return kind


def validate_metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    """Return a copy of `metadata` (string names and values, bounded size), or {}."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise InvalidInputError(f"artifact metadata must be a dict, got {type(metadata).__name__}")
    for name, value in metadata.items():
        if not isinstance(name, str) or not _METADATA_NAME.fullmatch(name):
            raise InvalidInputError(
                f"artifact metadata name {name!r} must be 1-64 of [A-Za-z0-9_.-]"
            )
        if not isinstance(value, str):
            raise InvalidInputError(f"artifact metadata {name!r} must be a string")
    if len(encode_metadata(metadata)) > MAX_METADATA_BYTES:
        raise InvalidInputError(f"artifact metadata exceeds {MAX_METADATA_BYTES} bytes as JSON")
    return dict(metadata)


def encode_metadata(metadata: dict[str, str]) -> str:
    """Metadata as compact ASCII JSON (safe in an HTTP header)."""
    return json.dumps(metadata, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def is_sha256_hex(value: object) -> bool:
    """Whether `value` looks like a lowercase hex SHA-256 digest."""
    return isinstance(value, str) and _SHA256_HEX.fullmatch(value) is not None
