"""The Gaussian avatar of the coarse phase: head Gaussians in the head's canonical frame,
torso Gaussians in camera space, a background plate, one pinhole camera. A frame is
rendered in ONE rasterizer call: the head moved by the frame's pose into camera space,
concatenated with the torso, viewmat = identity, the plate composited behind."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from talkinghead.errors import InvalidInputError
from talkinghead.gaussians.gaussian_set import GaussianSet
from talkinghead.gaussians.pose import check_poses, head_to_camera
from talkinghead.rasterize import RasterOutput, rasterize, select_backend

SET_NAMES = ("head", "torso")


@dataclass(frozen=True)
class Camera:
    """Pinhole camera of the dataset frames, our convention (pixel centres at integers)."""

    focal: float
    cx: float
    cy: float
    width: int
    height: int

    def resized(self, width: int, height: int) -> Camera:
        """The same camera for frames resized to width x height."""
        sx, sy = width / self.width, height / self.height
        if abs(sx - sy) > 1e-6:
            raise InvalidInputError(
                f"resizing {self.width}x{self.height} to {width}x{height} changes the aspect")
        return Camera(self.focal * sx, (self.cx + 0.5) * sx - 0.5, (self.cy + 0.5) * sy - 0.5,
                      width, height)

    def matrix(self) -> Tensor:
        """K in our convention (pixel centres at integers)."""
        return torch.tensor([[self.focal, 0.0, self.cx], [0.0, self.focal, self.cy],
                             [0.0, 0.0, 1.0]])

    def raster_matrix(self) -> Tensor:
        """K in the rasterizer's convention (pixel centres at +0.5)."""
        k = self.matrix()
        k[0, 2] += 0.5
        k[1, 2] += 0.5
        return k


class GaussianAvatar:
    """Head (head frame, mm) and torso (camera frame, mm) Gaussians over a background."""

    def __init__(self, head: GaussianSet, torso: GaussianSet, background: Tensor,
                 camera: Camera) -> None:
        if head.max_sh_degree != torso.max_sh_degree:
            raise InvalidInputError("head and torso must have the same SH degree")
        if tuple(background.shape) != (camera.height, camera.width, 3):
            raise InvalidInputError(
                f"background must be {(camera.height, camera.width, 3)}, "
                f"got {tuple(background.shape)}")
        self.head, self.torso = head, torso
        self.background = background.float()
        self.camera = camera
        self.max_sh_degree = head.max_sh_degree

    @property
    def sets(self) -> dict[str, GaussianSet]:
        return {"head": self.head, "torso": self.torso}

    @property
    def device(self) -> torch.device:
        return self.head.means.device

    def __len__(self) -> int:
        return len(self.head) + len(self.torso)

    def to(self, device: torch.device | str) -> GaussianAvatar:
        self.head.to(device)
        self.torso.to(device)
        self.background = self.background.to(device)
        return self

    def render(self, rotations: Tensor, translations: Tensor, sh_degree: int,
               backend: str = "auto", tile_size: int | None = None,
               render_depth: bool = False, pose_quats: Tensor | None = None) -> RasterOutput:
        """Render F frames with head poses (F, 3, 3), (F, 3) (camera point = R head point +
        t; `pose_quats` (F, 4) the same rotations as wxyz quaternions, if known). Returns
        colours (F, H, W, 3), alphas (F, H, W, 1) and meta whose means2d / radii are
        (F, 1, N, 2) with the head's N_head Gaussians first."""
        check_poses(rotations, translations)
        f = rotations.shape[0]
        head, torso = self.head, self.torso
        backend = select_backend(backend, str(rotations.device))
        head_means, head_quats = head_to_camera(head.means, head.params["quats"],
                                                rotations, translations, pose_quats)
        # SH is evaluated in each set's own frame: the camera seen from the head frame sits at
        # -R^T t, so a head Gaussian's view direction keeps its meaning as the head turns.
        cam_in_head = -torch.einsum("fji,fj->fi", rotations, translations)
        head_rgb = head.colors(head.means[None] - cam_in_head[:, None, :], sh_degree, backend)
        torso_rgb = torso.colors(torso.means, sh_degree, backend)
        n_t = len(torso)
        means = torch.cat([head_means, torso.means[None].expand(f, n_t, 3)], dim=1)
        quats = torch.cat([head_quats, torso.params["quats"][None].expand(f, n_t, 4)], dim=1)
        scales = torch.cat([head.scales(), torso.scales()])[None].expand(f, -1, 3)
        opacities = torch.cat([head.opacities(), torso.opacities()])[None].expand(f, -1)
        colors = torch.cat([head_rgb, torso_rgb[None].expand(f, n_t, 3)], dim=1)
        dev = means.device
        viewmats = torch.eye(4, device=dev).expand(f, 1, 4, 4)
        ks = self.camera.raster_matrix().to(dev).expand(f, 1, 3, 3)
        bg = self.background[None, None].expand(f, 1, -1, -1, -1)
        out = rasterize(means, quats, scales, opacities, colors, viewmats, ks,
                        self.camera.width, self.camera.height, backgrounds=bg,
                        backend=backend, tile_size=tile_size, render_depth=render_depth)
        out.colors = out.colors[:, 0]
        out.alphas = out.alphas[:, 0]
        if out.depths is not None:
            out.depths = out.depths[:, 0]
        out.meta["segments"] = {"head": (0, len(head)), "torso": (len(head), len(self))}
        return out

    def state_tensors(self) -> dict[str, Tensor]:
        """Every tensor of the avatar, for safetensors."""
        return {**self.head.state_tensors("head"), **self.torso.state_tensors("torso"),
                "background": self.background.detach().contiguous().cpu()}

    def config(self) -> dict:
        c = self.camera
        return {"max_sh_degree": self.max_sh_degree,
                "camera": {"focal": c.focal, "cx": c.cx, "cy": c.cy, "width": c.width,
                           "height": c.height},
                "counts": {"head": len(self.head), "torso": len(self.torso)}}

    @classmethod
    def from_state(cls, tensors: dict[str, Tensor], config: dict) -> GaussianAvatar:
        """Rebuild from `state_tensors()` and `config()` output."""
        try:
            degree = int(config["max_sh_degree"])
            camera = Camera(**config["camera"])
            background = tensors["background"]
        except (KeyError, TypeError) as exc:
            raise InvalidInputError(f"avatar state lacks {exc}") from None
        return cls(GaussianSet.from_state_tensors(tensors, "head", degree),
                   GaussianSet.from_state_tensors(tensors, "torso", degree), background, camera)
