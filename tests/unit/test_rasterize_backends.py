"""Backend selection and lazy loading: importing the package never imports gsplat; "auto"
picks the torch reference on CPU; "gsplat" without CUDA raises a clear, cached error; and
properties every backend must have (tile size and batching do not change the image)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from talkinghead.errors import FailedPreconditionError, InvalidInputError
from talkinghead.rasterize import BackendUnavailableError, gsplat_backend, rasterize, select_backend


def _scene(n: int = 60, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    means = torch.randn(n, 3, generator=g) * torch.tensor([0.5, 0.5, 0.2]) + torch.tensor(
        [0.0, 0.0, 3.0])
    return dict(means=means, quats=torch.randn(n, 4, generator=g),
                scales=torch.rand(n, 3, generator=g) * 0.08 + 0.01,
                opacities=torch.rand(n, generator=g) * 0.9 + 0.05,
                colors=torch.rand(n, 3, generator=g), viewmats=torch.eye(4)[None],
                Ks=torch.tensor([[[40.0, 0, 24.0], [0, 40.0, 20.0], [0, 0, 1]]]))


def test_importing_the_package_does_not_import_gsplat() -> None:
    code = ("import sys, talkinghead.rasterize, talkinghead.gaussians, talkinghead.training; "
            "bad = [m for m in ('gsplat', 'av', 'dlib', 'grpc') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only behaviour")
def test_auto_picks_torch_on_cpu_and_gsplat_fails_clearly() -> None:
    assert select_backend("auto", "cpu") == "torch"
    assert select_backend("auto", "cuda") == "torch"  # no CUDA here: falls back
    gsplat_backend.reset_for_tests()
    with pytest.raises(BackendUnavailableError, match="CUDA") as first:
        rasterize(**_scene(), width=48, height=40, backend="gsplat")
    assert isinstance(first.value, FailedPreconditionError)
    assert "torch.cuda.is_available() is False" in str(first.value)
    with pytest.raises(BackendUnavailableError) as second:  # cached: the same message
        select_backend("gsplat")
    assert str(second.value) == str(first.value)
    with pytest.raises(InvalidInputError, match="backend must be one of"):
        select_backend("cuda")


def test_bad_shapes_are_named() -> None:
    scene = _scene()
    scene["opacities"] = scene["opacities"][:-1]
    with pytest.raises(InvalidInputError, match="opacities"):
        rasterize(**scene, width=48, height=40, backend="torch")


def test_image_does_not_depend_on_tile_size() -> None:
    images = [rasterize(**_scene(), width=48, height=40, tile_size=t, backend="torch")
              for t in (4, 8, 16, 64)]
    for out in images[1:]:
        torch.testing.assert_close(out.colors, images[0].colors, atol=1e-6, rtol=0)
        torch.testing.assert_close(out.alphas, images[0].alphas, atol=1e-6, rtol=0)


def test_batch_dims_render_like_separate_calls() -> None:
    a, b = _scene(seed=1), _scene(seed=2)
    keys = ("means", "quats", "scales", "opacities", "colors", "viewmats", "Ks")
    both = {k: torch.stack([a[k], b[k]]) for k in keys}
    bg = torch.rand(2, 1, 40, 48, 3)
    out = rasterize(**both, width=48, height=40, backgrounds=bg, backend="torch")
    for i, scene in enumerate((a, b)):
        one = rasterize(**scene, width=48, height=40, backgrounds=bg[i], backend="torch")
        torch.testing.assert_close(out.colors[i], one.colors, atol=1e-6, rtol=0)
        torch.testing.assert_close(out.alphas[i], one.alphas, atol=1e-6, rtol=0)


def test_several_cameras_see_the_same_gaussians() -> None:
    scene = _scene()
    moved = torch.eye(4)
    moved[0, 3] = 0.2
    scene["viewmats"] = torch.stack([torch.eye(4), moved])
    scene["Ks"] = scene["Ks"].expand(2, 3, 3)
    out = rasterize(**scene, width=48, height=40, backend="torch")
    single = {**scene, "viewmats": moved[None], "Ks": scene["Ks"][:1]}
    torch.testing.assert_close(out.colors[1:], rasterize(**single, width=48, height=40,
                                                         backend="torch").colors)
