"""Everything a fit needs to continue exactly where it stopped, as named tensors for a
safetensors checkpoint and back: the avatar, each parameter's Adam state (exp_avg,
exp_avg_sq, step), the densification statistics, and the fit's RNG state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from talkinghead.errors import InvalidInputError
from talkinghead.gaussians import DensifyStrategy, GaussianAvatar
from talkinghead.training.config import FitConfig
from talkinghead.training.optim import Optimizers, make_optimizers

ADAM_KEYS = ("exp_avg", "exp_avg_sq", "step")


@dataclass
class TrainState:
    avatar: GaussianAvatar
    optimizers: Optimizers
    strategy_state: dict[str, Any]
    generator: torch.Generator  # CPU generator: batches and split noise

    def to_tensors(self) -> dict[str, Tensor]:
        out = dict(self.avatar.state_tensors())
        for set_name, opts in self.optimizers.items():
            for name, opt in opts.items():
                param = opt.param_groups[0]["params"][0]
                for key, value in opt.state.get(param, {}).items():
                    if key in ADAM_KEYS:
                        out[f"optim.{set_name}.{name}.{key}"] = torch.as_tensor(value)
        out.update(DensifyStrategy.state_tensors(self.strategy_state))
        out["rng.generator"] = self.generator.get_state()
        return out

    @staticmethod
    def from_tensors(tensors: dict[str, Tensor], avatar_config: dict, config: FitConfig,
                     scene_scale: float, device: torch.device | str) -> TrainState:
        avatar = GaussianAvatar.from_state(tensors, avatar_config).to(device)
        optimizers = make_optimizers(avatar, config.lr, scene_scale)
        for set_name, opts in optimizers.items():
            for name, opt in opts.items():
                prefix = f"optim.{set_name}.{name}."
                if prefix + "step" not in tensors:
                    continue  # no step taken yet when it was saved
                param = opt.param_groups[0]["params"][0]
                state = {}
                for key in ADAM_KEYS:
                    if prefix + key not in tensors:
                        raise InvalidInputError(f"checkpoint lacks {prefix + key}")
                    value = tensors[prefix + key]
                    # Adam keeps `step` on the CPU unless capturable; moments by the param.
                    state[key] = value.cpu() if key == "step" else value.to(param.device)
                opt.state[param] = state
        strategy_state = DensifyStrategy.state_from_tensors(tensors, list(avatar.sets), device)
        generator = torch.Generator()
        generator.set_state(tensors["rng.generator"].cpu())
        return TrainState(avatar, optimizers, strategy_state, generator)
