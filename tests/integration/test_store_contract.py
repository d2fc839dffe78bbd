"""The artifact store contract, run against both implementations: the local directory
store (in tmp_path) and the S3 store (against a real moto S3 server on loopback).

Expected hashes are computed here with hashlib, never taken from the store; damage is done
behind the store's back (editing the file, or rewriting the raw object with boto3)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from talkinghead.errors import (
    AvatarError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
)
from talkinghead.store import TREE_MANIFEST_NAME, ArtifactStore, LocalStore

MIB = 1024 * 1024


@dataclass
class Harness:
    """A store under test plus a way to rewrite an artifact's stored bytes directly."""

    store: ArtifactStore
    rewrite_raw: Callable[[str, Callable[[bytes], bytes]], None]


def _local_harness(tmp_path: Path) -> Harness:
    store = LocalStore(tmp_path / "store")

    def rewrite_raw(key: str, change: Callable[[bytes], bytes]) -> None:
        path = store.root / key
        new = change(path.read_bytes())
        # Edit in place (same file), as disk corruption or a stray tool would.
        with open(path, "r+b") as stored:
            stored.write(new)
            stored.truncate(len(new))

    return Harness(store, rewrite_raw)


def _s3_harness(request: pytest.FixtureRequest) -> Harness:
    make_s3_store = request.getfixturevalue("make_s3_store")
    client = request.getfixturevalue("s3_client")
    store = make_s3_store("tenant-a")

    def rewrite_raw(key: str, change: Callable[[bytes], bytes]) -> None:
        object_key = f"tenant-a/{key}"
        raw = client.get_object(Bucket=store.bucket, Key=object_key)
        # Same metadata (the record), different body: what a bit flip in storage looks like.
        client.put_object(
            Bucket=store.bucket, Key=object_key, Body=change(raw["Body"].read()),
            Metadata=raw["Metadata"],
        )

    return Harness(store, rewrite_raw)


@pytest.fixture(params=["local", "s3"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Harness:
    if request.param == "local":
        return _local_harness(tmp_path)
    return _s3_harness(request)


@pytest.fixture
def store(harness: Harness) -> ArtifactStore:
    return harness.store


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def flip_byte(at: int) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]

    return change


# ---- round trips ------------------------------------------------------------------------


def test_bytes_round_trip_records_independent_sha256(store: ArtifactStore) -> None:
    data = os.urandom(10_000)
    info = store.put_bytes("tracks/job-1/params.bin", data, "track_params", {"frames": "250"})
    assert info.sha256 == sha(data)
    assert info.size_bytes == len(data)
    assert (info.key, info.kind, info.metadata) == (
        "tracks/job-1/params.bin", "track_params", {"frames": "250"},
    )
    assert store.info("tracks/job-1/params.bin") == info
    assert store.get_bytes("tracks/job-1/params.bin") == data
    assert store.get_bytes("tracks/job-1/params.bin", expected_sha256=sha(data)) == data


def test_empty_artifact_round_trip(store: ArtifactStore) -> None:
    info = store.put_bytes("empty.bin", b"", "checkpoint")
    assert (info.sha256, info.size_bytes) == (sha(b""), 0)
    assert store.get_bytes("empty.bin") == b""


def test_large_file_round_trip_streams(store: ArtifactStore, tmp_path: Path) -> None:
    # Larger than the S3 test part size, so multipart uploads are used.
    data = os.urandom(12 * MIB + 123)
    source = tmp_path / "input.mp4"
    source.write_bytes(data)
    info = store.put_file("videos/v1/input.mp4", source, "video")
    assert (info.sha256, info.size_bytes) == (sha(data), len(data))
    dest = tmp_path / "out" / "copy.mp4"
    got = store.get_file("videos/v1/input.mp4", dest)
    assert got.sha256 == sha(data)
    assert dest.read_bytes() == data
    assert [p.name for p in dest.parent.iterdir()] == ["copy.mp4"]  # no temp file left


def test_streaming_write_and_read_in_chunks(store: ArtifactStore) -> None:
    chunks = [os.urandom(MIB) for _ in range(11)]
    with store.open_write("renders/r1/out.mp4", "rendered_video") as writer:
        for chunk in chunks:
            writer.write(chunk)
    whole = b"".join(chunks)
    assert writer.info is not None and writer.info.sha256 == sha(whole)
    digest = hashlib.sha256()
    with store.open_read("renders/r1/out.mp4") as reader:
        while block := reader.read(300_000):
            digest.update(block)
    assert digest.hexdigest() == sha(whole)
    assert store.info("renders/r1/out.mp4").size_bytes == len(whole)


def _make_dataset(root: Path, frames: int = 40) -> dict[str, bytes]:
    files = {"aud.wav": os.urandom(3000), "transforms_train.json": b'{"focal_len": 1200.0}'}
    for index in range(frames):
        files[f"ori_imgs/{index}.jpg"] = os.urandom(500 + index)
        files[f"parsing/{index}.png"] = os.urandom(200 + index)
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


def test_tree_round_trip(store: ArtifactStore, tmp_path: Path) -> None:
    files = _make_dataset(tmp_path / "dataset")
    tree = store.put_tree("datasets/d1", tmp_path / "dataset", "dataset")
    assert {info.key: info.sha256 for info in tree.files} == {
        f"datasets/d1/{rel}": sha(data) for rel, data in files.items()
    }
    manifest_raw = store.get_bytes(f"datasets/d1/{TREE_MANIFEST_NAME}")
    assert tree.manifest.sha256 == sha(manifest_raw)
    listed = json.loads(manifest_raw)["files"]
    assert {entry["path"]: entry["sha256"] for entry in listed} == {
        rel: sha(data) for rel, data in files.items()
    }
    fetched = store.get_tree("datasets/d1", tmp_path / "fetched", tree.manifest.sha256)
    assert len(fetched.files) == len(files)
    for rel, data in files.items():
        assert (tmp_path / "fetched" / rel).read_bytes() == data
    assert {p.relative_to(tmp_path / "fetched").as_posix()
            for p in (tmp_path / "fetched").rglob("*") if p.is_file()} == set(files)
    assert {info.key for info in store.list("datasets/d1")} == {
        f"datasets/d1/{rel}" for rel in files
    } | {f"datasets/d1/{TREE_MANIFEST_NAME}"}


def test_tree_skips_hidden_bookkeeping_files(store: ArtifactStore, tmp_path: Path) -> None:
    source = tmp_path / "dataset"
    (source / ".cache").mkdir(parents=True)
    (source / ".cache" / "x").write_bytes(b"local only")
    (source / ".staging-123").write_bytes(b"leftover of a killed stage")
    (source / "aud.wav").write_bytes(b"audio")
    tree = store.put_tree("datasets/h", source, "dataset")
    assert [info.key for info in tree.files] == ["datasets/h/aud.wav"]


def test_tree_republish_drops_files_it_no_longer_has(
    store: ArtifactStore, tmp_path: Path
) -> None:
    old = _make_dataset(tmp_path / "old", frames=3)
    store.put_tree("datasets/d2", tmp_path / "old", "dataset")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "aud.wav").write_bytes(b"new audio")
    store.put_tree("datasets/d2", tmp_path / "new", "dataset")
    assert {info.key for info in store.list("datasets/d2")} == {
        "datasets/d2/aud.wav", f"datasets/d2/{TREE_MANIFEST_NAME}",
    }
    assert len(old) > 1
    store.get_tree("datasets/d2", tmp_path / "fetched")
    assert [p.name for p in (tmp_path / "fetched").iterdir()] == ["aud.wav"]


def test_tree_without_manifest_is_not_published(store: ArtifactStore, tmp_path: Path) -> None:
    store.put_bytes("datasets/d3/aud.wav", b"x", "dataset")  # files, but never committed
    with pytest.raises(NotFoundError, match="datasets/d3"):
        store.get_tree("datasets/d3", tmp_path / "fetched")


def test_get_tree_detects_a_damaged_member(harness: Harness, tmp_path: Path) -> None:
    _make_dataset(tmp_path / "dataset", frames=5)
    harness.store.put_tree("datasets/d4", tmp_path / "dataset", "dataset")
    harness.rewrite_raw("datasets/d4/parsing/3.png", flip_byte(10))
    with pytest.raises(IntegrityError, match="datasets/d4/parsing/3.png"):
        harness.store.get_tree("datasets/d4", tmp_path / "fetched")
    assert not (tmp_path / "fetched" / "parsing" / "3.png").exists()


# ---- listing, existence, deletion -------------------------------------------------------


def test_list_exists_info_delete(store: ArtifactStore) -> None:
    for key in ("a/x", "a/y", "a/sub/z", "ab/w", "b"):
        store.put_bytes(key, key.encode(), "checkpoint")
    assert [info.key for info in store.list("a")] == ["a/sub/z", "a/x", "a/y"]
    assert [info.key for info in store.list()] == ["a/sub/z", "a/x", "a/y", "ab/w", "b"]
    assert store.list("nothing/here") == []
    assert store.exists("a/x") and not store.exists("a")
    assert store.info("ab/w").sha256 == sha(b"ab/w")
    store.delete("a/x")
    assert not store.exists("a/x")
    assert [info.key for info in store.list("a")] == ["a/sub/z", "a/y"]
    with pytest.raises(NotFoundError, match="a/x"):
        store.delete("a/x")
    store.delete("a/sub/z")
    store.put_bytes("a/sub", b"now a file", "checkpoint")  # its folder went with its last file
    assert store.get_bytes("a/sub") == b"now a file"


@pytest.mark.parametrize(
    "call",
    [
        lambda s, p: s.info("no/such"),
        lambda s, p: s.get_bytes("no/such"),
        lambda s, p: s.get_file("no/such", p / "dest"),
        lambda s, p: s.open_read("no/such").__enter__(),
        lambda s, p: s.delete("no/such"),
    ],
    ids=["info", "get_bytes", "get_file", "open_read", "delete"],
)
def test_missing_key_raises_not_found(
    store: ArtifactStore, tmp_path: Path, call: Callable[[ArtifactStore, Path], Any]
) -> None:
    with pytest.raises(NotFoundError, match="no/such"):
        call(store, tmp_path)
    assert not (tmp_path / "dest").exists()


def test_overwrite_replaces_the_artifact(store: ArtifactStore) -> None:
    store.put_bytes("ckpt/latest.safetensors", b"version one", "checkpoint")
    info = store.put_bytes("ckpt/latest.safetensors", b"version two!", "checkpoint")
    assert store.get_bytes("ckpt/latest.safetensors") == b"version two!"
    assert store.info("ckpt/latest.safetensors").sha256 == info.sha256 == sha(b"version two!")
    assert [i.key for i in store.list("ckpt")] == ["ckpt/latest.safetensors"]
    with pytest.raises(IntegrityError, match="not the expected"):
        store.get_bytes("ckpt/latest.safetensors", expected_sha256=sha(b"version one"))


def test_readers_see_old_or_new_during_overwrites(store: ArtifactStore) -> None:
    versions = [os.urandom(70_000), os.urandom(110_000)]
    store.put_bytes("live/model.bin", versions[0], "checkpoint")
    failures: list[BaseException] = []
    done = threading.Event()

    def overwrite() -> None:
        try:
            for round_ in range(25):
                store.put_bytes("live/model.bin", versions[round_ % 2], "checkpoint")
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            done.set()

    writer = threading.Thread(target=overwrite)
    writer.start()
    reads = 0
    while not done.is_set() or reads < 10:
        assert store.get_bytes("live/model.bin") in versions
        reads += 1
    writer.join()
    assert not failures


# ---- integrity --------------------------------------------------------------------------


def test_flipped_byte_is_detected(harness: Harness, tmp_path: Path) -> None:
    data = os.urandom(50_000)
    harness.store.put_bytes("ckpt/step-100.safetensors", data, "checkpoint")
    harness.rewrite_raw("ckpt/step-100.safetensors", flip_byte(12_345))
    with pytest.raises(IntegrityError, match="ckpt/step-100.safetensors"):
        harness.store.get_bytes("ckpt/step-100.safetensors")
    with pytest.raises(IntegrityError, match="ckpt/step-100.safetensors"):
        harness.store.get_file("ckpt/step-100.safetensors", tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
    with pytest.raises(IntegrityError), harness.store.open_read(
        "ckpt/step-100.safetensors"
    ) as reader:
        while reader.read(4096):
            pass


def test_truncated_content_is_detected(harness: Harness) -> None:
    data = os.urandom(50_000)
    harness.store.put_bytes("videos/v2/input.mp4", data, "video")
    harness.rewrite_raw("videos/v2/input.mp4", lambda raw: raw[:-1000])
    with pytest.raises(IntegrityError, match="videos/v2/input.mp4"):
        harness.store.get_bytes("videos/v2/input.mp4")


def test_failed_write_leaves_nothing_and_keeps_the_previous_version(
    store: ArtifactStore,
) -> None:
    store.put_bytes("ckpt/model", b"good version", "checkpoint")
    for key in ("ckpt/model", "ckpt/new"):
        with pytest.raises(RuntimeError, match="trainer crashed"):
            with store.open_write(key, "checkpoint") as writer:
                writer.write(os.urandom(6 * MIB))  # past one S3 part: a multipart upload
                raise RuntimeError("trainer crashed")
    assert store.get_bytes("ckpt/model") == b"good version"
    assert not store.exists("ckpt/new")
    assert [info.key for info in store.list()] == ["ckpt/model"]


# ---- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["../x", "a/../../b", "/etc/passwd", "a\x00b", "a\\b", ""])
def test_every_operation_rejects_bad_keys(
    store: ArtifactStore, tmp_path: Path, key: str
) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: store.put_bytes(key, b"x", "video"),
        lambda: store.open_write(key, "video").__enter__(),
        lambda: store.get_bytes(key),
        lambda: store.info(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
        lambda: store.list(key) if key else store.list("../x"),
        lambda: store.put_tree(key or "..", tmp_path, "dataset"),
        lambda: store.get_tree(key or "/", tmp_path / "out"),
    ]
    for call in calls:
        with pytest.raises(InvalidInputError):
            call()
    assert store.list() == []


def test_bad_kind_and_metadata_are_rejected(store: ArtifactStore) -> None:
    for kind in ("", "Video", "a b", "x" * 65):
        with pytest.raises(InvalidInputError, match="kind"):
            store.put_bytes("k", b"x", kind)
    with pytest.raises(InvalidInputError, match="metadata"):
        store.put_bytes("k", b"x", "video", {"bad name": "v"})
    with pytest.raises(InvalidInputError, match="1024"):
        store.put_bytes("k", b"x", "video", {"big": "v" * 2000})
    assert not store.exists("k")


def test_errors_do_not_leak_store_locations(store: ArtifactStore) -> None:
    with pytest.raises(AvatarError) as caught:
        store.get_bytes("no/such")
    location = str(store.root) if isinstance(store, LocalStore) else "tenant-a"
    assert location not in str(caught.value)
