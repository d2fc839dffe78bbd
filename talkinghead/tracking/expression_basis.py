"""The person's expression basis: learned from their own deformations, kept free of rigid
motion, and put in a canonical form.

Rigid points. The head pose is what moves the rigid part of the face: the nose (27-35),
the eye corners (36, 39, 42, 45) and the face outline beside the eyes (0, 1, 15, 16), which
neither speech, blinks nor brows move. An expression may move them by no rotation,
translation or scale: each basis vector has the infinitesimal similarity that best fits
its displacement of the rigid points removed (from every landmark, so a jaw that opens
keeps its shape relative to the skull). Without that a basis vector could copy a small nod
and take the nod away from the pose. (The fit's last rounds add back to the basis the small
rigid shift that the landmark detector itself couples to expressions: decorrelate.py.)

Initial basis (non-rigid structure from motion). After a rigid fit (shape and poses,
no expressions), each frame's landmark residuals are lifted into the head frame (pixels
-> mm at the landmark's depth, rotated back by the frame's rotation), their rigid part is
removed as above, and the principal components of what is left over all frames are the
initial basis (K largest), the projections on them the initial coefficients.

Canonical form, after every update: coefficients centred over the frames with a face (the
mean moves into the shape), basis vectors orthonormal and ordered by the variance of
their coefficients, each scaled to 1 mm RMS displacement per landmark (so a coefficient
reads as millimetres of RMS landmark motion), signs chosen so that each vector's largest
displacement is positive.
"""

from __future__ import annotations

import numpy as np

from talkinghead.tracking.model import FaceModel, Poses

RIGID_POINTS = np.array([0, 1, 15, 16, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 39, 42, 45])
LANDMARKS = 68


def rigid_weights() -> np.ndarray:
    w = np.zeros(LANDMARKS)
    w[RIGID_POINTS] = 1.0
    return w


def _similarity_fields(shape: np.ndarray) -> np.ndarray:
    """(7, 68, 3): displacement fields of small rotations (3), translations (3) and scale."""
    fields = np.zeros((7, LANDMARKS, 3))
    for a in range(3):
        axis = np.zeros(3)
        axis[a] = 1.0
        fields[a] = np.cross(axis, shape)
        fields[3 + a, :, a] = 1.0
    fields[6] = shape - shape.mean(axis=0)
    return fields


def remove_rigid(displacements: np.ndarray, shape: np.ndarray,
                 weights: np.ndarray | None = None) -> np.ndarray:
    """Displacements (..., 68, 3) minus the similarity that best fits them on the rigid
    points (weighted least squares)."""
    weights = rigid_weights() if weights is None else weights
    fields = _similarity_fields(shape).reshape(7, -1)  # (7, 204)
    w = np.repeat(weights, 3)
    normal = (fields * w) @ fields.T  # (7, 7)
    flat = displacements.reshape(-1, LANDMARKS * 3)
    coeff = np.linalg.solve(normal, (fields * w) @ flat.T)  # (7, M)
    return (flat - (fields.T @ coeff).T).reshape(displacements.shape)


def canonical(model: FaceModel, expression: np.ndarray, with_face: np.ndarray,
              rigid_free: bool = True) -> tuple[FaceModel, np.ndarray]:
    """The same deformations (up to the rigid removal, when `rigid_free`) in canonical
    form (module doc)."""
    k = model.components
    if k == 0:
        return model, expression
    basis = remove_rigid(model.basis, model.shape) if rigid_free else model.basis
    flat = basis.reshape(k, -1)  # (K, 204)
    mean = expression[with_face].mean(axis=0) if with_face.any() else np.zeros(k)
    shape = model.shape + (mean @ flat).reshape(LANDMARKS, 3)
    centred = expression - mean
    # c B = c R^T Q^T with B^T = Q R; then SVD of the coefficients in the Q frame.
    q, r = np.linalg.qr(flat.T)  # (204, K), (K, K)
    coeff = centred @ r.T
    fit = coeff[with_face] if with_face.any() else coeff
    _, sing, vt = np.linalg.svd(fit, full_matrices=False)
    order = np.argsort(-sing)
    vt = vt[order]
    new_flat = vt @ q.T  # (K, 204) orthonormal rows
    new_coeff = coeff @ vt.T
    norm = np.sqrt(LANDMARKS)  # unit Frobenius norm -> 1 mm RMS per landmark
    new_flat *= norm
    new_coeff /= norm
    peak = np.take_along_axis(new_flat, np.abs(new_flat).argmax(axis=1)[:, None], axis=1)
    sign = np.where(peak[:, 0] < 0, -1.0, 1.0)
    new_flat *= sign[:, None]
    new_coeff *= sign[None, :]
    return FaceModel(shape, new_flat.reshape(k, LANDMARKS, 3)), new_coeff


def initial_basis(residual_px: np.ndarray, with_face: np.ndarray, model: FaceModel,
                  poses: Poses, depth: np.ndarray, focal: float, components: int
                  ) -> tuple[FaceModel, np.ndarray]:
    """PCA of the rigid fit's residuals lifted into the head frame (module doc).

    residual_px: (N, 68, 2) observed - projected; depth: (N, 68) camera z of each landmark.
    Returns the model with a K-vector basis and the (N, K) coefficients (0 on face-less
    frames)."""
    n = residual_px.shape[0]
    cam = np.zeros((n, LANDMARKS, 3))
    cam[..., :2] = residual_px * (depth / focal)[..., None]
    head = np.einsum("nji,npj->npi", poses.rotations(), cam)  # R^T d
    head = remove_rigid(head, model.shape)
    flat = head.reshape(n, -1)[with_face]
    k = min(components, max(len(flat) - 1, 0))
    if k == 0:
        return FaceModel(model.shape, np.zeros((0, LANDMARKS, 3))), np.zeros((n, 0))
    mean = flat.mean(axis=0)
    _, _, vt = np.linalg.svd(flat - mean, full_matrices=False)
    basis = vt[:k]  # orthonormal rows
    coeff = np.zeros((n, k))
    coeff[with_face] = (flat - mean) @ basis.T
    shape = model.shape + mean.reshape(LANDMARKS, 3)
    scale = np.sqrt(LANDMARKS)
    out = FaceModel(shape, (basis * scale).reshape(k, LANDMARKS, 3))
    coeff = coeff / scale
    if components > k:  # too few frames for K components: pad with zero vectors
        pad = components - k
        out = FaceModel(out.shape, np.concatenate([out.basis, np.zeros((pad, LANDMARKS, 3))]))
        coeff = np.concatenate([coeff, np.zeros((n, pad))], axis=1)
    return out, coeff
