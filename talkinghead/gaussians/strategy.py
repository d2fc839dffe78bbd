"""Densification and pruning (the 3DGS policy gsplat's DefaultStrategy implements), as a
small strategy object with hooks around backward, for avatars made of several Gaussian
sets (head, torso) rendered together, on CPU or GPU:

    state = strategy.initialize_state({"head": n_head, "torso": n_torso}, scene_scale)
    out = avatar.render(...)
    strategy.step_pre_backward(out.meta)
    loss.backward()
    strategy.step_post_backward(params, optimizers, state, step, out.meta)

- the image-plane gradient of each Gaussian's 2D mean is accumulated while it is drawn;
- every `refine_every` steps within [refine_start_iter, refine_stop_iter): Gaussians whose
  mean gradient exceeds `grow_grad2d` are duplicated (small ones) or split in two (large
  ones), the highest-gradient first when the cap `max_gaussians` (all sets together) would
  be passed; then Gaussians with opacity < `prune_opa` are removed (and, after the first
  opacity reset, those larger than `prune_scale3d`);
- every `reset_every` steps opacities are clamped to 2 * prune_opa.
Scales are compared with `scene_scale` (the head's size, in the sets' units)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from talkinghead.errors import InvalidInputError
from talkinghead.gaussians.densify_ops import duplicate, remove, reset_opacity, split


@dataclass
class DensifyStrategy:
    prune_opa: float = 0.005
    grow_grad2d: float = 0.0002
    grow_scale3d: float = 0.01
    prune_scale3d: float = 0.1
    refine_start_iter: int = 500
    refine_stop_iter: int = 15_000
    refine_every: int = 100
    reset_every: int = 3000
    max_gaussians: int = 200_000

    def __post_init__(self) -> None:
        if self.refine_every < 1 or self.reset_every < 1:
            raise InvalidInputError("refine_every and reset_every must be >= 1")
        if self.max_gaussians < 2:
            raise InvalidInputError(f"max_gaussians must be >= 2, got {self.max_gaussians}")

    def initialize_state(self, counts: dict[str, int], scene_scale: float,
                         device: torch.device | str = "cpu") -> dict[str, Any]:
        """Running statistics per set: summed gradient norm and times drawn."""
        return {"scene_scale": float(scene_scale),
                "sets": {name: {"grad2d": torch.zeros(n, device=device),
                                "count": torch.zeros(n, device=device)}
                         for name, n in counts.items()}}

    def step_pre_backward(self, info: dict[str, Any]) -> None:
        """Keep the gradient of the projected means (a non-leaf tensor)."""
        info["means2d"].retain_grad()

    def step_post_backward(self, params: dict[str, torch.nn.ParameterDict],
                           optimizers: dict[str, dict[str, torch.optim.Optimizer]],
                           state: dict[str, Any], step: int, info: dict[str, Any],
                           generator: torch.Generator | None = None) -> dict[str, int]:
        """Accumulate statistics; grow, prune and reset on schedule. Returns counts of what
        was done (empty when nothing was)."""
        done: dict[str, int] = {}
        if step >= self.refine_stop_iter:
            return done
        self._accumulate(state, info)
        if step > self.refine_start_iter and step % self.refine_every == 0:
            done.update(self._grow(params, optimizers, state, generator))
            done["pruned"] = self._prune(params, optimizers, state, step)
            for stats in state["sets"].values():
                stats["grad2d"].zero_()
                stats["count"].zero_()
        if step > 0 and step % self.reset_every == 0:
            for name in params:
                reset_opacity(params[name], optimizers[name], 2.0 * self.prune_opa)
            done["opacity_reset"] = 1
        return done

    @torch.no_grad()
    def _accumulate(self, state: dict[str, Any], info: dict[str, Any]) -> None:
        grad = info["means2d"].grad
        if grad is None:
            return
        n = grad.shape[-2]
        grad = grad.reshape(-1, n, 2).clone()
        images = grad.shape[0]
        # To normalised device coordinates, and undo the loss's mean over the images.
        grad[..., 0] *= info["width"] / 2.0 * images
        grad[..., 1] *= info["height"] / 2.0 * images
        drawn = (info["radii"].reshape(-1, n, 2) > 0).all(dim=-1)
        norms = grad.norm(dim=-1) * drawn
        for name, (a, b) in info["segments"].items():
            stats = state["sets"][name]
            stats["grad2d"] += norms[:, a:b].sum(0)
            stats["count"] += drawn[:, a:b].sum(0)

    @torch.no_grad()
    def _grow(self, params: dict, optimizers: dict, state: dict[str, Any],
              generator: torch.Generator | None) -> dict[str, int]:
        scene = state["scene_scale"]
        cand: dict[str, tuple[Tensor, Tensor]] = {}
        for name in params:
            stats = state["sets"][name]
            avg = stats["grad2d"] / stats["count"].clamp_min(1)
            cand[name] = (avg, avg > self.grow_grad2d)
        total = sum(len(p["means"]) for p in params.values())
        room = max(0, self.max_gaussians - total)
        n_cand = sum(int(m.sum()) for _, m in cand.values())
        if n_cand > room:
            # Over the cap: keep the `room` candidates with the largest gradients.
            scores = torch.cat([torch.where(m, a, torch.full_like(a, -1.0))
                                for a, m in cand.values()])
            keep = torch.zeros_like(scores, dtype=torch.bool)
            if room:
                keep[torch.topk(scores, room).indices] = True
            start = 0
            for name, (a, m) in cand.items():
                cand[name] = (a, m & keep[start:start + len(a)])
                start += len(a)
        done = {"duplicated": 0, "split": 0}
        for name, (_, high) in cand.items():
            p, opts, stats = params[name], optimizers[name], state["sets"][name]
            small = torch.exp(p["scales"]).max(dim=-1).values <= self.grow_scale3d * scene
            dup, spl = high & small, high & ~small
            if dup.any():
                duplicate(p, opts, stats, dup)
                spl = torch.cat([spl, torch.zeros(int(dup.sum()), dtype=torch.bool,
                                                  device=spl.device)])
            if spl.any():
                split(p, opts, stats, spl, generator)
            done["duplicated"] += int(dup.sum())
            done["split"] += int(spl.sum())
        return done

    @torch.no_grad()
    def _prune(self, params: dict, optimizers: dict, state: dict[str, Any], step: int) -> int:
        pruned = 0
        for name, p in params.items():
            drop = torch.sigmoid(p["opacities"]) < self.prune_opa
            if step > self.reset_every:
                big = torch.exp(p["scales"]).max(dim=-1).values
                drop |= big > self.prune_scale3d * state["scene_scale"]
            if bool(drop.all()):
                # Never empty a set: keep its most opaque Gaussian.
                drop[torch.argmax(p["opacities"])] = False
            if drop.any():
                remove(p, optimizers[name], state["sets"][name], drop)
                pruned += int(drop.sum())
        return pruned

    @staticmethod
    def state_tensors(state: dict[str, Any]) -> dict[str, Tensor]:
        """The running statistics as named tensors (for checkpoints)."""
        out = {"strategy.scene_scale": torch.tensor(state["scene_scale"], dtype=torch.float64)}
        for name, stats in state["sets"].items():
            for key, value in stats.items():
                out[f"strategy.{name}.{key}"] = value.detach().contiguous().cpu()
        return out

    @staticmethod
    def state_from_tensors(tensors: dict[str, Tensor], names: list[str],
                           device: torch.device | str) -> dict[str, Any]:
        try:
            return {"scene_scale": float(tensors["strategy.scene_scale"]),
                    "sets": {name: {key: tensors[f"strategy.{name}.{key}"].to(device)
                                    for key in ("grad2d", "count")} for name in names}}
        except KeyError as exc:
            raise InvalidInputError(f"checkpoint lacks strategy tensor {exc.args[0]}") from None
