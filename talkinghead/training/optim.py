"""Adam per parameter tensor (one optimiser each, so densification can swap a tensor and
its moments; gsplat's convention), with per-parameter learning rates and the exponential
decay of the means' rate."""

from __future__ import annotations

import math

import torch

from talkinghead.gaussians import GaussianAvatar
from talkinghead.training.config import LearningRates

Optimizers = dict[str, dict[str, torch.optim.Optimizer]]


def make_optimizers(avatar: GaussianAvatar, lr: LearningRates, scene_scale: float
                    ) -> Optimizers:
    """{set: {parameter: Adam}} for every Gaussian set of the avatar."""
    out: Optimizers = {}
    for set_name, gset in avatar.sets.items():
        out[set_name] = {}
        for name, param in gset.params.items():
            rate = getattr(lr, name) * (scene_scale if name == "means" else 1.0)
            # eps 1e-15 as 3DGS: gradients of single Gaussians are tiny.
            out[set_name][name] = torch.optim.Adam([param], lr=rate, eps=1e-15)
    return out


def means_lr(lr: LearningRates, scene_scale: float, step: int, total: int) -> float:
    """The means' rate at `step`: log-linear from lr.means to lr.means * final_ratio."""
    t = min(max(step / max(total, 1), 0.0), 1.0)
    return lr.means * scene_scale * math.exp(t * math.log(lr.means_final_ratio))


def set_step_lr(optimizers: Optimizers, lr: LearningRates, scene_scale: float, step: int,
                total: int) -> None:
    rate = means_lr(lr, scene_scale, step, total)
    for opts in optimizers.values():
        for group in opts["means"].param_groups:
            group["lr"] = rate
