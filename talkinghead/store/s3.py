"""The S3-compatible artifact store (MinIO in the cluster, AWS S3, anything speaking S3).

Layout in the bucket: the artifact `key` is the object `<prefix>/<key>`, so a published
dataset is a plain tree (`aws s3 sync` gives the AD-NeRF layout back). The record lives in
the same object as S3 user metadata (th-sha256, th-size, th-kind, th-created, th-meta), so
content and record become visible together in one atomic step and a GET returns a
consistent pair: readers see the old version or the new one, never a mix, and never need
a second request. An object without that metadata was not committed by this store and reads
as absent.

How a write commits: small content (under one part) is a single PUT with the metadata.
Larger streamed content is uploaded as a multipart upload to a hidden temporary object
(`<prefix>/.uploads/<uuid>`) while its sha256 is computed, then server-side copied onto the
key with the metadata (the commit), then the temporary object is deleted. A writer killed
before the commit leaves an incomplete multipart upload or a hidden temporary object, never
a visible artifact; `sweep_incomplete` (or a bucket lifecycle rule) removes them.

boto3 is imported here only, so the local store never pays for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from talkinghead.errors import (
    FailedPreconditionError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
)
from talkinghead.store.artifact import (
    ArtifactInfo,
    encode_metadata,
    is_sha256_hex,
    validate_kind,
    validate_metadata,
)
from talkinghead.store.base import ArtifactStore, check_expected_sha, existing_file
from talkinghead.store.hashing import HashingWriter, VerifyingReader, sha256_of_file
from talkinghead.store.keys import is_under, validate_key

MIN_PART_BYTES = 5 * 1024 * 1024  # the S3 minimum for every part but the last
DEFAULT_PART_BYTES = 8 * 1024 * 1024
_UPLOADS = ".uploads"
_META_SHA256 = "th-sha256"
_META_SIZE = "th-size"
_META_KIND = "th-kind"
_META_CREATED = "th-created"
_META_USER = "th-meta"
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}


class S3Store(ArtifactStore):
    """Artifacts as objects under `prefix` in an S3-compatible `bucket`."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region_name: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        part_size: int = DEFAULT_PART_BYTES,
        tree_workers: int = 8,
        check_bucket: bool = True,
        client: Any = None,
    ) -> None:
        """Connect to `bucket`. Credentials and region not given here come from boto3's usual
        sources (AWS_* environment variables, config files). With `check_bucket` a missing
        bucket fails here (FailedPreconditionError) rather than at the first request."""
        if not isinstance(bucket, str) or not _BUCKET_NAME.fullmatch(bucket):
            raise InvalidInputError(f"S3 bucket name {bucket!r} is not valid")
        if part_size < MIN_PART_BYTES:
            raise InvalidInputError(f"S3 part size must be at least {MIN_PART_BYTES} bytes")
        self.bucket = bucket
        self.prefix = validate_key(prefix, "store prefix") if prefix else ""
        self.part_size = part_size
        self.tree_workers = tree_workers
        self._transfer = TransferConfig(
            multipart_threshold=part_size, multipart_chunksize=part_size, max_concurrency=4
        )
        if client is None:
            config = Config(
                max_pool_connections=max(10, 2 * tree_workers + 4),
                retries={"max_attempts": 5, "mode": "standard"},
                # Custom endpoints (MinIO, moto) rarely have wildcard DNS for buckets.
                s3={"addressing_style": "path" if endpoint_url else "auto"},
            )
            # A session per store: creating clients from the shared default session is not
            # thread-safe.
            client = boto3.session.Session().client(
                "s3", endpoint_url=endpoint_url, region_name=region_name,
                aws_access_key_id=aws_access_key_id,
                aws_secret_access_key=aws_secret_access_key,
                aws_session_token=aws_session_token, config=config,
            )
        self._client = client
        if check_bucket:
            try:
                self._client.head_bucket(Bucket=bucket)
            except ClientError as error:
                raise FailedPreconditionError(
                    f"S3 bucket {bucket!r} is not reachable ({_error_code(error)})"
                ) from None

    def __repr__(self) -> str:
        return f"S3Store('s3://{self.bucket}/{self.prefix}')"

    # ---- names ----------------------------------------------------------------------

    def _object_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _key_of(self, object_key: str) -> str | None:
        """The artifact key of an object under this store's prefix, or None for the store's
        hidden objects and for names no client could have given."""
        rel = object_key[len(self.prefix) + 1:] if self.prefix else object_key
        try:
            return validate_key(rel)
        except InvalidInputError:
            return None

    def _uploads_prefix(self) -> str:
        return f"{self.prefix}/{_UPLOADS}/" if self.prefix else f"{_UPLOADS}/"

    def _not_found_or_raise(self, error: ClientError, key: str) -> NotFoundError:
        code = _error_code(error)
        if code == "NoSuchBucket":
            raise FailedPreconditionError(f"S3 bucket {self.bucket!r} does not exist") from None
        if code in _NOT_FOUND_CODES:
            return NotFoundError(f"no artifact {key!r}")
        raise error

    # ---- writing --------------------------------------------------------------------

    @contextlib.contextmanager
    def open_write(
        self, key: str, kind: str, metadata: dict[str, str] | None = None
    ) -> Iterator[HashingWriter]:
        """See ArtifactStore.open_write. Memory use is bounded by one part."""
        key = validate_key(key)
        kind = validate_kind(kind)
        metadata = validate_metadata(metadata)
        upload = _StreamingUpload(
            self._client, self.bucket, self._uploads_prefix() + uuid.uuid4().hex, self.part_size
        )
        writer = HashingWriter(upload.write)
        try:
            yield writer
            info = ArtifactInfo(key, kind, writer.sha256, writer.size_bytes, time.time(), metadata)
            upload.commit(self._object_key(key), _object_metadata(info), self._transfer)
            writer.info = info
        except BaseException:
            upload.abort()
            raise
        finally:
            writer.close()

    def put_file(
        self, key: str, path: str | os.PathLike[str], kind: str,
        metadata: dict[str, str] | None = None,
    ) -> ArtifactInfo:
        """See ArtifactStore.put_file. The file is hashed first, then uploaded with its
        record by boto3's managed transfer (parallel multipart for large files), which makes
        the object visible only when complete. A file that changes meanwhile is refused."""
        key = validate_key(key)
        kind = validate_kind(kind)
        metadata = validate_metadata(metadata)
        source = existing_file(path)
        before = source.stat()
        sha256, size = sha256_of_file(str(source))
        info = ArtifactInfo(key, kind, sha256, size, time.time(), metadata)
        self._client.upload_file(
            str(source), self.bucket, self._object_key(key),
            ExtraArgs={"Metadata": _object_metadata(info)}, Config=self._transfer,
        )
        after = source.stat()
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            raise IntegrityError(f"{source.name!r} changed while it was stored as {key!r}")
        return info

    # ---- reading --------------------------------------------------------------------

    @contextlib.contextmanager
    def open_read(
        self, key: str, expected_sha256: str | None = None
    ) -> Iterator[VerifyingReader]:
        """See ArtifactStore.open_read. One GET returns the content and its record together."""
        key = validate_key(key)
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as error:
            raise self._not_found_or_raise(error, key) from None
        body = response["Body"]
        try:
            info = _info_from(key, response.get("Metadata", {}))
            if info is None:
                raise NotFoundError(f"no artifact {key!r}")
            check_expected_sha(info, expected_sha256)
            if response["ContentLength"] != info.size_bytes:
                raise IntegrityError(
                    f"artifact {key!r} holds {response['ContentLength']} bytes, "
                    f"not its recorded {info.size_bytes}"
                )
        except BaseException:
            body.close()
            raise
        reader = VerifyingReader(body, info, on_close=body.close)
        try:
            yield reader
        finally:
            reader.close()

    def info(self, key: str) -> ArtifactInfo:
        """See ArtifactStore.info."""
        key = validate_key(key)
        try:
            response = self._client.head_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as error:
            raise self._not_found_or_raise(error, key) from None
        info = _info_from(key, response.get("Metadata", {}))
        if info is None:
            raise NotFoundError(f"no artifact {key!r}")
        return info

    def local_path(self, key: str) -> None:
        """Always None: objects have no local path (no request is made)."""
        validate_key(key)
        return None

    def _keys_under(self, prefix: str) -> list[str]:
        listing_prefix = self._object_key(prefix) + "/" if prefix else (
            f"{self.prefix}/" if self.prefix else ""
        )
        keys = []
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=listing_prefix):
                for entry in page.get("Contents", []):
                    key = self._key_of(entry["Key"])
                    if key is not None and is_under(key, prefix):
                        keys.append(key)
        except ClientError as error:
            raise self._not_found_or_raise(error, prefix) from None
        return sorted(keys)

    def list(self, prefix: str = "") -> list[ArtifactInfo]:
        """See ArtifactStore.list. S3 listings carry no user metadata, so each entry costs a
        HEAD request (made `tree_workers` at a time)."""
        prefix = validate_key(prefix, "list prefix") if prefix else ""

        def head(key: str) -> ArtifactInfo | None:
            try:
                return self.info(key)
            except NotFoundError:  # deleted meanwhile, or not written by this store
                return None

        return [info for info in self._map(head, self._keys_under(prefix)) if info is not None]

    # ---- removing -------------------------------------------------------------------

    def delete(self, key: str) -> None:
        """See ArtifactStore.delete."""
        self.info(key)  # NotFoundError for absent keys, as the local store does
        self._client.delete_object(Bucket=self.bucket, Key=self._object_key(key))

    def sweep_incomplete(self, older_than_s: float) -> int:
        """See ArtifactStore.sweep_incomplete: aborts old multipart uploads and deletes old
        temporary objects under this store's hidden upload prefix."""
        deadline = time.time() - older_than_s
        removed = 0
        prefix = self._uploads_prefix()
        uploads = self._client.get_paginator("list_multipart_uploads")
        for page in uploads.paginate(Bucket=self.bucket, Prefix=prefix):
            for upload in page.get("Uploads", []):
                if upload["Initiated"].timestamp() < deadline:
                    with contextlib.suppress(ClientError):
                        self._client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                        removed += 1
        objects = self._client.get_paginator("list_objects_v2")
        for page in objects.paginate(Bucket=self.bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                if entry["LastModified"].timestamp() < deadline:
                    self._client.delete_object(Bucket=self.bucket, Key=entry["Key"])
                    removed += 1
        return removed


class _StreamingUpload:
    """Content of unknown length streamed to S3 in parts, holding at most one part."""

    def __init__(self, client: Any, bucket: str, temp_key: str, part_size: int) -> None:
        self._client = client
        self._bucket = bucket
        self._temp_key = temp_key
        self._part_size = part_size
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._upload_id: str | None = None
        self._temp_object = False

    def write(self, data: memoryview) -> None:
        self._buffer += data
        while len(self._buffer) >= self._part_size:
            self._upload_part(bytes(self._buffer[: self._part_size]))
            del self._buffer[: self._part_size]

    def _upload_part(self, data: bytes) -> None:
        if self._upload_id is None:
            created = self._client.create_multipart_upload(Bucket=self._bucket, Key=self._temp_key)
            self._upload_id = created["UploadId"]
        number = len(self._parts) + 1
        response = self._client.upload_part(
            Bucket=self._bucket, Key=self._temp_key, UploadId=self._upload_id,
            PartNumber=number, Body=data,
        )
        self._parts.append({"ETag": response["ETag"], "PartNumber": number})

    def commit(self, final_key: str, metadata: dict[str, str], transfer: TransferConfig) -> None:
        """Make the content visible at `final_key` with `metadata`, in one atomic step."""
        if self._upload_id is None:
            self._client.put_object(
                Bucket=self._bucket, Key=final_key, Body=bytes(self._buffer), Metadata=metadata
            )
            return
        if self._buffer:
            self._upload_part(bytes(self._buffer))
            self._buffer.clear()
        self._client.complete_multipart_upload(
            Bucket=self._bucket, Key=self._temp_key, UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )
        self._upload_id = None
        self._temp_object = True
        # The record must be set in the same step that makes the content visible, and the
        # sha256 was only known now: a server-side copy carries both at once.
        self._client.copy(
            CopySource={"Bucket": self._bucket, "Key": self._temp_key},
            Bucket=self._bucket, Key=final_key,
            ExtraArgs={"Metadata": metadata, "MetadataDirective": "REPLACE"}, Config=transfer,
        )
        self._remove_temp()

    def abort(self) -> None:
        """Drop whatever was uploaded; best effort (sweep_incomplete catches the rest)."""
        with contextlib.suppress(ClientError):
            if self._upload_id is not None:
                self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=self._temp_key, UploadId=self._upload_id
                )
                self._upload_id = None
            self._remove_temp()

    def _remove_temp(self) -> None:
        if self._temp_object:
            self._client.delete_object(Bucket=self._bucket, Key=self._temp_key)
            self._temp_object = False


def _object_metadata(info: ArtifactInfo) -> dict[str, str]:
    return {
        _META_SHA256: info.sha256,
        _META_SIZE: str(info.size_bytes),
        _META_KIND: info.kind,
        _META_CREATED: repr(info.created_at),
        _META_USER: encode_metadata(info.metadata),
    }


def _info_from(key: str, metadata: dict[str, str]) -> ArtifactInfo | None:
    """The record carried by an object's user metadata; None if it has none (not written by
    this store); IntegrityError if it is damaged."""
    if _META_SHA256 not in metadata:
        return None
    try:
        if not is_sha256_hex(metadata[_META_SHA256]):
            raise ValueError("bad sha256")
        user = json.loads(metadata.get(_META_USER, "{}"))
        return ArtifactInfo(
            key=key, kind=metadata[_META_KIND], sha256=metadata[_META_SHA256],
            size_bytes=int(metadata[_META_SIZE]), created_at=float(metadata[_META_CREATED]),
            metadata={str(k): str(v) for k, v in dict(user).items()},
        )
    except (ValueError, TypeError, KeyError) as error:
        raise IntegrityError(f"the record of artifact {key!r} is corrupt ({error})") from None


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "unknown"))
