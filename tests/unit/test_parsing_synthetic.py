"""Parsing on synthetic scenes with exact known masks: a textured static background, a
static torso, a neck and a moving disc head (skin face, dark hair cap) whose 68 landmarks
are placed on the disc. The ground truth is drawn here, independently of the parser.
`make_scene` is also used by the background-plate tests."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pytest

from talkinghead.errors import InvalidInputError
from talkinghead.parsing import (
    BACKGROUND,
    HEAD,
    NECK,
    TORSO,
    BackgroundModel,
    FrameParser,
    parse_frame,
)


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int) -> list[tuple[float, float]]:
    t = np.linspace(np.pi, -np.pi, n, endpoint=False)
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in t]


def disc_landmarks(cx: float, cy: float, r: float) -> np.ndarray:
    """68 iBUG landmarks laid out on a disc face of radius r (jaw on its lower rim)."""
    pts: list[tuple[float, float]] = []
    # Jaw 0..16: from just above the left equator, round the bottom, to the right.
    for a in np.linspace(np.pi + 0.1, -0.1, 17):
        pts.append((cx + r * np.cos(a), cy + r * np.sin(a)))
    for x in np.linspace(cx - 0.7 * r, cx - 0.15 * r, 5):  # left brow 17..21
        pts.append((x, cy - 0.35 * r - 0.05 * r * np.cos((x - cx + 0.45 * r) / (0.3 * r))))
    for x in np.linspace(cx + 0.15 * r, cx + 0.7 * r, 5):  # right brow 22..26
        pts.append((x, cy - 0.35 * r - 0.05 * r * np.cos((x - cx - 0.45 * r) / (0.3 * r))))
    for y in np.linspace(cy - 0.3 * r, cy + 0.1 * r, 4):  # nose bridge 27..30
        pts.append((cx, y))
    for x in np.linspace(cx - 0.2 * r, cx + 0.2 * r, 5):  # nose bottom 31..35
        pts.append((x, cy + 0.2 * r))
    pts += _ellipse(cx - 0.4 * r, cy - 0.18 * r, 0.15 * r, 0.06 * r, 6)  # eyes 36..47
    pts += _ellipse(cx + 0.4 * r, cy - 0.18 * r, 0.15 * r, 0.06 * r, 6)
    pts += _ellipse(cx, cy + 0.5 * r, 0.35 * r, 0.12 * r, 12)  # mouth 48..67
    pts += _ellipse(cx, cy + 0.5 * r, 0.25 * r, 0.05 * r, 8)
    return np.array(pts, np.float64)


def _texture(rng: np.random.Generator, h: int, w: int, cells: int, lo: int, hi: int) -> np.ndarray:
    """Smooth colour noise: random cells upsampled bicubically."""
    small = rng.uniform(lo, hi, (cells, cells, 3)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


@dataclass
class Scene:
    frames: list[np.ndarray]  # RGB uint8
    labels: list[np.ndarray]  # ground truth 0..3
    landmarks: list[np.ndarray]
    background: np.ndarray  # the true plate


def make_scene(n: int = 60, size: int = 256, seed: int = 0, noise: float = 2.0) -> Scene:
    """A static-camera clip of n frames with exact labels and the true background."""
    rng = np.random.default_rng(seed)
    h = w = size
    # A room: a warm grey wall with soft colour variation and fine detail, and a few
    # flat-coloured objects in the upper corners (shelves, frames).
    grey = _texture(rng, h, w, 5, 90, 190).mean(axis=2, keepdims=True)
    bg = 0.6 * grey + 0.4 * _texture(rng, h, w, 5, 70, 210) + _texture(rng, h, w, 40, -12, 12)
    for _ in range(5):
        x0 = int(rng.choice([rng.integers(0, w // 4), rng.integers(3 * w // 4 - 20, w - 30)]))
        y0 = int(rng.integers(0, h // 2))
        extent = rng.integers(12, 40, 2)
        color = rng.uniform(40, 230, 3).tolist()
        cv2.rectangle(bg, (x0, y0), (x0 + int(extent[0]), y0 + int(extent[1])), color, -1)
    bg = np.clip(bg, 0, 255)
    cloth = np.clip(np.array([50, 70, 150], np.float32) + _texture(rng, h, w, 24, -20, 20), 0, 255)
    stripes = (np.arange(w)[None, :] // 9) % 2 == 0
    cloth[:, stripes[0]] *= 0.8
    skin = np.clip(np.array([205, 150, 120], np.float32) + _texture(rng, h, w, 16, -12, 12), 0, 255)
    hair = np.clip(np.array([85, 55, 35], np.float32) + _texture(rng, h, w, 48, -15, 15), 0, 255)

    s = size / 256.0
    r = 34 * s
    torso = np.array([[60, 200], [196, 200], [226, 256], [30, 256]], np.float64) * s
    frames, labels, lms_list = [], [], []
    for t in range(n):
        cx = 128 * s + 14 * s * np.sin(2 * np.pi * t / 40)
        cy = 112 * s + 5 * s * np.sin(2 * np.pi * t / 27)
        lab = np.zeros((h, w), np.uint8)
        cv2.fillPoly(lab, [np.rint(torso * 16).astype(np.int32)], TORSO, shift=4)
        neck = np.array(
            [
                [cx - 0.45 * r, cy + 0.6 * r],
                [cx + 0.45 * r, cy + 0.6 * r],
                [cx / 2 + 82 * s, 205 * s],
                [cx / 2 + 46 * s, 205 * s],
            ]
        )
        cv2.fillPoly(lab, [np.rint(neck * 16).astype(np.int32)], NECK, shift=4)
        cv2.circle(
            lab, (int(round(cx * 16)), int(round(cy * 16))), int(round(r * 16)), HEAD, -1, shift=4
        )
        img = bg.copy()
        img[lab == TORSO] = cloth[lab == TORSO]
        img[lab == NECK] = skin[lab == NECK] * 0.85
        img[lab == HEAD] = skin[lab == HEAD]
        yy, xx = np.mgrid[0:h, 0:w]
        cap = (lab == HEAD) & (yy < cy - 0.55 * r + 0.15 * r * np.cos((xx - cx) / r * 2.0))
        img[cap] = hair[cap]
        lms = disc_landmarks(cx, cy, r)
        for a, b in ((36, 42), (42, 48)):  # eyes and mouth, dark, inside the face
            cv2.fillPoly(img, [np.rint(lms[a:b] * 16).astype(np.int32)], (40, 30, 30), shift=4)
        cv2.fillPoly(img, [np.rint(lms[48:60] * 16).astype(np.int32)], (150, 60, 60), shift=4)
        img = img + rng.normal(0, noise, img.shape)
        frames.append(np.clip(np.rint(img), 0, 255).astype(np.uint8))
        labels.append(lab)
        lms_list.append(lms)
    return Scene(frames, labels, lms_list, np.clip(np.rint(bg), 0, 255).astype(np.uint8))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


@pytest.fixture(scope="module")
def scene() -> Scene:
    return make_scene()


@pytest.fixture(scope="module")
def model(scene: Scene) -> BackgroundModel:
    keys = range(0, len(scene.frames), 3)
    return BackgroundModel.fit((scene.frames[i], scene.landmarks[i]) for i in keys)


def test_parsing_matches_exact_synthetic_masks(scene: Scene, model: BackgroundModel) -> None:
    parser = FrameParser(model)
    scores = {"person": [], "head": [], "neck": [], "torso": []}
    for rgb, lms, gt in zip(scene.frames, scene.landmarks, scene.labels, strict=True):
        lab = parser.parse(rgb, lms)
        scores["person"].append(iou(lab > 0, gt > 0))
        for name, k in (("head", HEAD), ("neck", NECK), ("torso", TORSO)):
            scores[name].append(iou(lab == k, gt == k))
    mean = {k: float(np.mean(v)) for k, v in scores.items()}
    print("synthetic IoU means", mean, "worst person", min(scores["person"]))
    assert mean["person"] >= 0.95 and min(scores["person"]) >= 0.9
    assert mean["head"] >= 0.9
    assert mean["torso"] >= 0.85
    assert mean["neck"] >= 0.6


def test_noisy_landmarks_still_parse(scene: Scene, model: BackgroundModel) -> None:
    rng = np.random.default_rng(1)
    heads, persons = [], []
    for rgb, lms, gt in zip(
        scene.frames[::3], scene.landmarks[::3], scene.labels[::3], strict=True
    ):
        lab = parse_frame(rgb, lms + rng.normal(0, 2.0, lms.shape), model)
        heads.append(iou(lab == HEAD, gt == HEAD))
        persons.append(iou(lab > 0, gt > 0))
    assert np.mean(persons) >= 0.93 and np.mean(heads) >= 0.85


def test_frame_without_face_is_person_or_background_only(
    scene: Scene, model: BackgroundModel
) -> None:
    lab = parse_frame(scene.frames[5], None, model)
    gt = scene.labels[5]
    assert set(np.unique(lab)) <= {BACKGROUND, TORSO}
    assert iou(lab > 0, gt > 0) >= 0.85


def test_bad_inputs_are_rejected(scene: Scene, model: BackgroundModel) -> None:
    with pytest.raises(InvalidInputError, match="68x2"):
        parse_frame(scene.frames[0], np.zeros((5, 2)), model)
    with pytest.raises(InvalidInputError, match="differs"):
        parse_frame(np.zeros((10, 10, 3), np.uint8), scene.landmarks[0], model)
    with pytest.raises(InvalidInputError, match="at least 2"):
        BackgroundModel.fit([(scene.frames[0], scene.landmarks[0])])
