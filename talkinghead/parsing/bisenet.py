"""BiSeNet face parsing from a local checkpoint (the 19-class face-parsing.PyTorch model,
`79999_iter.pth`), used where a user has one instead of the landmark-derived head/neck split.

The network mirrors that model's module tree (ResNet-18 context path, attention refinement,
feature fusion; its spatial path replaced by the ResNet 1/8 feature), so the checkpoint's
state-dict keys load strictly. Nothing is downloaded: the path comes from the options.
Checkpoints load with `torch.load(weights_only=True)`, never as arbitrary pickles.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from talkinghead.errors import InvalidInputError, NotFoundError
from talkinghead.parsing.colors import BACKGROUND, HEAD, NECK, TORSO

N_CLASSES = 19
# The 19 CelebAMask-HQ classes of the checkpoint, in output order.
CLASS_NAMES = (
    "background", "skin", "l_brow", "r_brow", "l_eye", "r_eye", "eye_g", "l_ear", "r_ear",
    "ear_r", "nose", "mouth", "u_lip", "l_lip", "neck", "neck_l", "cloth", "hair", "hat",
)  # fmt: skip
# Class -> region, as AD-NeRF / GaussianTalker's face-parsing script colours them:
# 1..13 and 17..18 head, 14..15 (neck, necklace) neck, 16 (cloth) torso, 0 background.
CLASS_TO_REGION = np.array(
    [BACKGROUND] + [HEAD] * 13 + [NECK, NECK, TORSO, HEAD, HEAD], dtype=np.uint8
)
INPUT_SIZE = 512  # the resolution the checkpoint was trained and is run at
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


class ConvBNReLU(nn.Module):
    def __init__(self, cin: int, cout: int, ks: int = 3, stride: int = 1, padding: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, ks, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if cin != cout or stride != 1:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(shortcut + residual)


def _layer(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1))


class Resnet18(nn.Module):
    """ResNet-18 trunk returning the 1/8, 1/16 and 1/32 features."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = _layer(64, 64, 1)
        self.layer2 = _layer(64, 128, 2)
        self.layer3 = _layer(128, 256, 2)
        self.layer4 = _layer(256, 512, 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.layer1(self.maxpool(F.relu(self.bn1(self.conv1(x)))))
        feat8 = self.layer2(x)
        feat16 = self.layer3(feat8)
        return feat8, feat16, self.layer4(feat16)


class AttentionRefinementModule(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = ConvBNReLU(cin, cout)
        self.conv_atten = nn.Conv2d(cout, cout, 1, bias=False)
        self.bn_atten = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = self.conv(x)
        atten = torch.sigmoid(self.bn_atten(self.conv_atten(feat.mean((2, 3), keepdim=True))))
        return feat * atten


class ContextPath(nn.Module):
    def __init__(self):
        super().__init__()
        self.resnet = Resnet18()
        self.arm16 = AttentionRefinementModule(256, 128)
        self.arm32 = AttentionRefinementModule(512, 128)
        self.conv_head32 = ConvBNReLU(128, 128)
        self.conv_head16 = ConvBNReLU(128, 128)
        self.conv_avg = ConvBNReLU(512, 128, ks=1, padding=0)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        feat8, feat16, feat32 = self.resnet(x)
        avg = self.conv_avg(feat32.mean((2, 3), keepdim=True))
        feat32_sum = self.arm32(feat32) + avg  # broadcast == nearest upsampling of a 1x1
        feat32_up = self.conv_head32(F.interpolate(feat32_sum, feat16.shape[2:], mode="nearest"))
        feat16_sum = self.arm16(feat16) + feat32_up
        feat16_up = self.conv_head16(F.interpolate(feat16_sum, feat8.shape[2:], mode="nearest"))
        return feat8, feat16_up, feat32_up


class FeatureFusionModule(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.convblk = ConvBNReLU(cin, cout, ks=1, padding=0)
        self.conv1 = nn.Conv2d(cout, cout // 4, 1, bias=False)
        self.conv2 = nn.Conv2d(cout // 4, cout, 1, bias=False)

    def forward(self, fsp: torch.Tensor, fcp: torch.Tensor) -> torch.Tensor:
        feat = self.convblk(torch.cat([fsp, fcp], dim=1))
        atten = torch.sigmoid(self.conv2(F.relu(self.conv1(feat.mean((2, 3), keepdim=True)))))
        return feat * atten + feat


class BiSeNetOutput(nn.Module):
    def __init__(self, cin: int, cmid: int, n_classes: int):
        super().__init__()
        self.conv = ConvBNReLU(cin, cmid)
        self.conv_out = nn.Conv2d(cmid, n_classes, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_out(self.conv(x))


class BiSeNet(nn.Module):
    """The face-parsing BiSeNet; `forward` returns the main logits at input size (the two
    auxiliary heads exist only so the checkpoint's keys load strictly)."""

    def __init__(self, n_classes: int = N_CLASSES):
        super().__init__()
        self.cp = ContextPath()
        self.ffm = FeatureFusionModule(256, 256)
        self.conv_out = BiSeNetOutput(256, 256, n_classes)
        self.conv_out16 = BiSeNetOutput(128, 64, n_classes)
        self.conv_out32 = BiSeNetOutput(128, 64, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat_res8, feat_cp8, _ = self.cp(x)
        logits = self.conv_out(self.ffm(feat_res8, feat_cp8))
        return F.interpolate(logits, x.shape[2:], mode="bilinear", align_corners=True)


def load_bisenet(path: str | Path, device: str | torch.device = "cpu") -> BiSeNet:
    """Load a face-parsing checkpoint (a plain state dict, optionally `module.`-prefixed by
    DataParallel) into a BiSeNet in eval mode. Wrong or incomplete files fail clearly."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"BiSeNet checkpoint {path} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling refused or corrupt file: both are bad input
        raise InvalidInputError(
            f"BiSeNet checkpoint {path.name} is not a loadable weights-only state dict: "
            f"{type(exc).__name__}"
        ) from exc
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise InvalidInputError(f"BiSeNet checkpoint {path.name} does not hold a state dict")
    state = {k.removeprefix("module."): v for k, v in state.items()}
    net = BiSeNet(N_CLASSES)
    # The trunk of some copies still carries ResNet-18's ImageNet classifier: not used.
    state = {k: v for k, v in state.items() if not k.startswith("cp.resnet.fc.")}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise InvalidInputError(
            f"BiSeNet checkpoint {path.name} does not match the 19-class face-parsing "
            f"network: {len(missing)} missing keys (e.g. {missing[:3]}), "
            f"{len(unexpected)} unexpected keys (e.g. {unexpected[:3]})"
        )
    return net.to(device).eval()


class BiSeNetParser:
    """Face parsing with a local BiSeNet checkpoint: 19 classes per pixel, then mapped to
    our four regions the way AD-NeRF / GaussianTalker map them."""

    def __init__(self, checkpoint: str | Path, device: str | torch.device = "cpu"):
        self.device = torch.device(device)
        self.net = load_bisenet(checkpoint, self.device)

    @torch.no_grad()
    def classes(self, rgb: np.ndarray) -> np.ndarray:
        """The 19-class map (HxW uint8) of an RGB uint8 image, at the image's size."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise InvalidInputError(f"expected an HxWx3 uint8 RGB frame, got {rgb.shape}")
        h, w = rgb.shape[:2]
        x = cv2.resize(rgb, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_LINEAR)
        t = torch.from_numpy(x).to(self.device).permute(2, 0, 1).float().div_(255.0)
        mean = torch.tensor(_MEAN, device=self.device).view(3, 1, 1)
        std = torch.tensor(_STD, device=self.device).view(3, 1, 1)
        logits = self.net(((t - mean) / std)[None])[0]
        cls = logits.argmax(0).to(torch.uint8).cpu().numpy()
        return cv2.resize(cls, (w, h), interpolation=cv2.INTER_NEAREST)

    def regions(self, rgb: np.ndarray) -> np.ndarray:
        """Our labels (0 background, 1 head, 2 neck, 3 torso) from the network alone."""
        return classes_to_regions(self.classes(rgb))


def classes_to_regions(classes: np.ndarray) -> np.ndarray:
    """Map a 19-class face-parsing map to our four labels (see CLASS_TO_REGION)."""
    if classes.size and int(classes.max()) >= N_CLASSES:
        raise InvalidInputError(f"face-parsing classes must be 0..18, found {int(classes.max())}")
    return CLASS_TO_REGION[classes]
