"""Training of the Gaussian avatar: frames held in memory, losses (L1, SSIM, silhouette),
per-parameter Adam, the static (coarse) fit loop with densification, and checkpoints in
safetensors that a fit resumes from."""

from talkinghead.training.checkpoint import (
    Checkpoint,
    latest_checkpoint,
    load_avatar,
    save_avatar,
    save_checkpoint,
)
from talkinghead.training.config import FitConfig, LearningRates
from talkinghead.training.data import FrameData, load_frames
from talkinghead.training.fit import FitResult, fit_static
from talkinghead.training.losses import photometric_loss, psnr, ssim

__all__ = [
    "Checkpoint",
    "FitConfig",
    "FitResult",
    "FrameData",
    "LearningRates",
    "fit_static",
    "latest_checkpoint",
    "load_avatar",
    "load_frames",
    "photometric_loss",
    "psnr",
    "save_avatar",
    "save_checkpoint",
    "ssim",
]
