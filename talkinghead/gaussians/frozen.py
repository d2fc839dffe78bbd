"""A trained avatar fixed for rendering: what the renderer keeps resident on the GPU.

`GaussianAvatar.render` is the training form: every call activates the parameters, moves
the head into camera space, evaluates both sets' SH colours and concatenates everything,
all differentiably (about a dozen kernel launches before the rasterizer runs). At inference
none of that has to be redone per frame:

- scales, opacities, normalised quaternions and SH coefficients are activated and
  concatenated ONCE, into buffers laid out head first, then torso;
- the scene is rendered in the HEAD's frame with the frame's pose as the view matrix, so
  the head's Gaussians never move and the rasterizer evaluates their SH itself, with view
  directions in the head frame (gsplat's camera position is -R^T t: exactly the head-frame
  camera `GaussianAvatar` uses);
- the torso sits still in front of a still camera, so its view-dependent colour never
  changes: it is evaluated once and stored as a DC-only SH term (higher bands zero), and
  per frame only its means and quaternions are moved into the head frame (one matmul each,
  written into the preallocated buffers).

Same image as `GaussianAvatar.render` (tests/unit/test_gaussians_frozen.py compares them).
"""

from __future__ import annotations

import torch
from torch import Tensor

from talkinghead.errors import InvalidInputError
from talkinghead.gaussians.avatar import Camera, GaussianAvatar
from talkinghead.gaussians.pose import check_poses, quat_left_matrix, rotmat_to_quat
from talkinghead.rasterize import RasterOutput, rasterize, select_backend
from talkinghead.rasterize.sh import SH_C0


class FrozenAvatar:
    """Render-only form of a GaussianAvatar at one SH degree; no gradients."""

    @torch.no_grad()
    def __init__(self, avatar: GaussianAvatar, sh_degree: int | None = None,
                 backend: str = "auto") -> None:
        degree = avatar.max_sh_degree if sh_degree is None else sh_degree
        if not 0 <= degree <= avatar.max_sh_degree:
            raise InvalidInputError(
                f"SH degree {degree} is outside 0..{avatar.max_sh_degree} for this avatar")
        head, torso = avatar.head, avatar.torso
        self.camera: Camera = avatar.camera
        self.sh_degree = degree
        self.n_head, self.n_torso = len(head), len(torso)
        self.backend = select_backend(backend, str(avatar.device))
        k = (degree + 1) ** 2
        torso_rgb = torso.colors(torso.means, degree, self.backend)  # static camera, static torso
        torso_coeffs = torch.zeros(self.n_torso, k, 3, device=avatar.device)
        # colour = C0 * dc + 0.5 (clamped at 0, already the case for an evaluated colour)
        torso_coeffs[:, 0] = (torso_rgb - 0.5) / SH_C0
        head_coeffs = torch.cat([head.params["sh0"], head.params["shN"]], dim=1)[:, :k]
        self.coeffs = torch.cat([head_coeffs, torso_coeffs]).contiguous()
        self.scales = torch.cat([head.scales(), torso.scales()]).contiguous()
        self.opacities = torch.cat([head.opacities(), torso.opacities()]).contiguous()
        unit = torch.nn.functional.normalize
        self._head_means = head.means.detach().clone()
        self._head_quats = unit(head.params["quats"].detach(), dim=-1)
        self._torso_means = torso.means.detach().clone()
        self._torso_quats = unit(torso.params["quats"].detach(), dim=-1)
        self.background = avatar.background.detach().clone()
        self._k = self.camera.raster_matrix().to(avatar.device)
        # (4, 16): row i is L(conj(e_i))^T flattened, so q @ this = L(conj(q))^T
        basis = torch.eye(4) * torch.tensor([1.0, -1.0, -1.0, -1.0])
        self._conj_left_t = quat_left_matrix(basis).transpose(1, 2).reshape(4, 16).to(
            avatar.device)
        self._buffers: dict[int, tuple[Tensor, Tensor, Tensor]] = {}

    @property
    def device(self) -> torch.device:
        return self.coeffs.device

    def __len__(self) -> int:
        return self.n_head + self.n_torso

    def _buffers_for(self, frames: int) -> tuple[Tensor, Tensor, Tensor]:
        """Means, quats and view matrices for a batch of `frames`, head part filled once."""
        found = self._buffers.get(frames)
        if found is None:
            n, dev = len(self), self.device
            means = torch.empty(frames, n, 3, device=dev)
            quats = torch.empty(frames, n, 4, device=dev)
            means[:, : self.n_head] = self._head_means
            quats[:, : self.n_head] = self._head_quats
            viewmats = torch.eye(4, device=dev).repeat(frames, 1, 1)
            found = self._buffers[frames] = (means, quats, viewmats)
        return found

    @torch.no_grad()
    def render(self, rotations: Tensor, translations: Tensor,
               pose_quats: Tensor | None = None, render_depth: bool = False) -> RasterOutput:
        """F frames with head poses (F, 3, 3), (F, 3) (camera point = R head point + t):
        colours (F, H, W, 3) over the plate, alphas (F, H, W, 1). The returned tensors are
        new each call; the pose buffers are reused (one render at a time per instance)."""
        check_poses(rotations, translations)
        f = rotations.shape[0]
        means, quats, viewmats = self._buffers_for(f)
        rot = rotations.to(self.device, torch.float32)
        trans = translations.to(self.device, torch.float32)
        # torso into the head frame: R^T (x - t), orientation conj(q_R) * q
        torch.matmul(self._torso_means[None] - trans[:, None, :], rot,
                     out=means[:, self.n_head:])
        q_pose = rotmat_to_quat(rot) if pose_quats is None else pose_quats.to(self.device)
        # L(conj(q))^T is linear in q: one small matmul builds it (no stack of 16 slices)
        left_t = torch.matmul(q_pose.float(), self._conj_left_t).view(f, 4, 4)
        torch.matmul(self._torso_quats, left_t, out=quats[:, self.n_head:])
        viewmats[:, :3, :3] = rot
        viewmats[:, :3, 3] = trans
        out = rasterize(means, quats, self.scales.expand(f, -1, -1),
                        self.opacities.expand(f, -1), self.coeffs.expand(f, -1, -1, -1),
                        viewmats[:, None], self._k.expand(f, 1, 3, 3),
                        self.camera.width, self.camera.height,
                        backgrounds=self.background[None, None].expand(f, 1, -1, -1, -1),
                        sh_degree=self.sh_degree, backend=self.backend,
                        render_depth=render_depth)
        out.colors = out.colors[:, 0]
        out.alphas = out.alphas[:, 0]
        if out.depths is not None:
            out.depths = out.depths[:, 0]
        return out
