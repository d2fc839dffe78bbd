"""A static fit of the sample's first frames at low resolution (CPU, torch reference): the
held-out PSNR beats what a flat image or the background plate alone can reach, progress is
reported with loss, PSNR, speed and ETA, and the trained avatar reloads to the same
renders."""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from talkinghead.gaussians import AvatarInitConfig, DensifyStrategy
from talkinghead.progress import Progress, ProgressReporter
from talkinghead.training import FitConfig, fit_static, load_avatar, load_frames
from tests.unit.test_training_sample import sample_track

RESOLUTION = 64
TRAIN_FRAMES = 30
ITERATIONS = 300
# Measured on this sample (64 px, 30 training frames, 300 steps): held-out PSNR ~33 dB;
# a flat image of each frame's mean colour scores ~11 dB and the background plate alone
# ~8 dB. The thresholds leave ~6 dB of room for platform differences while staying far
# above both baselines.
MIN_VAL_PSNR = 27.0
MIN_GAIN_OVER_PLATE = 10.0


def small_config(**overrides) -> FitConfig:
    values = dict(
        iterations=ITERATIONS, resolution=RESOLUTION, device="cpu", backend="torch",
        sh_degree_interval=100, checkpoint_every=100, max_val_frames=10,
        init=AvatarInitConfig(head_points=1000, torso_points=500, max_sh_degree=1),
        strategy=DensifyStrategy(refine_start_iter=100, refine_every=100, reset_every=10_000,
                                 max_gaussians=3000))
    values.update(overrides)
    return FitConfig(**values)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return -10 * math.log10(float(((a - b) ** 2).mean()))


def test_static_fit_beats_flat_and_plate_baselines(tmp_path_factory, tmp_path) -> None:
    dataset, track = sample_track(tmp_path_factory, TRAIN_FRAMES)
    progress: list[Progress] = []
    started = time.monotonic()
    result = fit_static(dataset, tmp_path / "run", small_config(),
                        ProgressReporter(progress.append, min_interval_s=0.0), track=track)
    took = time.monotonic() - started

    data = load_frames(dataset, track, RESOLUTION, "cpu", max_val_frames=10)
    plate = data.background / 255.0
    flat, plate_only = [], []
    for r in data.val_rows:
        img = data.images[r].numpy() / 255.0
        flat.append(_psnr(img, img.mean(axis=(0, 1))))
        plate_only.append(_psnr(img, plate))
    print(f"fit {took:.1f} s: val PSNR {result.val_psnr:.2f} dB (train {result.train_psnr:.2f}),"
          f" flat image {np.mean(flat):.2f} dB, plate alone {np.mean(plate_only):.2f} dB,"
          f" gaussians {result.gaussians}")
    assert result.val_frames == 10 and result.backend == "torch"
    assert result.val_psnr > MIN_VAL_PSNR
    assert result.val_psnr > max(flat) + 10.0
    assert result.val_psnr > np.mean(plate_only) + MIN_GAIN_OVER_PLATE
    assert sum(result.gaussians.values()) > 1500  # densification added some

    coarse = [p for p in progress if p.stage == "coarse"]
    assert [p.done for p in coarse] == list(range(1, ITERATIONS + 1))
    for word in ("loss", "psnr", "it/s", "eta"):
        assert word in coarse[-1].message
    assert progress[-1].stage == "validating" and "held-out PSNR" in progress[-1].message
    losses = [h["loss"] for h in result.history]
    assert np.mean(losses[-30:]) < 0.6 * np.mean(losses[:30])

    avatar = load_avatar(result.avatar_path)
    rows = data.val_rows[:2]
    with torch.no_grad():
        image = avatar.render(data.rotations[rows], data.translations[rows], 1,
                              backend="torch").colors
    target = data.images[rows].float() / 255.0
    assert _psnr(image.clamp(0, 1).numpy(), target.numpy()) > MIN_VAL_PSNR - 1.0
