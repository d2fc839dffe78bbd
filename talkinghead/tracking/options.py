"""Options of a tracking run, validated on construction."""

from __future__ import annotations

import math
from dataclasses import dataclass

from talkinghead.errors import InvalidInputError

DEFAULT_VAL_FRACTION = 1.0 / 11.0  # GaussianTalker / ER-NeRF hold out the last 1/11
MAX_COMPONENTS = 32


@dataclass(frozen=True)
class TrackOptions:
    """smoothness: multiplier of the default temporal smoothness weight (1 = default, 0 =
        none: every frame follows its own landmarks; larger = smoother).
    val_fraction: fraction of the clip, from its end, held out for validation (0..0.5).
    focal_px: a fixed focal length in pixels of the dataset frames; None = estimate it
        where the head motion constrains it, else use the default field of view.
    components: size K of the person's expression basis.
    robust_scale_px: Huber scale of the landmark residuals (pixels): errors beyond it
        count linearly, so outlying landmarks pull less.
    """

    smoothness: float = 1.0
    val_fraction: float = DEFAULT_VAL_FRACTION
    focal_px: float | None = None
    components: int = 12
    robust_scale_px: float = 2.5

    def __post_init__(self) -> None:
        if not _finite(self.smoothness) or not 0.0 <= self.smoothness <= 1e4:
            raise InvalidInputError(f"smoothness must be within 0..10000, got {self.smoothness}")
        if not _finite(self.val_fraction) or not 0.0 <= self.val_fraction <= 0.5:
            raise InvalidInputError(
                f"val_fraction must be within 0..0.5, got {self.val_fraction}")
        if self.focal_px is not None and (not _finite(self.focal_px) or self.focal_px <= 0):
            raise InvalidInputError(
                f"focal_px must be a positive number of pixels or None, got {self.focal_px}")
        if (isinstance(self.components, bool) or not isinstance(self.components, int)
                or not 1 <= self.components <= MAX_COMPONENTS):
            raise InvalidInputError(
                f"components must be an integer within 1..{MAX_COMPONENTS}, "
                f"got {self.components!r}")
        if not _finite(self.robust_scale_px) or not 0.1 <= self.robust_scale_px <= 100:
            raise InvalidInputError(
                f"robust_scale_px must be within 0.1..100, got {self.robust_scale_px}")

    def val_start(self, frame_count: int) -> int:
        """First validation frame: the last floor(N * val_fraction) frames are held out
        (N - N // 11 by default), always leaving at least one training frame."""
        held = int(math.floor(frame_count * self.val_fraction + 1e-9))
        return max(1, frame_count - held)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
