"""In-place edits of a Gaussian set and its optimisers (one optimiser per parameter, as
gsplat's strategies expect): duplicate, split, remove, reset opacity. Each replaces the
parameters and carries the optimiser moments along (zeros for new Gaussians)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from talkinghead.rasterize._torch_impl import quat_to_rotmat


@torch.no_grad()
def _update(params: nn.ParameterDict, optimizers: dict[str, torch.optim.Optimizer],
            param_fn: Callable[[str, Tensor], Tensor],
            moment_fn: Callable[[str, Tensor], Tensor], names: list[str] | None = None) -> None:
    for name in names or list(params.keys()):
        old = params[name]
        new = nn.Parameter(param_fn(name, old), requires_grad=old.requires_grad)
        params[name] = new
        opt = optimizers.get(name)
        if opt is None:
            continue
        state = opt.state.pop(old, {})
        for key, value in list(state.items()):
            if key != "step" and isinstance(value, Tensor) and value.dim() > 0:
                state[key] = moment_fn(name, value)
        opt.param_groups[0]["params"] = [new]
        if state:
            opt.state[new] = state


@torch.no_grad()
def duplicate(params: nn.ParameterDict, optimizers: dict, state: dict[str, Tensor],
              mask: Tensor) -> None:
    """Append a copy of each masked Gaussian."""
    sel = mask.nonzero(as_tuple=True)[0]
    _update(params, optimizers, lambda _, p: torch.cat([p, p[sel]]),
            lambda _, v: torch.cat([v, torch.zeros_like(v[sel])]))
    for k, v in state.items():
        state[k] = torch.cat([v, v[sel]])


@torch.no_grad()
def split(params: nn.ParameterDict, optimizers: dict, state: dict[str, Tensor], mask: Tensor,
          generator: torch.Generator | None = None) -> None:
    """Replace each masked Gaussian by two, drawn from it, with scales / 1.6 (3DGS)."""
    sel = mask.nonzero(as_tuple=True)[0]
    rest = (~mask).nonzero(as_tuple=True)[0]
    scales = torch.exp(params["scales"][sel])
    rot = quat_to_rotmat(params["quats"][sel])
    noise = torch.randn((2, len(sel), 3), generator=generator, device="cpu").to(scales.device)
    offsets = torch.einsum("nij,nj,bnj->bni", rot, scales, noise)

    def param_fn(name: str, p: Tensor) -> Tensor:
        if name == "means":
            new = (p[sel] + offsets).reshape(-1, 3)
        elif name == "scales":
            new = torch.log(scales / 1.6).repeat(2, 1)
        else:
            new = p[sel].repeat((2,) + (1,) * (p.dim() - 1))
        return torch.cat([p[rest], new])

    _update(params, optimizers, param_fn,
            lambda _, v: torch.cat([v[rest], torch.zeros((2 * len(sel),) + v.shape[1:],
                                                         dtype=v.dtype, device=v.device)]))
    for k, v in state.items():
        state[k] = torch.cat([v[rest], v[sel].repeat((2,) + (1,) * (v.dim() - 1))])


@torch.no_grad()
def remove(params: nn.ParameterDict, optimizers: dict, state: dict[str, Tensor],
           mask: Tensor) -> None:
    """Drop the masked Gaussians."""
    keep = (~mask).nonzero(as_tuple=True)[0]
    _update(params, optimizers, lambda _, p: p[keep], lambda _, v: v[keep])
    for k, v in state.items():
        state[k] = v[keep]


@torch.no_grad()
def reset_opacity(params: nn.ParameterDict, optimizers: dict, value: float) -> None:
    """Clamp opacities to at most `value` and clear their optimiser moments."""
    cap = float(torch.logit(torch.tensor(value)))
    _update(params, optimizers, lambda _, p: torch.clamp_max(p, cap),
            lambda _, v: torch.zeros_like(v), names=["opacities"])
