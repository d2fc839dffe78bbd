"""The whole preprocess pipeline on a generated talking-head sample, graded against the
generator's ground truth (landmarks, blinks, masks and background plate are made by the
generator independently of the pipeline's code), through the dataset files alone."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from talkinghead.preprocess.options import PreprocessOptions
from talkinghead.preprocess.pipeline import run_pipeline
from talkinghead.sample import generate_sample

SECONDS = 12.0


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("accuracy")
    generate_sample(root / "sample", seconds=SECONDS, size=(512, 512), seed=1)
    run_pipeline(root / "sample" / "video.mp4", root / "ds", PreprocessOptions(workers=2))
    truth = np.load(root / "sample" / "ground_truth.npz")
    masks = np.load(root / "sample" / "masks.npz")["labels"]
    crop = json.loads((root / "ds" / "crop.json").read_text())
    return {"ds": root / "ds", "sample": root / "sample", "truth": truth, "masks": masks,
            "crop": crop, "n": len(truth["landmarks"])}


def _to_crop(points: np.ndarray, crop: dict) -> np.ndarray:
    """Source pixels -> dataset pixels, from the crop record (pixel centres at integers)."""
    scale = crop["out_size"] / crop["side"]
    return (points - [crop["x0"], crop["y0"]] + 0.5) * scale - 0.5


def _crop_labels(labels: np.ndarray, crop: dict) -> np.ndarray:
    x0, y0, side, out = crop["x0"], crop["y0"], crop["side"], crop["out_size"]
    return cv2.resize(labels[y0 : y0 + side, x0 : x0 + side], (out, out),
                      interpolation=cv2.INTER_NEAREST)


def _parsing_labels(path: Path) -> np.ndarray:
    """Decode a parsing PNG the way GaussianTalker does (cv2.imread, BGR channel tests)."""
    seg = cv2.imread(str(path))
    labels = np.zeros(seg.shape[:2], np.uint8)
    labels[(seg[..., 0] == 255) & (seg[..., 1] == 0) & (seg[..., 2] == 0)] = 1  # head
    labels[(seg[..., 0] == 0) & (seg[..., 1] == 255) & (seg[..., 2] == 0)] = 2  # neck
    labels[(seg[..., 0] == 0) & (seg[..., 1] == 0) & (seg[..., 2] == 255)] = 3  # torso
    return labels


def test_every_frame_is_in_the_dataset(run) -> None:
    m = json.loads((run["ds"] / "manifest.json").read_text())
    assert m["frame_count"] == run["n"] == int(SECONDS * 25)
    assert m["faceless_frames"] == []


def test_landmarks_within_3_px_of_ground_truth(run) -> None:
    errors = []
    for i in range(run["n"]):
        ours = np.loadtxt(run["ds"] / "ori_imgs" / f"{i}.lms")
        truth = _to_crop(run["truth"]["landmarks"][i], run["crop"])
        errors.append(np.linalg.norm(ours - truth, axis=1).mean())
    errors = np.array(errors)
    assert errors.mean() <= 3.0, f"mean {errors.mean():.2f} px, worst {errors.max():.2f} px"


def test_blink_detection_f1(run) -> None:
    with open(run["ds"] / "au.csv") as f:
        rows = list(csv.reader(f, skipinitialspace=True))
    au45 = np.array([float(r[rows[0].index("AU45_r")]) for r in rows[1:]])
    # OpenFace's AU45 scale: 0 open .. 5 closed; a frame is a blink at half closure or more.
    ours = au45 >= 2.5
    truth = run["truth"]["blink"] >= 0.5
    assert truth.sum() >= 4, "the sample needs blinks to grade blink detection"
    tp = (ours & truth).sum()
    precision, recall = tp / max(ours.sum(), 1), tp / truth.sum()
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    assert f1 >= 0.9, f"F1 {f1:.3f} (precision {precision:.3f}, recall {recall:.3f})"


def test_parsing_iou_against_ground_truth_masks(run) -> None:
    person, head = [], []
    for i in range(0, run["n"], 3):
        ours = _parsing_labels(run["ds"] / "parsing" / f"{i}.png")
        truth = _crop_labels(run["masks"][i], run["crop"])

        def iou(a, b):
            return (a & b).sum() / max((a | b).sum(), 1)

        person.append(iou(ours > 0, truth > 0))
        head.append(iou(ours == 1, truth == 1))
    assert np.mean(person) >= 0.9, f"person IoU {np.mean(person):.3f}, worst {np.min(person):.3f}"
    assert np.mean(head) >= 0.85, f"head IoU {np.mean(head):.3f}, worst {np.min(head):.3f}"


def test_background_plate_psnr_where_uncovered(run) -> None:
    plate = cv2.imread(str(run["ds"] / "bc.jpg"))[:, :, ::-1].astype(np.float64)
    true_bg = cv2.imread(str(run["sample"] / "background.png"))[:, :, ::-1]
    true_bg = _crop_labels(true_bg, run["crop"]).astype(np.float64)
    uncovered = (run["masks"] == 0).any(axis=0).astype(np.uint8)
    uncovered = _crop_labels(uncovered, run["crop"])
    uncovered = cv2.erode(uncovered, np.ones((5, 5), np.uint8)).astype(bool)
    mse = ((plate - true_bg)[uncovered] ** 2).mean()
    psnr = 10 * np.log10(255**2 / mse)
    assert psnr >= 30.0, f"PSNR {psnr:.1f} dB over {uncovered.sum()} uncovered pixels"
