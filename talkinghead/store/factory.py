"""Open an artifact store from a URL: the one place that picks an implementation."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from talkinghead.errors import InvalidInputError
from talkinghead.store.base import ArtifactStore
from talkinghead.store.local import LocalStore


def open_store(url: str, **options: Any) -> ArtifactStore:
    """Open the store named by `url`:
    - `file:///abs/dir` or a plain path: a LocalStore there (options: create, tree_workers);
    - `s3://bucket/optional/prefix`: an S3Store (options: endpoint_url, region_name,
      aws_access_key_id, aws_secret_access_key, aws_session_token, part_size, tree_workers,
      check_bucket); credentials not given come from boto3's AWS_* environment variables.
    Unknown schemes or options raise InvalidInputError."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidInputError("artifact store URL is empty")
    if "\x00" in url:
        raise InvalidInputError("artifact store URL contains a NUL byte")
    if "://" not in url:
        return _construct(LocalStore, options, Path(url))
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise InvalidInputError(f"file URL {url!r} names a remote host")
        path = unquote(parts.path)
        if not path.startswith("/"):
            raise InvalidInputError(f"file URL {url!r} must hold an absolute path")
        return _construct(LocalStore, options, Path(path))
    if parts.scheme == "s3":
        from talkinghead.store.s3 import S3Store  # boto3 loads only for S3 stores

        if parts.query or parts.fragment:
            raise InvalidInputError(f"S3 URL {url!r} may not carry a query or fragment")
        return _construct(S3Store, options, parts.netloc, parts.path.strip("/"))
    raise InvalidInputError(f"unsupported artifact store URL scheme {parts.scheme!r}; "
                            "use file://, s3:// or a plain path")


def _construct(cls: type[ArtifactStore], options: dict[str, Any], *args: Any) -> ArtifactStore:
    accepted = {
        name for name, parameter in inspect.signature(cls).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise InvalidInputError(
            f"unknown option(s) {', '.join(unknown)} for {cls.__name__}; "
            f"accepted: {', '.join(sorted(accepted))}"
        )
    return cls(*args, **options)
