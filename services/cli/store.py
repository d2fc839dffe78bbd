"""The artifact store of the CLI: `--store URL` (default: $AVATAR_STORE_URL, else
file://./data/store), made absolute once so embedded services and exports agree on it
whatever directory they run in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from talkinghead.store import ArtifactStore

DEFAULT_STORE_URL = "file://./data/store"
STORE_URL_ENV = "AVATAR_STORE_URL"
S3_ENDPOINT_ENV = "AVATAR_S3_ENDPOINT_URL"


class StoreUrlError(ValueError):
    """A store URL the CLI cannot use; the message names the problem."""


def default_store_url(env: Mapping[str, str] | None = None) -> str:
    """$AVATAR_STORE_URL when set and not empty, else file://./data/store."""
    env = os.environ if env is None else env
    return env.get(STORE_URL_ENV, "").strip() or DEFAULT_STORE_URL


def default_s3_endpoint(env: Mapping[str, str] | None = None) -> str | None:
    """$AVATAR_S3_ENDPOINT_URL (an S3-compatible endpoint such as MinIO), or None."""
    env = os.environ if env is None else env
    return env.get(S3_ENDPOINT_ENV, "").strip() or None


def resolve_store_url(url: str, cwd: Path | None = None) -> str:
    """`url` with a local directory made absolute: "file://./x", "file:///abs" and plain
    paths become "file:///<absolute path>"; "s3://bucket/prefix" is returned as is."""
    url = url.strip()
    if not url:
        raise StoreUrlError("the store URL is empty")
    if "\x00" in url:
        raise StoreUrlError("the store URL contains a NUL byte")
    base = cwd or Path.cwd()
    if "://" not in url:
        return (base / Path(url).expanduser()).resolve().as_uri()
    scheme = urlsplit(url).scheme
    if scheme == "file":
        # file://./data/store is relative to the working directory, file:///x absolute.
        path = url.removeprefix("file://")
        if not path:
            raise StoreUrlError(f"store URL {url!r} names no directory")
        return (base / Path(path).expanduser()).resolve().as_uri()
    if scheme == "s3":
        if not urlsplit(url).netloc:
            raise StoreUrlError(f"store URL {url!r} must name a bucket: s3://<bucket>/<prefix>")
        return url
    raise StoreUrlError(f"store URL {url!r} must start with file:// or s3://, or be a path")


def open_cli_store(url: str, s3_endpoint_url: str | None = None) -> ArtifactStore:
    """Open the store at `url` (already resolved); S3 credentials come from boto3's usual
    AWS_* chain, the endpoint from `s3_endpoint_url`."""
    from talkinghead.store import open_store

    if url.startswith("s3://") and s3_endpoint_url:
        return open_store(url, endpoint_url=s3_endpoint_url)
    return open_store(url)
