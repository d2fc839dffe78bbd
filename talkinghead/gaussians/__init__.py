"""The Gaussian avatar: trainable Gaussian sets (SH colour), the head-plus-torso avatar
rendered in one rasterizer call, its initialisation from the tracked face shape and the
parsing, and the densify/prune strategy used while training."""

from talkinghead.gaussians.avatar import SET_NAMES, Camera, GaussianAvatar
from talkinghead.gaussians.build import AvatarInitConfig, build_avatar
from talkinghead.gaussians.frozen import FrozenAvatar
from talkinghead.gaussians.gaussian_set import PARAM_NAMES, GaussianSet
from talkinghead.gaussians.strategy import DensifyStrategy

__all__ = [
    "PARAM_NAMES",
    "SET_NAMES",
    "AvatarInitConfig",
    "Camera",
    "DensifyStrategy",
    "FrozenAvatar",
    "GaussianAvatar",
    "GaussianSet",
    "build_avatar",
]
