"""What only the local directory store has to get right (its layout is documented in
talkinghead/store/local.py), plus opening stores from URLs. The behaviour both stores share
is checked by tests/integration/test_store_contract.py."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from talkinghead.errors import (
    AlreadyExistsError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
)
from talkinghead.store import TREE_MANIFEST_NAME, LocalStore, open_store

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "store")


def test_published_tree_is_a_plain_directory(store: LocalStore, tmp_path: Path) -> None:
    source = tmp_path / "dataset"
    (source / "ori_imgs").mkdir(parents=True)
    (source / "ori_imgs" / "0.jpg").write_bytes(b"jpeg bytes")
    (source / "aud.wav").write_bytes(b"wav bytes")
    store.put_tree("datasets/d1", source, "dataset")
    folder = store.root / "datasets" / "d1"
    assert (folder / "ori_imgs" / "0.jpg").read_bytes() == b"jpeg bytes"
    assert sorted(p.name for p in folder.iterdir()) == [TREE_MANIFEST_NAME, "aud.wav", "ori_imgs"]
    assert store.local_path("datasets/d1/aud.wav") == folder / "aud.wav"
    assert sorted(p.name for p in store.root.iterdir() if not p.name.startswith(".")) == [
        "datasets"
    ]


def test_local_path_of_missing_key(store: LocalStore) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        store.local_path("nope")


def test_content_without_a_record_is_absent(store: LocalStore) -> None:
    (store.root / "dropped.bin").write_bytes(b"copied in by hand")
    assert not store.exists("dropped.bin")
    assert store.list() == []


def test_symlink_inside_the_root_cannot_lead_out(store: LocalStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (store.root / "link").symlink_to(outside)
    with pytest.raises(InvalidInputError, match="outside the store"):
        store.put_bytes("link/x", b"escape", "video")
    with pytest.raises(InvalidInputError, match="outside the store"):
        store.get_bytes("link/x")
    assert list(outside.iterdir()) == []


def test_file_and_folder_names_cannot_collide(store: LocalStore) -> None:
    store.put_bytes("a", b"file", "video")
    with pytest.raises(AlreadyExistsError, match="'a/b'"):
        store.put_bytes("a/b", b"under a file", "video")
    store.put_bytes("c/d", b"in a folder", "video")
    with pytest.raises(AlreadyExistsError, match="'c'"):
        store.put_bytes("c", b"over a folder", "video")
    assert store.get_bytes("a") == b"file" and store.get_bytes("c/d") == b"in a folder"


def test_failed_write_leaves_no_empty_folders(store: LocalStore) -> None:
    with pytest.raises(RuntimeError):
        with store.open_write("fresh/deep/key", "video") as writer:
            writer.write(b"partial")
            raise RuntimeError("client went away")
    assert not (store.root / "fresh").exists()
    assert list((store.root / ".tmp").iterdir()) == []


def test_appended_bytes_are_detected(store: LocalStore) -> None:
    store.put_bytes("k", b"0123456789", "checkpoint")
    with open(store.root / "k", "ab") as stored:
        stored.write(b"extra")
    with pytest.raises(IntegrityError, match="longer than its recorded 10 bytes"):
        store.get_bytes("k")


def test_content_replaced_outside_the_store_is_not_trusted(store: LocalStore) -> None:
    store.put_bytes("k", b"original", "checkpoint")
    replacement = store.root / "replacement"
    replacement.write_bytes(b"original")  # even identical bytes: not what was committed
    os.replace(replacement, store.root / "k")
    with pytest.raises(IntegrityError, match="replaced outside the store"):
        store.get_bytes("k")
    assert store.list() == []


def test_corrupt_record_is_reported(store: LocalStore) -> None:
    store.put_bytes("x/k", b"data", "checkpoint")
    (store.root / ".records" / "x" / "k@record").write_text("{not json")
    with pytest.raises(IntegrityError, match="record of artifact 'x/k' is corrupt"):
        store.info("x/k")


def test_two_store_objects_on_one_root_share_artifacts(tmp_path: Path) -> None:
    first, second = LocalStore(tmp_path / "s"), LocalStore(tmp_path / "s")
    first.put_bytes("k", b"v1", "video")
    second.put_bytes("k", b"v2", "video")
    assert first.get_bytes("k") == b"v2"
    assert first.info("k").sha256 == hashlib.sha256(b"v2").hexdigest()


# ---- open_store -------------------------------------------------------------------------


def test_open_store_local_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert open_store(f"file://{tmp_path}/a").root == tmp_path / "a"  # type: ignore[attr-defined]
    assert open_store(str(tmp_path / "b")).root == tmp_path / "b"  # type: ignore[attr-defined]
    monkeypatch.chdir(tmp_path)
    assert open_store("rel").root == tmp_path / "rel"  # type: ignore[attr-defined]
    assert (tmp_path / "rel").is_dir()


@pytest.mark.parametrize(
    ("url", "options", "problem"),
    [
        ("", {}, "empty"),
        ("file://host/x", {}, "remote host"),
        ("file://relative", {}, "remote host"),
        ("ftp://x/y", {}, "unsupported"),
        ("s3://Bad_Bucket/p", {}, "bucket name"),
        ("s3://bucket/../p", {}, "'..'"),
        ("s3://bucket/p", {"part_size": 1024}, "part size"),
        ("/tmp/x", {"endpoint_url": "http://x"}, "unknown option"),
    ],
)
def test_open_store_rejects_bad_urls_and_options(
    url: str, options: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidInputError, match=problem):
        open_store(url, **options)


def test_importing_the_store_does_not_load_boto3() -> None:
    code = "import sys, talkinghead.store; print('boto3' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO_ROOT, check=True)
    assert result.stdout.strip() == "False"
