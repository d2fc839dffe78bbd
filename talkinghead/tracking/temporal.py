"""The temporal terms of the objective and the banded linear algebra they give.

Every frame's parameters x_i = [w (3), t (3), c (K)] are tied to their neighbours by
    accel    * sum_i ||s * (x_{i-1} - 2 x_i + x_{i+1})||^2     (second differences; its own
                                                               weight for expressions)
  + velocity * sum_i ||s * (x_{i+1} - x_i)||^2                 (first differences)
  + ridge    * sum_i ||s_c * c_i||^2                            (expressions towards 0)
where s converts each parameter to the pixels it moves the landmarks by (`pixel_scale`), so
one weight means the same for rotations, translations and expressions, and the terms are
commensurate with the landmark residuals (pixels). The second differences carry the
smoothing: they let a motion of constant speed through untouched (no lag, no shrinking of
a steady turn) and damp frame-to-frame jitter. The small first-difference term only
matters where there is no data (face-less frames, clip ends): there it makes the
interpolation hold still rather than extrapolate a trend.

Frames only couple to neighbours up to two frames away, so the normal equations of all
frames together are a sparse symmetric band matrix of half-bandwidth 3 D - 1 (D
parameters per frame), solved in O(N D^2) (`FrameSystem`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import linalg as splinalg

# Finite-difference stencils and the frames they span.
_STENCILS = {1: np.array([-1.0, 1.0]), 2: np.array([1.0, -2.0, 1.0])}


@dataclass(frozen=True)
class TemporalWeights:
    accel: float  # on the pose (rotation and translation)
    velocity: float
    ridge: float  # on expressions only
    accel_expression: float = 0.0  # on expressions: they change fast (speech)

    def per_parameter_accel(self, dim: int) -> np.ndarray:
        return np.concatenate([np.full(6, self.accel), np.full(dim - 6, self.accel_expression)])


def difference_diagonals(n: int, order: int, weights: np.ndarray | None = None
                         ) -> list[np.ndarray]:
    """Diagonals 0..order of Q = D^T diag(weights) D for the `order` difference operator D
    over n frames; diagonal k has n - k entries (Q[i, i + k])."""
    a = _STENCILS[order]
    rows = n - order
    diags = [np.zeros(n - k) for k in range(order + 1)]
    if rows <= 0:
        return diags
    w = np.ones(rows) if weights is None else np.asarray(weights, float)
    for k in range(order + 1):
        for m in range(order + 1 - k):
            diags[k][m:m + rows] += w * a[m] * a[m + k]
    return diags


def apply_diagonals(diags: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """Q @ x for a symmetric banded Q given by its upper diagonals; x is (n, ...)."""
    out = diags[0][:, None] * x if x.ndim > 1 else diags[0] * x
    for k in range(1, len(diags)):
        d = diags[k][:, None] if x.ndim > 1 else diags[k]
        out[:-k] += d * x[k:]
        out[k:] += d * x[:-k]
    return out


class FrameSystem:
    """Normal equations of all frames: n = N * D unknowns, ordered frame by frame: dense
    per-frame blocks on the diagonal and, from the temporal terms, diagonal couplings
    between frames up to two apart (a band of half-width 3 D - 1). Solved by sparse LU in
    the natural order (SuperLU), which on this band does no more work than a band Cholesky
    and is several times faster than LAPACK's unblocked band solver at these sizes; without
    couplings, frame by frame as one batch of D x D systems."""

    def __init__(self, frames: int, per_frame: int) -> None:
        self.frames, self.dim = frames, per_frame
        self._blocks = np.zeros((frames, per_frame, per_frame))
        self._rows: list[np.ndarray] = []  # couplings between frames
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self.rhs = np.zeros(frames * per_frame)
        self._diag = np.zeros(frames * per_frame)

    def add_blocks(self, blocks: np.ndarray) -> None:
        """Add per-frame (N, D, D) blocks to the block diagonal."""
        self._blocks += blocks

    def add_temporal(self, diags: list[np.ndarray], scale: np.ndarray) -> None:
        """Add kron(Q, diag(scale^2)) for an N x N symmetric banded Q (upper diagonals)."""
        d = self.dim
        s2 = np.asarray(scale, float) ** 2
        for k, diag in enumerate(diags):
            m = len(diag)
            if m == 0:
                continue
            rows = (np.arange(m) * d)[:, None] + np.arange(d)[None, :]
            vals = diag[:, None] * s2[None, :]
            if k == 0:
                self._diag += vals.ravel()
                continue
            cols = rows + k * d
            self._rows += [rows.ravel(), cols.ravel()]
            self._cols += [cols.ravel(), rows.ravel()]
            self._vals += [vals.ravel(), vals.ravel()]

    def add_to_diagonal(self, values: np.ndarray) -> None:
        self._diag += values

    @property
    def coupled(self) -> bool:
        return bool(self._rows)

    def matrix(self, extra_diagonal: np.ndarray | None = None) -> sparse.csc_matrix:
        n, d = self.frames, self.dim
        idx = np.arange(n * d)
        diag = self._diag if extra_diagonal is None else self._diag + extra_diagonal
        base = (np.arange(n) * d)[:, None, None]
        block_rows = np.broadcast_to(base + np.arange(d)[None, :, None], (n, d, d)).ravel()
        block_cols = np.broadcast_to(base + np.arange(d)[None, None, :], (n, d, d)).ravel()
        rows = np.concatenate([block_rows] + self._rows + [idx])
        cols = np.concatenate([block_cols] + self._cols + [idx])
        vals = np.concatenate([self._blocks.ravel()] + self._vals + [diag])
        return sparse.csc_matrix((vals, (rows, cols)), shape=(n * d, n * d))

    def diagonal(self) -> np.ndarray:
        return np.diagonal(self._blocks, axis1=1, axis2=2).ravel() + self._diag

    def solver(self, extra_diagonal: np.ndarray | None = None
               ) -> Callable[[np.ndarray], np.ndarray]:
        """A function solving (A + diag(extra)) X = B for B of shape (n,) or (n, m)."""
        n, d = self.frames, self.dim
        diag = self._diag if extra_diagonal is None else self._diag + extra_diagonal
        if not self.coupled:
            blocks = self._blocks + diag.reshape(n, d)[:, :, None] * np.eye(d)

            def per_frame(b: np.ndarray) -> np.ndarray:
                rhs = b.reshape(n, d, -1)
                return np.linalg.solve(blocks, rhs).reshape(b.shape)

            return per_frame
        lu = splinalg.splu(self.matrix(extra_diagonal), permc_spec="NATURAL")
        return lambda b: lu.solve(np.asfortranarray(b) if b.ndim == 2 else b)

    def solve(self, extra_diagonal: np.ndarray | None = None) -> np.ndarray:
        """Solve (A + diag(extra)) x = rhs; returns (N, D)."""
        return self.solver(extra_diagonal)(self.rhs).reshape(self.frames, self.dim)


def temporal_cost(x: np.ndarray, scale: np.ndarray, weights: TemporalWeights,
                  accel_weights: np.ndarray | None = None) -> float:
    """Value of the temporal terms for per-frame parameters x (N, D)."""
    xs = x * scale
    cost = 0.0
    accel = weights.per_parameter_accel(x.shape[1])
    if len(x) >= 3:
        acc = xs[:-2] - 2 * xs[1:-1] + xs[2:]
        w = 1.0 if accel_weights is None else accel_weights[:, None]
        cost += float(np.sum(w * accel * acc**2))
    if len(x) >= 2 and weights.velocity > 0:
        cost += weights.velocity * float(np.sum((xs[1:] - xs[:-1]) ** 2))
    cost += weights.ridge * float(np.sum(xs[:, 6:] ** 2))
    return cost


def add_temporal_terms(system: FrameSystem, x: np.ndarray, scale: np.ndarray,
                       weights: TemporalWeights, accel_weights: np.ndarray | None = None
                       ) -> None:
    """Add the temporal terms' Gauss-Newton matrix and gradient (they are quadratic, so
    exactly) at x (N, D) to `system` (rhs gets minus the gradient)."""
    n, d = x.shape
    grad = np.zeros_like(x)
    s2 = np.asarray(scale, float) ** 2
    accel = weights.per_parameter_accel(d)
    if n >= 3 and np.any(accel > 0):
        diags = difference_diagonals(n, 2, accel_weights)
        system.add_temporal(diags, np.sqrt(accel) * scale)
        grad += apply_diagonals(diags, x) * (accel * s2)
    if weights.velocity > 0 and n >= 2:
        diags = [weights.velocity * g for g in difference_diagonals(n, 1)]
        system.add_temporal(diags, scale)
        grad += apply_diagonals(diags, x) * s2
    if weights.ridge > 0 and d > 6:
        ridge = np.zeros(d)
        ridge[6:] = weights.ridge * s2[6:]
        system.add_to_diagonal(np.tile(ridge, n))
        grad += x * ridge
    # Cost terms are sum w (..)^2, so the gradient is 2 Q x and the GN matrix 2 Q; the data
    # side uses the same factor 2 convention (see frame_solver), so both drop it.
    system.rhs -= grad.reshape(-1)
