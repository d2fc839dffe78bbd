"""Validation of artifact keys and ids that come from clients.

A key is a '/'-joined path of segments; each segment is made of ASCII letters, digits,
'.', '_' and '-'. Anything that could escape the store or mean something different to a
filesystem and to an object store is refused with an InvalidInputError that names the
problem: '..' and '.' segments, absolute paths, empty segments, NUL bytes, backslashes,
non-ASCII characters, and overlong keys. Segments starting with '.' are reserved for the
store's own bookkeeping (temporary files, records), so a client can never name them.
"""

from __future__ import annotations

import re

from talkinghead.errors import InvalidInputError

# S3 allows 1024-byte keys and the store adds a prefix; most filesystems allow 255-byte
# names and 4096-byte paths. These bounds stay well inside all of them.
MAX_KEY_LENGTH = 512
MAX_SEGMENT_LENGTH = 255
MAX_ID_LENGTH = 128

_SEGMENT_CHARS = re.compile(r"[A-Za-z0-9._-]+")
_BAD_CHAR = re.compile(r"[^A-Za-z0-9._-]")


def _shown(value: str) -> str:
    """The value as it appears in an error message: quoted, escaped, and cut short so a
    huge or binary input cannot flood logs."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_segment(segment: str, whole: str, what: str) -> None:
    if segment == "":
        raise InvalidInputError(f"{what} {_shown(whole)} has an empty path segment")
    if segment in (".", ".."):
        raise InvalidInputError(f"{what} {_shown(whole)} has a {segment!r} path segment")
    if segment.startswith("."):
        raise InvalidInputError(
            f"{what} {_shown(whole)}: segment {_shown(segment)} starts with '.', "
            "which is reserved for the store's own files"
        )
    if len(segment) > MAX_SEGMENT_LENGTH:
        raise InvalidInputError(
            f"{what} {_shown(whole)} has a segment longer than {MAX_SEGMENT_LENGTH} characters"
        )
    if not _SEGMENT_CHARS.fullmatch(segment):
        bad = _BAD_CHAR.search(segment)
        char = bad.group(0) if bad else "?"
        raise InvalidInputError(
            f"{what} {_shown(whole)} contains the character {char!r}; "
            "allowed are ASCII letters, digits, '.', '_' and '-'"
        )


def _check_common(value: object, what: str, max_length: int) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{what} must be a string, got {type(value).__name__}")
    if value == "":
        raise InvalidInputError(f"{what} is empty")
    if "\x00" in value:
        raise InvalidInputError(f"{what} {_shown(value)} contains a NUL byte")
    if "\\" in value:
        raise InvalidInputError(f"{what} {_shown(value)} contains a backslash")
    if len(value) > max_length:
        raise InvalidInputError(
            f"{what} is {len(value)} characters long; the limit is {max_length}"
        )
    return value


def validate_key(key: str, what: str = "artifact key") -> str:
    """Return `key` unchanged if it is a safe artifact key, else raise InvalidInputError
    naming the problem. `what` names the value in the message (e.g. "tree prefix")."""
    _check_common(key, what, MAX_KEY_LENGTH)
    if key.startswith("/"):
        raise InvalidInputError(f"{what} {_shown(key)} is an absolute path")
    for segment in key.split("/"):
        _check_segment(segment, key, what)
    return key


def validate_id(value: str, what: str) -> str:
    """Return `value` unchanged if it is a safe single-segment id (a dataset, avatar or job
    id), else raise InvalidInputError naming `what` and the problem."""
    _check_common(value, what, MAX_ID_LENGTH)
    if "/" in value:
        raise InvalidInputError(f"{what} {_shown(value)} contains '/'; an id is one segment")
    _check_segment(value, value, what)
    return value


def join_key(*parts: str) -> str:
    """Join key parts with '/', skipping empty ones, and validate the result."""
    return validate_key("/".join(part for part in parts if part))


def is_under(key: str, prefix: str) -> bool:
    """Whether `key` lies under the directory-like `prefix` ('' holds every key).
    Prefixes match whole segments: 'a/b' holds 'a/b/c' but not 'a/bc'."""
    return prefix == "" or key.startswith(prefix + "/")
