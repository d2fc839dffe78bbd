"""The generated sample against independent measurements: the mp4 is decoded with PyAV,
landmarks are re-detected with dlib (HOG detector + 68-point predictor), energy is computed
from the saved wav, and masks are compared with the decoded pixels."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import av
import cv2
import dlib
import numpy as np
import pytest

from talkinghead.sample import generate_sample
from talkinghead.sample.photo import dlib_model_path

SECONDS, FPS, SEED = 6.0, 25, 3


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    info = generate_sample(out, seconds=SECONDS, fps=FPS, seed=SEED)
    gt = dict(np.load(info.ground_truth))
    with np.load(info.masks) as m:
        labels = m["labels"]
    frames = decode_frames(info.video)
    return info, gt, labels, frames


@pytest.fixture(scope="module")
def dlib_models():
    return dlib.get_frontal_face_detector(), dlib.shape_predictor(str(dlib_model_path()))


def decode_frames(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def detect(models, rgb: np.ndarray) -> np.ndarray:
    detector, predictor = models
    rects, scores, _ = detector.run(rgb, 1, 0.0)
    assert len(rects) > 0, "dlib found no face in a generated frame"
    shape = predictor(rgb, rects[int(np.argmax(scores))])
    return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)


def eye_aspect_ratio(lm: np.ndarray) -> float:
    def one(e):
        return (np.linalg.norm(e[1] - e[5]) + np.linalg.norm(e[2] - e[4])) / (
            2 * np.linalg.norm(e[0] - e[3]))

    return 0.5 * (one(lm[36:42]) + one(lm[42:48]))


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return data.astype(np.float64) / 32768.0, w.getframerate()


def test_files_and_layout(sample):
    info, gt, labels, frames = sample
    n = int(round(SECONDS * FPS))
    assert info.n_frames == n
    assert frames.shape == (n, 512, 512, 3)
    assert labels.shape == (n, 512, 512) and labels.dtype == np.uint8
    assert set(np.unique(labels)) == {0, 1, 2, 3}
    assert np.all((labels[:, -1] == 3).any(axis=1))  # the torso always reaches the bottom
    audio, rate = read_wav(info.audio)
    assert rate == 16000 and len(audio) == int(SECONDS * 16000)
    with av.open(str(info.video)) as c:
        assert c.streams.audio[0].codec_context.name == "aac"
        assert abs(float(c.streams.video[0].average_rate) - FPS) < 1e-6
    summary = json.loads(info.summary.read_text())
    assert summary["meta"]["seed"] == SEED and summary["meta"]["size"] == [512, 512]
    assert summary["meta"]["timing_source"] == "espeak-ng events"
    assert len(summary["frames"]) == n and summary["words"][0]["word"] == "Hello"
    cam = summary["camera"]
    assert (cam["cx"], cam["cy"]) == (256.0, 256.0) and 1.2 * 512 <= cam["fx"] <= 1.5 * 512
    assert np.allclose(gt["camera_matrix"], [[cam["fx"], 0, 256], [0, cam["fy"], 256], [0, 0, 1]])
    plate = cv2.imread(str(info.background))
    assert plate.shape == (512, 512, 3)


def test_dlib_landmarks_match_ground_truth(sample, dlib_models):
    """Landmarks detected independently on the decoded frames lie on the saved ones, also in
    the frames with the widest mouth opening and in blink frames."""
    _, gt, _, frames = sample
    n = len(frames)
    chosen = set(np.argsort(-gt["mouth_open"])[:6]) | set(np.argsort(-gt["blink"])[:2])
    chosen |= set(np.linspace(0, n - 1, 10).astype(int))
    errors = []
    for i in sorted(chosen):
        err = np.linalg.norm(detect(dlib_models, frames[i]) - gt["landmarks"][i], axis=1)
        errors.append(err.mean())
        assert err.mean() <= 3.0, f"frame {i}: mean landmark error {err.mean():.2f} px"
    assert np.mean(errors) <= 2.0
    assert gt["mouth_open_px"][sorted(chosen)].max() > 8.0  # open mouths were among them


def test_mouth_opening_seen_by_dlib_follows_ground_truth(sample, dlib_models):
    _, gt, _, frames = sample
    idx = np.linspace(0, len(frames) - 1, 30).astype(int)
    measured = []
    for i in idx:
        lm = detect(dlib_models, frames[i])
        measured.append(np.mean([np.linalg.norm(lm[a] - lm[b]) for a, b in
                                 ((61, 67), (62, 66), (63, 65))]))
    r = np.corrcoef(measured, gt["mouth_open_px"][idx])[0, 1]
    assert r > 0.9, r


def test_blinks_close_the_eyes_in_the_pixels(sample, dlib_models):
    """Eye aspect ratio measured by dlib on the frames is much lower at full blinks."""
    _, gt, _, frames = sample
    blink = gt["blink"]
    closed = np.flatnonzero(blink >= 0.9)
    assert len(closed) >= 1, "the clip has no full blink"
    open_ = np.flatnonzero(blink == 0.0)[::15]
    ear_closed = [eye_aspect_ratio(detect(dlib_models, frames[i])) for i in closed]
    ear_open = [eye_aspect_ratio(detect(dlib_models, frames[i])) for i in open_]
    assert max(ear_closed) < 0.6 * min(ear_open), (ear_closed, ear_open)
    # Over all blinking frames (closing, closed, opening, partial) and some open ones, the
    # measured eye opening falls as the blink amount rises.
    chosen = np.concatenate([np.flatnonzero(blink > 0.05), open_])
    ear = [eye_aspect_ratio(detect(dlib_models, frames[i])) for i in chosen]
    assert np.corrcoef(blink[chosen], ear)[0, 1] < -0.8


def test_mouth_opening_follows_speech_energy(sample):
    """Pearson r between the saved inner-lip opening and the short-time RMS of the saved
    audio, per video frame. The mouth also depends on which phoneme is spoken (a loud /m/ is
    closed, a quiet /a/ open), so r is well below 1: measured 0.66-0.76 on 4-30 s clips;
    0.5 leaves margin while a mouth unrelated to the audio gives |r| ~ 0."""
    info, gt, _, _ = sample
    audio, rate = read_wav(info.audio)
    hop = rate // FPS
    n = len(gt["mouth_open_px"])
    rms = np.sqrt([np.mean(audio[i * hop:(i + 1) * hop] ** 2) for i in range(n)])
    r = np.corrcoef(gt["mouth_open_px"], rms)[0, 1]
    assert r >= 0.5, r
    # Closed in silence (frames whose neighbours are silent too: the mouth anticipates speech).
    quiet = rms < 0.01 * rms.max()
    silent = quiet & (np.convolve(quiet, np.ones(5), "same") == 5)
    assert silent.sum() >= 5 and gt["mouth_open_px"][silent].max() < 1.0


def test_background_pixels_equal_the_plate(sample):
    """Far from the person (label 0, >= 6 px from any person label) a frame equals the
    saved background plate up to video compression; on the person it does not."""
    info, _, labels, frames = sample
    plate = cv2.imread(str(info.background))[:, :, ::-1].astype(np.float64)
    for i in (0, len(frames) // 2, len(frames) - 1):
        person = (labels[i] > 0).astype(np.uint8)
        far = cv2.distanceTransform(1 - person, cv2.DIST_L2, 5) >= 6
        diff = np.abs(frames[i].astype(np.float64) - plate).mean(axis=2)
        assert diff[far].mean() < 2.0, diff[far].mean()
        assert diff[labels[i] == 1].mean() > 20.0  # the plate has no face


def test_torso_mask_edge_is_the_colour_edge(sample):
    """Along her right shoulder (image right), the orange suit meets the grey backdrop; in
    every row the mask's torso/background boundary is within 2 px of that colour edge."""
    _, _, labels, frames = sample
    for i in (0, len(frames) // 2):
        rgb = frames[i].astype(np.float64)
        orange = (rgb[..., 0] - rgb[..., 2]) > 60  # suit: R >> B; backdrop: grey
        for y in range(255, 300, 5):
            xs = np.arange(300, 380)
            edge_colour = xs[np.flatnonzero(orange[y, xs])[-1]]
            edge_mask = xs[np.flatnonzero(labels[i, y, xs] == 3)[-1]]
            assert abs(int(edge_colour) - int(edge_mask)) <= 2, (i, y, edge_colour, edge_mask)


def test_head_mask_moves_with_the_head(sample):
    _, gt, labels, _ = sample
    ys, xs = np.mgrid[0:512, 0:512]
    mask_c, lm_c = [], []
    for i in range(0, len(labels), 3):
        head = labels[i] == 1
        mask_c.append([xs[head].mean(), ys[head].mean()])
        lm_c.append(gt["landmarks"][i][:27].mean(axis=0))  # jaw + brows: not the mouth
    mask_c, lm_c = np.array(mask_c), np.array(lm_c)
    d_mask, d_lm = mask_c - mask_c[0], lm_c - lm_c[0]
    assert np.ptp(d_lm[:, 0]) > 3.0  # the head did move
    for axis in (0, 1):
        assert np.corrcoef(d_mask[:, axis], d_lm[:, axis])[0, 1] > 0.9
    assert np.abs(d_mask - d_lm).max() < 2.0


def test_pose_reprojects_to_the_saved_landmarks(sample):
    """project(K, R, t, landmarks_3d) reproduces the saved 2D landmarks, and the rotation's
    matrix, axis-angle and Euler forms agree (recomputed with OpenCV, not scipy)."""
    _, gt, _, _ = sample
    k = gt["camera_matrix"]
    for i in range(0, len(gt["landmarks"]), 7):
        rvec = gt["rotation_axis_angle"][i]
        r = cv2.Rodrigues(rvec)[0]
        assert np.allclose(r, gt["rotation_matrix"][i], atol=1e-9)
        pitch, yaw, roll = np.deg2rad(gt["rotation_euler_deg"][i])
        rx = cv2.Rodrigues(np.array([pitch, 0.0, 0.0]))[0]
        ry = cv2.Rodrigues(np.array([0.0, yaw, 0.0]))[0]
        rz = cv2.Rodrigues(np.array([0.0, 0.0, roll]))[0]
        assert np.allclose(rz @ ry @ rx, r, atol=1e-9)
        projected, _ = cv2.projectPoints(gt["landmarks_3d"][i].astype(np.float64), rvec,
                                         gt["translation"][i], k, None)
        assert np.abs(projected[:, 0] - gt["landmarks"][i]).max() < 1e-3
    # Rotations stay within a few degrees of the photo's pose, translations small.
    assert np.abs(gt["motion_euler_deg"]).max() <= 6.0
    assert np.abs(gt["motion_euler_deg"]).max() >= 1.0
    assert np.abs(gt["motion_translation"]).max() <= 12.0


def test_still_segments_are_still_in_the_pixels(sample):
    """Within a still segment, consecutive frames differ in the head region only around the
    mouth, jaw and eyes (and by codec noise); while the head moves they differ much more."""
    _, gt, labels, frames = sample
    still = gt["still"]
    pairs_still = [i for i in range(1, len(still)) if still[i] and still[i - 1]]
    pairs_moving = [i for i in range(1, len(still)) if not still[i] and not still[i - 1]
                    and np.abs(gt["motion_euler_deg"][i] - gt["motion_euler_deg"][i - 1]).max()
                    > 0.1]
    assert len(pairs_still) >= 10 and len(pairs_moving) >= 10

    def rigid_region(i):
        head = (labels[i] == 1) & (labels[i - 1] == 1)
        moving = np.zeros((512, 512), np.uint8)
        for lm in (gt["landmarks"][i], gt["landmarks"][i - 1]):
            for part in (lm[2:15], lm[48:68], lm[17:27], lm[36:42], lm[42:48]):
                cv2.fillConvexPoly(moving, cv2.convexHull(np.round(part).astype(np.int32)), 1)
            cv2.fillConvexPoly(moving, cv2.convexHull(
                np.round(np.concatenate([lm[2:15], lm[31:36]])).astype(np.int32)), 1)
        moving = cv2.dilate(moving, np.ones((13, 13), np.uint8))
        return head & (moving == 0)

    def diff(i):
        region = rigid_region(i)
        assert region.sum() > 2000
        d = np.abs(frames[i].astype(np.float64) - frames[i - 1].astype(np.float64)).mean(axis=2)
        return d[region].mean()

    d_still = np.mean([diff(i) for i in pairs_still])
    d_moving = np.mean([diff(i) for i in pairs_moving])
    assert d_still < 1.0, d_still
    assert d_moving > 5 * d_still, (d_still, d_moving)
    # The ground truth of still frames is exactly constant.
    i = pairs_still[0]
    assert np.array_equal(gt["rotation_matrix"][i], gt["rotation_matrix"][i - 1])
    assert np.array_equal(gt["translation"][i], gt["translation"][i - 1])
