"""Client-named model paths stay inside the server's models directory."""

from __future__ import annotations

import os

import pytest

from talkinghead.errors import InvalidInputError, NotFoundError
from talkinghead.model_paths import resolve_model_path


@pytest.fixture
def models(tmp_path):
    root = tmp_path / "models"
    (root / "speech" / "tiny").mkdir(parents=True)
    (root / "parsing.pth").write_bytes(b"x")
    (tmp_path / "secret").mkdir()
    os.symlink(tmp_path / "secret", root / "escape")
    return root


def test_names_inside_resolve(models):
    assert resolve_model_path("speech/tiny", models) == str(models / "speech" / "tiny")
    assert resolve_model_path("parsing.pth", models) == str(models / "parsing.pth")


@pytest.mark.parametrize(
    "name", ["../secret", "speech/../../secret", "/etc/passwd", "a\x00b", "speech\\tiny",
             "", "escape"],
)
def test_escapes_are_refused(models, name):
    with pytest.raises(InvalidInputError):
        resolve_model_path(name, models)


def test_missing_model_is_not_found(models):
    with pytest.raises(NotFoundError, match="no model 'nope'"):
        resolve_model_path("nope", models)
