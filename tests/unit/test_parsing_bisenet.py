"""The BiSeNet checkpoint hook: the network loads a face-parsing state dict strictly (keys
as in the published 79999_iter.pth), refuses wrong or unsafe files, runs, and when given
to the parser it decides the head/neck split. No real checkpoint exists on this machine,
so the checkpoints here are made by the test (random, or with weights set by hand)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from talkinghead.errors import InvalidInputError, NotFoundError
from talkinghead.parsing import NECK, TORSO, BackgroundModel, parse_frame
from talkinghead.parsing.bisenet import BiSeNet, BiSeNetParser, load_bisenet

# Keys of the published checkpoint (module tree of face-parsing.PyTorch's model.py).
PUBLISHED_KEYS = [
    "cp.resnet.conv1.weight",
    "cp.resnet.bn1.running_mean",
    "cp.resnet.layer1.0.conv1.weight",
    "cp.resnet.layer2.0.downsample.0.weight",
    "cp.resnet.layer2.0.downsample.1.running_var",
    "cp.resnet.layer4.1.bn2.bias",
    "cp.arm16.conv.conv.weight",
    "cp.arm16.conv_atten.weight",
    "cp.arm16.bn_atten.weight",
    "cp.arm32.conv.bn.running_mean",
    "cp.conv_head32.conv.weight",
    "cp.conv_head16.bn.weight",
    "cp.conv_avg.conv.weight",
    "ffm.convblk.conv.weight",
    "ffm.conv1.weight",
    "ffm.conv2.weight",
    "conv_out.conv.conv.weight",
    "conv_out.conv_out.weight",
    "conv_out16.conv_out.weight",
    "conv_out32.conv.bn.running_var",
]


def test_module_tree_matches_the_published_checkpoint() -> None:
    state = BiSeNet().state_dict()
    for key in PUBLISHED_KEYS:
        assert key in state, key
    assert state["conv_out.conv_out.weight"].shape == (19, 256, 1, 1)
    assert state["cp.resnet.layer4.1.conv2.weight"].shape == (512, 512, 3, 3)
    assert not any(k.startswith("sp.") for k in state)  # the spatial path was removed


def test_random_checkpoint_loads_and_parses(tmp_path) -> None:
    torch.manual_seed(0)
    net = BiSeNet()
    path = tmp_path / "79999_iter.pth"
    # DataParallel-style prefixes are accepted too.
    torch.save({f"module.{k}": v for k, v in net.state_dict().items()}, path)
    parser = BiSeNetParser(path)
    for k, v in net.state_dict().items():
        assert torch.equal(parser.net.state_dict()[k], v)
    rgb = np.random.default_rng(0).integers(0, 256, (70, 50, 3), dtype=np.uint8)
    classes = parser.classes(rgb)
    assert classes.shape == (70, 50) and classes.dtype == np.uint8 and classes.max() < 19
    assert set(np.unique(parser.regions(rgb))) <= {0, 1, 2, 3}


def test_wrong_and_unsafe_checkpoints_are_refused(tmp_path) -> None:
    with pytest.raises(NotFoundError):
        load_bisenet(tmp_path / "nope.pth")
    partial = {k: v for k, v in BiSeNet().state_dict().items() if not k.startswith("ffm.")}
    torch.save(partial, tmp_path / "partial.pth")
    with pytest.raises(InvalidInputError, match="missing keys"):
        load_bisenet(tmp_path / "partial.pth")
    # A pickle of an arbitrary object must never be unpickled.
    torch.save({"x": sys.modules[__name__].Evil()}, tmp_path / "evil.pth")
    with pytest.raises(InvalidInputError, match="weights-only"):
        load_bisenet(tmp_path / "evil.pth")


class Evil:
    def __reduce__(self):
        return (print, ("unpickled!",))


def test_parser_uses_the_network_for_the_split(tmp_path) -> None:
    # A network that answers "neck" (class 14) everywhere: every conv weight zero, the
    # last block's BN bias 1 (features all 1 after ReLU), the neck logit summing them.
    net = BiSeNet()
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
        net.conv_out.conv.bn.bias.fill_(1.0)
        net.conv_out.conv_out.weight[14].fill_(1.0)
    path = tmp_path / "neck.pth"
    torch.save(net.state_dict(), path)
    parser = BiSeNetParser(path)

    rng = np.random.default_rng(0)
    bg = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    frames = []
    for x0 in (10, 20):  # a square "person" moving over a static background
        f = bg.copy()
        f[20:60, x0 : x0 + 25] = (200, 150, 120)
        frames.append(f)
    lms = np.zeros((68, 2)) + [[32.0, 40.0]]
    lms[:17, 0] = np.linspace(24, 40, 17)  # a tiny jaw so the landmarks are valid
    lms[:17, 1] = 40 + 4 * np.sin(np.linspace(0, np.pi, 17))
    lms[27] = (32, 30)
    model = BackgroundModel.fit(
        [(f, lms + [x0 - 10, 0]) for f, x0 in zip(frames, (10, 20), strict=True)]
    )
    lab = parse_frame(frames[0], lms, model, bisenet=parser)
    person = lab > 0
    assert person.any()
    assert np.all(lab[person] == NECK)
    assert not np.any(lab == TORSO)
