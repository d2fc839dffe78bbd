"""Synthetic landmark clips with exact ground truth, for checking the tracker's geometry
without a landmark detector in the loop: a person's 3D landmarks (the mean face, stretched
per axis and perturbed per point), a jaw that opens and closes, smooth head motion, one
pinhole camera, Gaussian pixel noise. The conventions are those of `params.py`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from talkinghead.face.mean_face import MEAN_FACE_68

JAW_POINTS = list(range(4, 13)) + [55, 56, 57, 58, 59, 65, 66, 67]


@dataclass(frozen=True)
class SyntheticClip:
    landmarks: np.ndarray  # (N, 68, 2) noisy pixels
    clean: np.ndarray  # (N, 68, 2) exact projections
    rotation: np.ndarray  # (N, 3, 3) head -> camera
    translation: np.ndarray  # (N, 3) mm
    shape: np.ndarray  # (68, 3) the person's neutral landmarks
    mouth: np.ndarray  # (N,) jaw opening 0..1
    focal: float
    size: int  # square frames


def synthetic_clip(frames: int = 300, focal: float = 700.0, size: int = 512,
                   yaw_deg: float = 25.0, pitch_deg: float = 12.0, roll_deg: float = 5.0,
                   depth_change: float = 0.2, distance_mm: float = 600.0,
                   noise_px: float = 0.7, seed: int = 0, still: bool = False,
                   fps: float = 25.0) -> SyntheticClip:
    """Head turning sinusoidally by up to the given angles and moving in depth by
    +-depth_change x distance (nothing when `still`); mouth opening at ~3 Hz."""
    rng = np.random.default_rng(seed)
    shape = MEAN_FACE_68 * rng.uniform(0.9, 1.1, 3) + rng.normal(0.0, 2.0, (68, 3))
    jaw = np.zeros((68, 3))
    jaw[JAW_POINTS, 1] = 8.0
    t = np.arange(frames) / fps
    if still:
        euler = np.zeros((frames, 3))
        offset = np.zeros((frames, 3))
    else:
        euler = np.stack([pitch_deg * np.sin(2 * np.pi * 0.13 * t),
                          yaw_deg * np.sin(2 * np.pi * 0.09 * t + 1.0),
                          roll_deg * np.sin(2 * np.pi * 0.21 * t)], axis=1)
        offset = np.stack([20.0 * np.sin(2 * np.pi * 0.07 * t),
                           10.0 * np.sin(2 * np.pi * 0.11 * t),
                           depth_change * distance_mm * np.sin(2 * np.pi * 0.05 * t + 0.5)],
                          axis=1)
    rotation = Rotation.from_euler("xyz", euler, degrees=True).as_matrix()
    translation = offset + np.array([0.0, 0.0, distance_mm])
    mouth = np.clip(0.5 * np.sin(2 * np.pi * 3.0 * t) + 0.3, 0.0, 1.0)
    points = shape[None] + mouth[:, None, None] * jaw[None]
    cam = np.einsum("nij,npj->npi", rotation, points) + translation[:, None]
    c = (size - 1) / 2.0
    clean = np.stack([focal * cam[..., 0] / cam[..., 2] + c,
                      focal * cam[..., 1] / cam[..., 2] + c], axis=-1)
    noisy = clean + rng.normal(0.0, noise_px, clean.shape)
    return SyntheticClip(noisy, clean, rotation, translation, shape, mouth, focal, size)
