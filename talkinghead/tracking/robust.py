"""Huber loss on each landmark's reprojection error (the 2D distance, pixels).

Quadratic up to `delta`, linear beyond: a landmark the detector put 15 px off (a jaw point
on the collar, a brow under hair) pulls with the force of a delta-px error instead of
dominating its frame. Minimised by iteratively reweighted least squares: weight 1 inside
delta, delta / error outside."""

from __future__ import annotations

import numpy as np


def huber_cost(error: np.ndarray, delta: float) -> np.ndarray:
    """rho(e) = e^2 for e <= delta, 2 delta e - delta^2 beyond (continuous slope)."""
    return np.where(error <= delta, error**2, 2.0 * delta * error - delta**2)


def huber_weights(error: np.ndarray, delta: float) -> np.ndarray:
    """IRLS weights: rho(e) = w e^2 locally, w = min(1, delta / e)."""
    return np.minimum(1.0, delta / np.maximum(error, 1e-12))
