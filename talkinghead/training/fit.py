"""The static (coarse) fit: a canonical head and a torso of Gaussians optimised on all
training frames with their tracked poses.

    result = fit_static(dataset_dir, run_dir, FitConfig(iterations=6000), reporter)

Per step: a batch of training frames (indices drawn by the fit's own RNG) is rendered in one
rasterizer call from the frames held in memory; loss = (1 - l) L1 + l (1 - SSIM) +
w |alpha - person mask|; backward; Adam per parameter; densify/prune (strategy hooks).
Progress goes to the reporter (phase "coarse": iteration, loss, PSNR, it/s, ETA), which also
checks cancellation; a cancelled fit saves a checkpoint first. Checkpoints every
`checkpoint_every` steps and at the end; `resume=True` continues from the newest valid one
(parameters, Adam state, densification statistics, RNG) and, on the same device, repeats
the uninterrupted run's losses. At the end the held-out PSNR on the validation frames is
measured and the avatar is written as avatar.safetensors / avatar.json."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from talkinghead.errors import CancelledError, InvalidInputError
from talkinghead.gaussians import build_avatar
from talkinghead.gaussians.init_head import head_ellipsoid
from talkinghead.progress import ProgressReporter
from talkinghead.rasterize import select_backend
from talkinghead.tracking.params import TrackParams
from talkinghead.training.checkpoint import latest_checkpoint, save_avatar, save_checkpoint
from talkinghead.training.config import FitConfig
from talkinghead.training.data import FrameData, load_frames
from talkinghead.training.losses import photometric_loss, psnr
from talkinghead.training.optim import make_optimizers, set_step_lr
from talkinghead.training.train_state import TrainState

log = logging.getLogger(__name__)

PHASE = "coarse"
TRACK_FILE = "track_params.npz"


@dataclass
class FitResult:
    iterations: int
    train_psnr: float  # mean per-frame PSNR over (up to max_val_frames) training frames
    val_psnr: float | None  # the same over the validation frames; None without any
    val_frames: int
    gaussians: dict[str, int]
    seconds: float
    avatar_path: Path  # avatar.json (beside avatar.safetensors)
    checkpoint_path: Path
    device: str
    backend: str
    history: list[dict[str, float]] = field(default_factory=list)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InvalidInputError("device 'cuda' was asked for but no CUDA GPU is available")
    return torch.device(name)


def _initial_state(data: FrameData, track: TrackParams, config: FitConfig,
                   device: torch.device) -> TrainState:
    rows = data.train_rows[: max(1, config.color_init_frames)].cpu()
    frames = [data.images[r].cpu().numpy() for r in rows]
    labels = [data.labels[r].cpu().numpy() for r in rows]
    avatar = build_avatar(track.shape, frames, labels, data.rotations[rows].cpu().numpy(),
                          data.translations[rows].cpu().numpy(), data.camera, data.background,
                          config.init).to(device)
    scene_scale = scene_scale_of(track)
    optimizers = make_optimizers(avatar, config.lr, scene_scale)
    strategy_state = config.strategy.initialize_state(
        {k: len(v) for k, v in avatar.sets.items()}, scene_scale, device)
    generator = torch.Generator().manual_seed(config.seed)
    return TrainState(avatar, optimizers, strategy_state, generator)


def scene_scale_of(track: TrackParams) -> float:
    """The head's size (largest radius of its ellipsoid, mm): the unit of the densification
    thresholds and of the means' learning rate."""
    return float(head_ellipsoid(track.shape).radii.max())


@torch.no_grad()
def evaluate(state: TrainState, data: FrameData, rows: torch.Tensor, sh_degree: int,
             backend: str, batch: int = 4) -> float | None:
    """Mean per-frame PSNR of the avatar's renders against the frames `rows`."""
    if len(rows) == 0:
        return None
    values = []
    for start in range(0, len(rows), batch):
        r = rows[start:start + batch]
        out = state.avatar.render(data.rotations[r], data.translations[r], sh_degree, backend,
                                  pose_quats=data.pose_quats[r])
        target, _ = data.targets(r)
        values += [psnr(out.colors[i].clamp(0, 1), target[i]) for i in range(len(r))]
    return float(np.mean(values))


def _train_step(state: TrainState, data: FrameData, config: FitConfig, scene_scale: float,
                step: int, history: list[dict[str, float]]) -> tuple[float, float]:
    """One optimisation step on a batch of training frames; appends to `history` and
    returns (loss, PSNR of the batch)."""
    sh_degree = min(config.init.max_sh_degree, step // config.sh_degree_interval)
    set_step_lr(state.optimizers, config.lr, scene_scale, step, config.iterations)
    pick = torch.randint(len(data.train_rows), (config.batch_size,), generator=state.generator)
    rows = data.train_rows[pick.to(data.train_rows.device)]
    out = state.avatar.render(data.rotations[rows], data.translations[rows], sh_degree,
                              config.backend, pose_quats=data.pose_quats[rows])
    target, person = data.targets(rows)
    loss, parts = photometric_loss(out.colors, target, out.alphas, person,
                                   config.ssim_lambda, config.mask_weight)
    config.strategy.step_pre_backward(out.meta)
    loss.backward()
    for opts in state.optimizers.values():
        for opt in opts.values():
            opt.step()
            opt.zero_grad(set_to_none=True)
    params = {k: v.params for k, v in state.avatar.sets.items()}
    config.strategy.step_post_backward(params, state.optimizers, state.strategy_state, step,
                                       out.meta, state.generator)
    value = float(loss.detach())
    if not math.isfinite(value):
        raise InvalidInputError(f"the loss became {value} at step {step}; "
                                "lower the learning rates")
    step_psnr = psnr(out.colors.clamp(0, 1), target)
    history.append({"step": step, "loss": value, "psnr": step_psnr, **parts})
    return value, step_psnr


def _spread(rows: torch.Tensor, count: int) -> torch.Tensor:
    if len(rows) <= count:
        return rows
    return rows[torch.linspace(0, len(rows) - 1, count).round().long().to(rows.device)]


def fit_static(dataset: str | Path, run_dir: str | Path, config: FitConfig | None = None,
               reporter: ProgressReporter | None = None, resume: bool = False,
               track: TrackParams | None = None) -> FitResult:
    """Fit the coarse avatar of `dataset` (preprocessed, with track_params.npz unless
    `track` is given); checkpoints and the result go to `run_dir`."""
    config = config or FitConfig()
    device = resolve_device(config.device)
    threads = torch.get_num_threads()
    if device.type == "cpu" and config.cpu_threads:
        torch.set_num_threads(config.cpu_threads)
    try:
        return _fit(Path(dataset), Path(run_dir), config, reporter or ProgressReporter(),
                    resume, track, device)
    finally:
        torch.set_num_threads(threads)


def _fit(dataset: Path, run_dir: Path, config: FitConfig, reporter: ProgressReporter,
         resume: bool, track: TrackParams | None, device: torch.device) -> FitResult:
    started = time.monotonic()
    track = track if track is not None else TrackParams.load(dataset / TRACK_FILE)
    reporter.report("loading", 0, 1, f"reading frames onto {device}")
    data = load_frames(dataset, track, config.resolution, device, config.max_val_frames)
    reporter.report("loading", 1, 1, f"{len(data.train_rows)} training and "
                    f"{len(data.val_rows)} validation frames in memory")
    scene_scale = scene_scale_of(track)

    checkpoint = latest_checkpoint(run_dir, device) if resume else None
    if checkpoint is not None:
        state = TrainState.from_tensors(checkpoint.tensors, checkpoint.record["avatar"], config,
                                        scene_scale, device)
        start, history = checkpoint.step, list(checkpoint.record.get("history", []))
        log.info("resuming from %s at step %d", checkpoint.path.name, start)
    else:
        state = _initial_state(data, track, config, device)
        start, history = 0, []
    backend = config.backend

    def record(step: int) -> dict[str, Any]:
        return {"config": config.to_dict(), "avatar": state.avatar.config(),
                "history": history, "dataset": str(dataset.name), "device": str(device)}

    def checkpoint_now(step: int) -> Path:
        return save_checkpoint(run_dir, step, state.to_tensors(), record(step),
                               config.keep_checkpoints)

    total = config.iterations
    last_ckpt = checkpoint.path if checkpoint is not None else None
    rate_start, rate_steps = time.monotonic(), 0
    saved_at = completed = start
    try:
        for step in range(start, total):
            reporter.cancellation.check()  # no step starts after a cancel was seen
            loss, step_psnr = _train_step(state, data, config, scene_scale, step, history)
            done = completed = step + 1
            if done % config.checkpoint_every == 0 or done == total:
                last_ckpt, saved_at = checkpoint_now(done), done
            rate_steps += 1
            its = rate_steps / max(time.monotonic() - rate_start, 1e-9)
            reporter.report(PHASE, done, total,
                            f"iteration {done}/{total} loss {loss:.4f} psnr {step_psnr:.2f} dB "
                            f"{its:.2f} it/s eta {(total - done) / its:.0f} s "
                            f"gaussians {len(state.avatar)}")
    except CancelledError:
        if completed != saved_at:
            checkpoint_now(completed)
        raise

    final_degree = min(config.init.max_sh_degree, max(total - 1, 0) // config.sh_degree_interval)
    reporter.report("validating", 0, 1, f"{len(data.val_rows)} held-out frames")
    val = evaluate(state, data, data.val_rows, final_degree, backend)
    train = evaluate(state, data, _spread(data.train_rows, config.max_val_frames),
                     final_degree, backend)
    avatar_path = save_avatar(run_dir, state.avatar, {
        "iterations": total, "sh_degree": final_degree, "train_psnr": train, "val_psnr": val,
        "val_frames": len(data.val_rows), "dataset": dataset.name})
    reporter.report("validating", 1, 1, f"held-out PSNR {val:.2f} dB" if val is not None
                    else "no validation frames")
    used = select_backend(backend, str(device))
    if last_ckpt is None:
        last_ckpt = checkpoint_now(total)
    return FitResult(
        iterations=total, train_psnr=float(train), val_psnr=val,
        val_frames=len(data.val_rows),
        gaussians={k: len(v) for k, v in state.avatar.sets.items()},
        seconds=time.monotonic() - started, avatar_path=avatar_path,
        checkpoint_path=last_ckpt, device=str(device), backend=used, history=history)
