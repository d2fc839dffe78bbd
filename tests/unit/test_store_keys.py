"""Artifact keys and ids from clients: every way out of the store is refused with an
InvalidInputError naming the problem, and a refused key creates nothing on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from talkinghead.errors import InvalidInputError
from talkinghead.store import LocalStore, join_key, validate_id, validate_key

BAD_KEYS = [
    ("../x", "'..' path segment"),
    ("a/../../b", "'..' path segment"),
    ("/etc/passwd", "absolute path"),
    ("a\x00b", "NUL byte"),
    ("a\\b", "backslash"),
    ("..\\..\\windows", "backslash"),
    ("", "is empty"),
    ("x" * 513, "limit is 512"),
    ("a/" + "y" * 256, "longer than 255"),
    (".", "'.' path segment"),
    ("a/./b", "'.' path segment"),
    ("a//b", "empty path segment"),
    ("a/", "empty path segment"),
    (".records/x", "reserved for the store"),
    ("a/.tmp", "reserved for the store"),
    ("a b", "character ' '"),
    ("C:x", "character ':'"),
    ("caf\u00e9", "character"),
    ("a/\u2025/b", "character"),  # a one-glyph '..' lookalike
    ("a\nb", "character"),
    ("~/x", "character '~'"),
]

GOOD_KEYS = [
    "a",
    "datasets/abc/ori_imgs/0.jpg",
    "videos/v-1/input.mp4",
    "A-b_c.d/e..f",  # dots inside a name are fine
    "x" * 255,
    "y" * 200 + "/" + "z" * 200 + "/" + "w" * 110,  # exactly the 512-character limit
]


@pytest.mark.parametrize(("key", "problem"), BAD_KEYS)
def test_bad_keys_are_rejected_naming_the_problem(key: str, problem: str) -> None:
    with pytest.raises(InvalidInputError, match="artifact key") as caught:
        validate_key(key)
    assert problem in str(caught.value)


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_normal_keys_are_accepted_unchanged(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize("value", [None, b"a/b", 3])
def test_non_string_keys_are_rejected(value: object) -> None:
    with pytest.raises(InvalidInputError, match="must be a string"):
        validate_key(value)  # type: ignore[arg-type]


def test_messages_stay_short_for_huge_input() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_key("../" + "x" * 100_000)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize(
    ("value", "problem"),
    [("a/b", "one segment"), ("..", "'..'"), ("", "is empty"), ("x" * 129, "limit is 128"),
     ("a\x00", "NUL"), (".hidden", "reserved"), ("a b", "character")],
)
def test_bad_ids_are_rejected_naming_what_they_are(value: str, problem: str) -> None:
    with pytest.raises(InvalidInputError, match="dataset id") as caught:
        validate_id(value, "dataset id")
    assert problem in str(caught.value)


def test_normal_ids_are_accepted() -> None:
    assert validate_id("avatar-01_v2.1", "avatar id") == "avatar-01_v2.1"


def test_join_key_validates_the_result() -> None:
    assert join_key("datasets", "", "abc", "aud.wav") == "datasets/abc/aud.wav"
    with pytest.raises(InvalidInputError):
        join_key("datasets", "..", "x")


def _snapshot(root: Path) -> dict[str, float]:
    return {str(path): path.stat().st_mtime for path in root.rglob("*")}


@pytest.mark.parametrize(("key", "problem"), BAD_KEYS)
def test_rejected_keys_create_nothing_inside_or_outside_the_store(
    tmp_path: Path, key: str, problem: str
) -> None:
    store = LocalStore(tmp_path / "sandbox" / "store")
    source = tmp_path / "sandbox" / "source.bin"
    source.write_bytes(b"payload")
    tree = tmp_path / "sandbox" / "tree"
    tree.mkdir()
    (tree / "f").write_bytes(b"f")
    before = _snapshot(tmp_path)
    outside = [tmp_path / "sandbox" / "x", tmp_path / "b", tmp_path.parent / "b"]
    assert not any(path.exists() for path in outside)

    calls = [
        lambda: store.put_bytes(key, b"payload", "video"),
        lambda: store.put_file(key, source, "video"),
        lambda: store.open_write(key, "video").__enter__(),
        lambda: store.get_file(key, tmp_path / "sandbox" / "dest" / "f"),
        lambda: store.put_tree(key, tree, "dataset"),
        lambda: store.get_tree(key, tmp_path / "sandbox" / "fetched"),
        lambda: store.delete(key),
        lambda: store.local_path(key),
    ]
    for call in calls:
        with pytest.raises(InvalidInputError):
            call()
    assert _snapshot(tmp_path) == before
    assert not any(path.exists() for path in outside)
    assert os.listdir(store.root / ".tmp") == []
