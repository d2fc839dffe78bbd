"""Settings of the static (coarse) fit, parsed once into a frozen object; JSON round-trip
for the config file written beside each checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from talkinghead.errors import InvalidInputError
from talkinghead.gaussians import AvatarInitConfig, DensifyStrategy
from talkinghead.rasterize import BACKENDS

DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class LearningRates:
    """Adam learning rates per parameter (3DGS's values). `means` is multiplied by the
    scene scale (the head's size, mm) and decays exponentially to `means_final_ratio` of
    itself over the run."""

    means: float = 1.6e-4
    means_final_ratio: float = 0.01
    scales: float = 5e-3
    quats: float = 1e-3
    opacities: float = 5e-2
    sh0: float = 2.5e-3
    shN: float = 2.5e-3 / 20


@dataclass(frozen=True)
class FitConfig:
    iterations: int = 6000
    # Frames per step (rendered in one rasterizer call).
    batch_size: int = 1
    # Side of the square frames the fit renders (None: the dataset's own).
    resolution: int | None = None
    device: str = "auto"
    backend: str = "auto"
    # torch CPU threads while a CPU fit runs (restored after); 0 leaves torch's setting.
    # 1 by default: each operation is small, and on a shared 2-core machine two threads
    # waiting on each other made steps 5-10x slower than one (measured).
    cpu_threads: int = 1
    seed: int = 0
    init: AvatarInitConfig = field(default_factory=AvatarInitConfig)
    lr: LearningRates = field(default_factory=LearningRates)
    strategy: DensifyStrategy = field(default_factory=DensifyStrategy)
    # The active SH degree goes up by one every this many steps, to init.max_sh_degree.
    sh_degree_interval: int = 1000
    # loss = (1 - ssim_lambda) L1 + ssim_lambda (1 - SSIM) + mask_weight |alpha - person|
    ssim_lambda: float = 0.2
    mask_weight: float = 0.1
    # Frames of the start of the training split whose pixels colour the initial Gaussians.
    color_init_frames: int = 5
    checkpoint_every: int = 1000
    keep_checkpoints: int = 2
    # Validation frames rendered for the held-out PSNR (evenly spread over the split).
    max_val_frames: int = 64

    def __post_init__(self) -> None:
        if self.cpu_threads < 0:
            raise InvalidInputError(f"cpu_threads must be >= 0, got {self.cpu_threads}")
        if self.iterations < 1 or self.batch_size < 1:
            raise InvalidInputError("iterations and batch_size must be >= 1")
        if self.resolution is not None and not 16 <= self.resolution <= 4096:
            raise InvalidInputError(f"resolution must be 16..4096, got {self.resolution}")
        if self.device not in DEVICES:
            raise InvalidInputError(f"device must be one of {DEVICES}, got {self.device!r}")
        if self.backend not in BACKENDS:
            raise InvalidInputError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.checkpoint_every < 1 or self.keep_checkpoints < 1 or self.sh_degree_interval < 1:
            raise InvalidInputError(
                "checkpoint_every, keep_checkpoints and sh_degree_interval must be >= 1")
        if not 0 <= self.ssim_lambda <= 1 or self.mask_weight < 0:
            raise InvalidInputError("need 0 <= ssim_lambda <= 1 and mask_weight >= 0")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> FitConfig:
        """Inverse of to_dict; unknown keys are an error (a config from another version)."""
        nested = {"init": AvatarInitConfig, "lr": LearningRates, "strategy": DensifyStrategy}
        known = {f.name for f in fields(FitConfig)}
        unknown = set(data) - known
        if unknown:
            raise InvalidInputError(f"unknown fit config keys: {sorted(unknown)}")
        values = dict(data)
        try:
            for key, cls in nested.items():
                if key in values and isinstance(values[key], dict):
                    values[key] = cls(**values[key])
            return FitConfig(**values)
        except TypeError as exc:
            raise InvalidInputError(f"bad fit config: {exc}") from None
