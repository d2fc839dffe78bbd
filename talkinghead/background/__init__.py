"""The static background: the clean plate (`bc.jpg`) and the per-frame images composed
with it (`torso_imgs/N.png`, `gt_imgs/N.jpg`)."""

from talkinghead.background.composite import (
    replace_background,
    torso_rgba,
    write_rgb_jpg,
    write_rgba_png,
)
from talkinghead.background.plate import Plate, PlateBuilder

__all__ = [
    "Plate",
    "PlateBuilder",
    "replace_background",
    "torso_rgba",
    "write_rgb_jpg",
    "write_rgba_png",
]
