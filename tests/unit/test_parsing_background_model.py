"""The background model: saved and loaded intact, bounded key-frame buffer, clear errors,
and a plate that matches the synthetic scene's true background where it was uncovered."""

from __future__ import annotations

import numpy as np
import pytest

from talkinghead.errors import InvalidInputError, NotFoundError
from talkinghead.parsing import BackgroundModel
from tests.unit.test_parsing_synthetic import Scene, make_scene


@pytest.fixture(scope="module")
def scene() -> Scene:
    return make_scene(n=40)


@pytest.fixture(scope="module")
def model(scene: Scene) -> BackgroundModel:
    return BackgroundModel.fit(zip(scene.frames[::2], scene.landmarks[::2], strict=True))


def test_save_and_load_round_trip(tmp_path, model: BackgroundModel) -> None:
    path = tmp_path / "background_model.npz"
    model.save(path)
    back = BackgroundModel.load(path)
    for name in ("median", "plate", "known", "static_person", "noise"):
        assert np.array_equal(getattr(back, name), getattr(model, name)), name
    assert back.frames == model.frames


def test_known_plate_matches_the_true_background(scene: Scene, model: BackgroundModel) -> None:
    truly_uncovered = np.any([lab == 0 for lab in scene.labels], axis=0)
    where = model.known & truly_uncovered
    assert where.mean() > 0.5
    err = model.plate[where].astype(float) - scene.background[where]
    assert 10 * np.log10(255**2 / np.mean(err**2)) >= 35.0
    # The always-person area lies inside the truly never-uncovered one.
    assert not np.any(model.static_person & truly_uncovered)


def test_many_key_frames_are_decimated(scene: Scene) -> None:
    model = BackgroundModel.fit(
        zip(scene.frames, scene.landmarks, strict=True), max_frames=8, grabcut_frames=3
    )
    assert 4 <= model.frames <= 8


def test_errors(tmp_path, scene: Scene) -> None:
    with pytest.raises(NotFoundError):
        BackgroundModel.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "wrong.npz", median=np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(InvalidInputError, match="unreadable"):
        BackgroundModel.load(tmp_path / "wrong.npz")
    with pytest.raises(InvalidInputError, match="differs"):
        BackgroundModel.fit(
            [(scene.frames[0], scene.landmarks[0]), (scene.frames[1][:100], scene.landmarks[1])]
        )
    with pytest.raises(InvalidInputError, match="uint8"):
        BackgroundModel.fit([(scene.frames[0].astype(np.float32), scene.landmarks[0])] * 2)
