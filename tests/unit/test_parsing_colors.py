"""Parsing PNGs: round trip, exactly four colours, and byte-compatibility with how
AD-NeRF / GaussianTalker write (cv2.imwrite of their colour array) and read them (cv2.imread
and per-channel tests, transcribed below from their process.py / dataset readers)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from talkinghead.errors import InvalidInputError, NotFoundError
from talkinghead.parsing import (
    BACKGROUND,
    HEAD,
    NECK,
    TORSO,
    labels_to_parsing_png,
    parsing_png_to_labels,
    read_parsing_png,
    write_parsing_png,
)
from talkinghead.parsing.bisenet import classes_to_regions


@pytest.fixture
def labels() -> np.ndarray:
    rng = np.random.default_rng(0)
    lab = rng.integers(0, 4, (48, 64)).astype(np.uint8)
    lab[:4] = BACKGROUND  # blocks of each label too, not only noise
    lab[4:10, :16] = HEAD
    return lab


def test_round_trip_through_a_file(tmp_path, labels: np.ndarray) -> None:
    path = tmp_path / "0.png"
    write_parsing_png(path, labels)
    assert np.array_equal(read_parsing_png(path), labels)
    assert np.array_equal(parsing_png_to_labels(labels_to_parsing_png(labels)), labels)


def test_exactly_the_four_colours(tmp_path, labels: np.ndarray) -> None:
    path = tmp_path / "0.png"
    write_parsing_png(path, labels)
    rgb = np.asarray(Image.open(path).convert("RGB"))  # an independent decoder
    colours = {tuple(c) for c in rgb.reshape(-1, 3).tolist()}
    # In RGB the tools' files show the head blue and the torso red (they write BGR arrays).
    assert colours == {(255, 255, 255), (0, 0, 255), (0, 255, 0), (255, 0, 0)}
    assert tuple(rgb[labels == HEAD][0]) == (0, 0, 255)
    assert tuple(rgb[labels == TORSO][0]) == (255, 0, 0)


def test_gaussiantalker_reader_sees_our_regions(tmp_path, labels: np.ndarray) -> None:
    path = tmp_path / "0.png"
    write_parsing_png(path, labels)
    seg = cv2.imread(str(path))
    # Their tests, verbatim in meaning (process.py extract_torso_and_gt):
    head_part = (seg[..., 0] == 255) & (seg[..., 1] == 0) & (seg[..., 2] == 0)
    neck_part = (seg[..., 0] == 0) & (seg[..., 1] == 255) & (seg[..., 2] == 0)
    torso_part = (seg[..., 0] == 0) & (seg[..., 1] == 0) & (seg[..., 2] == 255)
    bg_part = (seg[..., 0] == 255) & (seg[..., 1] == 255) & (seg[..., 2] == 255)
    assert np.array_equal(head_part, labels == HEAD)
    assert np.array_equal(neck_part, labels == NECK)
    assert np.array_equal(torso_part, labels == TORSO)
    assert np.array_equal(bg_part, labels == BACKGROUND)


def test_we_read_a_file_their_face_parsing_script_writes(tmp_path) -> None:
    # Their vis_parsing_maps: white canvas, classes 1..13 -> [255,0,0], 14..15 -> [0,255,0],
    # 16 -> [0,0,255], 17..18 -> [255,0,0]; saved with cv2.imwrite.
    classes = np.arange(19, dtype=np.uint8).repeat(4)[None].repeat(3, 0)
    canvas = np.zeros(classes.shape + (3,)) + np.array([255, 255, 255])
    for pi in range(1, 14):
        canvas[classes == pi] = [255, 0, 0]
    for pi in range(14, 16):
        canvas[classes == pi] = [0, 255, 0]
    canvas[classes == 16] = [0, 0, 255]
    for pi in range(17, 19):
        canvas[classes == pi] = [255, 0, 0]
    path = tmp_path / "theirs.png"
    cv2.imwrite(str(path), canvas.astype(np.uint8))
    ours = read_parsing_png(path)
    expected = np.zeros_like(classes)
    expected[(classes >= 1) & (classes <= 13)] = HEAD
    expected[(classes == 14) | (classes == 15)] = NECK
    expected[classes == 16] = TORSO
    expected[classes >= 17] = HEAD
    assert np.array_equal(ours, expected)
    # And the BiSeNet class mapping agrees with their script class by class.
    assert np.array_equal(classes_to_regions(classes), expected)


def test_bad_parsing_inputs(tmp_path) -> None:
    with pytest.raises(InvalidInputError, match="0..3"):
        labels_to_parsing_png(np.full((4, 4), 7, np.uint8))
    with pytest.raises(InvalidInputError, match="uint8"):
        labels_to_parsing_png(np.zeros((4, 4), np.int64))
    odd = labels_to_parsing_png(np.zeros((4, 4), np.uint8))
    odd[2, 3] = (128, 128, 128)  # e.g. a JPEG-damaged or foreign-coloured parsing
    with pytest.raises(InvalidInputError, match="x=3, y=2"):
        parsing_png_to_labels(odd)
    with pytest.raises(NotFoundError):
        read_parsing_png(tmp_path / "missing.png")
    (tmp_path / "junk.png").write_bytes(b"not a png")
    with pytest.raises(InvalidInputError, match="decoded"):
        read_parsing_png(tmp_path / "junk.png")
