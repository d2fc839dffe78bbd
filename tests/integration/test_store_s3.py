"""What only the S3 store has to get right, checked against a real moto S3 server with an
independent boto3 client: the object layout, objects it did not commit, prefixes, upload
cleanup, a missing bucket, a forged tree manifest, and configuration from AWS_* variables."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from talkinghead.errors import FailedPreconditionError, IntegrityError, NotFoundError
from talkinghead.store import TREE_MANIFEST_NAME, open_store

MIB = 1024 * 1024


def test_artifact_is_one_plain_object_carrying_its_record(
    make_s3_store: Callable[..., Any], s3_client: Any
) -> None:
    store = make_s3_store("tenant-a")
    data = os.urandom(3000)
    store.put_bytes("datasets/d1/aud.wav", data, "dataset", {"fps": "25"})
    raw = s3_client.get_object(Bucket=store.bucket, Key="tenant-a/datasets/d1/aud.wav")
    assert raw["Body"].read() == data
    assert raw["Metadata"]["th-sha256"] == hashlib.sha256(data).hexdigest()
    assert raw["Metadata"]["th-size"] == str(len(data))
    listing = s3_client.list_objects_v2(Bucket=store.bucket)
    assert [entry["Key"] for entry in listing["Contents"]] == ["tenant-a/datasets/d1/aud.wav"]


def test_objects_not_committed_by_the_store_are_absent(
    make_s3_store: Callable[..., Any], s3_client: Any
) -> None:
    store = make_s3_store("tenant-a")
    s3_client.put_object(Bucket=store.bucket, Key="tenant-a/videos/raw.mp4", Body=b"no record")
    assert not store.exists("videos/raw.mp4")
    assert store.list() == []
    with pytest.raises(NotFoundError, match="videos/raw.mp4"):
        store.get_bytes("videos/raw.mp4")
    with pytest.raises(NotFoundError):
        store.delete("videos/raw.mp4")


def test_prefixes_isolate_stores_in_one_bucket(
    make_s3_store: Callable[..., Any], moto_endpoint: str
) -> None:
    tenant_a, tenant_ab = make_s3_store("tenants/a"), make_s3_store("tenants/ab")
    tenant_a.put_bytes("x", b"a's", "video")
    tenant_ab.put_bytes("x", b"ab's", "video")
    assert tenant_a.get_bytes("x") == b"a's"
    assert [info.key for info in tenant_a.list()] == ["x"]
    again = open_store(
        f"s3://{tenant_a.bucket}/tenants/a", endpoint_url=moto_endpoint,
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1",
    )
    assert again.get_bytes("x") == b"a's"


def _leftovers(s3_client: Any, bucket: str) -> tuple[list[Any], list[str]]:
    uploads = s3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    objects = s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return uploads, [entry["Key"] for entry in objects]


def test_large_writes_leave_no_temporary_uploads(
    make_s3_store: Callable[..., Any], s3_client: Any
) -> None:
    store = make_s3_store("p")
    payload = os.urandom(store.part_size * 2 + 10)
    with store.open_write("big", "video") as writer:
        writer.write(payload)
    with pytest.raises(ValueError, match="boom"):
        with store.open_write("failed", "video") as writer:
            writer.write(payload)
            raise ValueError("boom")
    uploads, keys = _leftovers(s3_client, store.bucket)
    assert uploads == []
    assert keys == ["p/big"]
    assert store.get_bytes("big") == payload


def test_missing_bucket_fails_at_start(moto_endpoint: str) -> None:
    with pytest.raises(FailedPreconditionError, match="no-such-bucket"):
        open_store("s3://no-such-bucket/x", endpoint_url=moto_endpoint,
                   aws_access_key_id="testing", aws_secret_access_key="testing",
                   region_name="us-east-1")


def test_forged_manifest_cannot_steer_get_tree_outside(
    make_s3_store: Callable[..., Any], s3_client: Any, tmp_path: Path
) -> None:
    store = make_s3_store()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "aud.wav").write_bytes(b"audio")
    store.put_tree("datasets/d1", tmp_path / "src", "dataset")
    evil = b"escaped"
    store.put_bytes("datasets/d1/evil", evil, "dataset")
    manifest = {"format": "talkinghead.tree/1", "kind": "dataset", "files": [
        {"path": "../../evil", "sha256": hashlib.sha256(evil).hexdigest(), "size_bytes": 7},
    ]}
    # A manifest rewritten in the bucket, with a record that matches it.
    store.put_bytes(f"datasets/d1/{TREE_MANIFEST_NAME}", json.dumps(manifest).encode(), "dataset")
    target = tmp_path / "a" / "b" / "fetched"
    with pytest.raises(IntegrityError, match="bad path"):
        store.get_tree("datasets/d1", target)
    assert not any(path.name == "evil" for path in tmp_path.rglob("*"))


def test_configuration_from_aws_environment(
    make_s3_store: Callable[..., Any], s3_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_s3_store("env").put_bytes("k", b"via env", "video")
    bucket = make_s3_store().bucket
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION",
                 "AWS_ENDPOINT_URL"):
        monkeypatch.setenv(name, s3_env[name])
    assert open_store(f"s3://{bucket}/env").get_bytes("k") == b"via env"


def test_tree_of_many_small_files(
    make_s3_store: Callable[..., Any], tmp_path: Path
) -> None:
    source = tmp_path / "dataset"
    files = {f"ori_imgs/{i}.jpg": os.urandom(100 + i) for i in range(300)}
    for rel, data in files.items():
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_bytes(data)
    store = make_s3_store("bulk")
    tree = store.put_tree("datasets/many", source, "dataset")
    assert len(tree.files) == 300
    store.get_tree("datasets/many", tmp_path / "back", tree.manifest.sha256)
    for rel, data in files.items():
        assert (tmp_path / "back" / rel).read_bytes() == data
