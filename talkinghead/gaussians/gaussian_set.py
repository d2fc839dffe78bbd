"""A set of 3D Gaussians as trainable tensors, in the parametrisation 3DGS optimises:
means, wxyz quaternions (unnormalised), log scales, logit opacities, and SH colour
coefficients split into the DC term `sh0` (N, 1, 3) and the rest `shN` (N, K-1, 3) (K =
(max_degree + 1)^2), so the two can get different learning rates."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from talkinghead.errors import InvalidInputError
from talkinghead.rasterize.dispatch import sh_colors
from talkinghead.rasterize.sh import num_sh_bases, rgb_to_sh_dc

PARAM_NAMES = ("means", "quats", "scales", "opacities", "sh0", "shN")


class GaussianSet:
    """Trainable Gaussians. `params` is a ParameterDict keyed by PARAM_NAMES; densification
    replaces its entries (never mutates shapes in place), as gsplat's strategies do."""

    def __init__(self, params: dict[str, Tensor], max_sh_degree: int) -> None:
        missing = [k for k in PARAM_NAMES if k not in params]
        if missing:
            raise InvalidInputError(f"Gaussian parameters lack {', '.join(missing)}")
        n = params["means"].shape[0]
        shapes = {"means": (n, 3), "quats": (n, 4), "scales": (n, 3), "opacities": (n,),
                  "sh0": (n, 1, 3), "shN": (n, num_sh_bases(max_sh_degree) - 1, 3)}
        for name, shape in shapes.items():
            if tuple(params[name].shape) != shape:
                raise InvalidInputError(
                    f"Gaussian parameter {name} has shape {tuple(params[name].shape)}, "
                    f"expected {shape}")
        self.max_sh_degree = max_sh_degree
        self.params = nn.ParameterDict(
            {k: nn.Parameter(params[k].detach().clone().float()) for k in PARAM_NAMES})

    @classmethod
    def from_points(cls, points: Tensor, rgb: Tensor, scale: Tensor, opacity: float,
                    max_sh_degree: int) -> GaussianSet:
        """Isotropic Gaussians at `points` (N, 3) with colours `rgb` (N, 3) in 0..1, std-dev
        `scale` (N,) and one opacity."""
        n = points.shape[0]
        if n == 0:
            raise InvalidInputError("a Gaussian set needs at least one point")
        if not 0 < opacity < 1:
            raise InvalidInputError(f"initial opacity must be in (0, 1), got {opacity}")
        quats = torch.zeros(n, 4)
        quats[:, 0] = 1.0
        return cls({
            "means": points.float(),
            "quats": quats,
            "scales": torch.log(scale.float().clamp_min(1e-6))[:, None].repeat(1, 3),
            "opacities": torch.full((n,), float(torch.logit(torch.tensor(opacity)))),
            "sh0": rgb_to_sh_dc(rgb.float().clamp(0, 1))[:, None, :],
            "shN": torch.zeros(n, num_sh_bases(max_sh_degree) - 1, 3),
        }, max_sh_degree)

    def __len__(self) -> int:
        return int(self.params["means"].shape[0])

    def to(self, device: torch.device | str) -> GaussianSet:
        self.params = self.params.to(device)
        return self

    @property
    def means(self) -> Tensor:
        return self.params["means"]

    def scales(self) -> Tensor:
        """Activated scales (std-devs)."""
        return torch.exp(self.params["scales"])

    def opacities(self) -> Tensor:
        """Activated opacities in (0, 1)."""
        return torch.sigmoid(self.params["opacities"])

    def colors(self, dirs: Tensor, degree: int, backend: str = "auto") -> Tensor:
        """RGB (..., N, 3) seen along `dirs` (..., N, 3), using SH bands up to `degree`
        (evaluated by the rasterizer backend's SH code)."""
        if degree > self.max_sh_degree:
            raise InvalidInputError(
                f"SH degree {degree} exceeds this set's maximum {self.max_sh_degree}")
        coeffs = torch.cat([self.params["sh0"], self.params["shN"]], dim=1)
        return sh_colors(degree, dirs, coeffs, backend)

    def state_tensors(self, prefix: str) -> dict[str, Tensor]:
        """Detached copies of the parameters keyed `prefix.name` (for safetensors)."""
        return {f"{prefix}.{k}": v.detach().contiguous().cpu() for k, v in self.params.items()}

    @classmethod
    def from_state_tensors(cls, tensors: dict[str, Tensor], prefix: str,
                           max_sh_degree: int) -> GaussianSet:
        try:
            params = {k: tensors[f"{prefix}.{k}"] for k in PARAM_NAMES}
        except KeyError as exc:
            raise InvalidInputError(f"checkpoint lacks tensor {exc.args[0]}") from None
        return cls(params, max_sh_degree)
