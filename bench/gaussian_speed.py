"""Speed of the Gaussian avatar: render and training step, against raw gsplat.

GPU (when CUDA and gsplat are there): a 40k-Gaussian avatar (30k head + 10k torso) at
512x512, timed with CUDA events after warm-up (median of many runs):
- render: GaussianAvatar.render (pose transform, SH colour, gsplat, plate) vs
  gsplat.rasterization alone on the same camera-space Gaussians and settings;
- training step forward+backward: render + loss (L1 + D-SSIM + mask) + backward vs
  gsplat.rasterization + the same loss + backward;
- the torch reference on the GPU, same scene, for scale.
CPU: the torch reference, forward and forward+backward, at 128x128 and 512x512 (fewer
Gaussians, printed with each figure). Runs on CPU-only machines (GPU part skipped).
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable

import torch

from talkinghead.gaussians import Camera, FrozenAvatar, GaussianAvatar, GaussianSet
from talkinghead.gaussians.pose import head_to_camera, rotmat_to_quat
from talkinghead.training.losses import photometric_loss

HEAD_MM = 1100.0  # head distance from the camera, as in the sample


def synthetic_avatar(n_head: int, n_torso: int, size: int, device: str,
                     seed: int = 0) -> GaussianAvatar:
    """Random head Gaussians on a head-sized ellipsoid and torso Gaussians on a plane behind
    it, SH degree 3, a random plate; the camera frames head and shoulders like the sample."""
    g = torch.Generator().manual_seed(seed)
    d = torch.randn(n_head, 3, generator=g)
    head = d / d.norm(dim=1, keepdim=True) * torch.tensor([80.0, 110.0, 95.0])
    head = head * (0.85 + 0.15 * torch.rand(n_head, 1, generator=g))
    uv = torch.rand(n_torso, 2, generator=g) * torch.tensor([520.0, 260.0]) - torch.tensor(
        [260.0, -90.0])
    torso = torch.cat([uv, torch.full((n_torso, 1), HEAD_MM + 60.0)], dim=1)

    def gset(points: torch.Tensor, scale: float) -> GaussianSet:
        n = len(points)
        s = GaussianSet.from_points(points, torch.rand(n, 3, generator=g),
                                    torch.full((n,), scale), 0.6, 3)
        with torch.no_grad():
            s.params["shN"].normal_(0.0, 0.05, generator=g)
            s.params["quats"].copy_(torch.randn(n, 4, generator=g))
            s.params["scales"].add_(torch.randn(n, 3, generator=g) * 0.3)
        return s

    focal = size * 2.4
    camera = Camera(focal, size / 2 - 0.5, size / 2 - 0.5, size, size)
    plate = torch.rand(size, size, 3, generator=g)
    return GaussianAvatar(gset(head, 3.0), gset(torso, 6.0), plate, camera).to(device)


def _pose(device: str) -> tuple[torch.Tensor, torch.Tensor]:
    angle = 0.2
    rot = torch.tensor([[math.cos(angle), 0.0, math.sin(angle)], [0.0, 1.0, 0.0],
                        [-math.sin(angle), 0.0, math.cos(angle)]])
    return rot[None].to(device), torch.tensor([[0.0, -40.0, HEAD_MM]], device=device)


def _time_gpu(fn: Callable[[], None], warmup: int = 10, runs: int = 100) -> float:
    """Median milliseconds of fn() with CUDA events."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def _time_cpu(fn: Callable[[], None], warmup: int = 1, runs: int = 5) -> tuple[float, float]:
    """Best and median milliseconds of fn() on the host clock (other processes on a shared
    machine only ever add time, so the best run is the cleanest figure)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return min(times), statistics.median(times)


def _raw_inputs(avatar: GaussianAvatar, rot: torch.Tensor, trans: torch.Tensor
                ) -> dict[str, torch.Tensor]:
    """The camera-space Gaussians the avatar hands the rasterizer (random colours), as
    leaves."""
    with torch.no_grad():
        h, t = avatar.head, avatar.torso
        hm, hq = head_to_camera(h.means, h.params["quats"], rot, trans)
        means = torch.cat([hm[0], t.means])
        quats = torch.cat([hq[0], t.params["quats"]])
        scales = torch.cat([h.scales(), t.scales()])
        opac = torch.cat([h.opacities(), t.opacities()])
        colors = torch.rand(len(means), 3, device=means.device)
    return {k: v.contiguous().requires_grad_(True) for k, v in
            {"means": means, "quats": quats, "scales": scales, "opacities": opac,
             "colors": colors}.items()}


def gpu_figures(size: int = 512, n_head: int = 30_000, n_torso: int = 10_000) -> list[str]:
    from talkinghead.rasterize import rasterize
    from talkinghead.rasterize.gsplat_backend import load_gsplat

    gsplat = load_gsplat()
    dev = "cuda"
    avatar = synthetic_avatar(n_head, n_torso, size, dev)
    for s in avatar.sets.values():
        for p in s.params.values():
            p.requires_grad_(True)
    rot, trans = _pose(dev)
    quat = rotmat_to_quat(rot)
    sh = 3
    target = torch.rand(1, size, size, 3, device=dev)
    person = (torch.rand(1, size, size, 1, device=dev) > 0.5).float()
    raw = _raw_inputs(avatar, rot, trans)
    view = torch.eye(4, device=dev)[None]
    k = avatar.camera.raster_matrix().to(dev)[None]
    bg = avatar.background

    def raw_forward():
        with torch.no_grad():
            gsplat.rasterization(raw["means"], raw["quats"], raw["scales"], raw["opacities"],
                                 raw["colors"], view, k, size, size, packed=False)

    def raw_step():
        c, a, _ = gsplat.rasterization(raw["means"], raw["quats"], raw["scales"],
                                       raw["opacities"], raw["colors"], view, k, size, size,
                                       packed=False)
        img = c + bg * (1 - a)
        loss, _ = photometric_loss(img, target, a, person, 0.2, 0.1)
        loss.backward()

    def avatar_forward():
        with torch.no_grad():
            avatar.render(rot, trans, sh, backend="gsplat", pose_quats=quat)

    frozen = FrozenAvatar(avatar, sh, backend="gsplat")
    raw_sh = torch.cat([torch.cat([s.params["sh0"], s.params["shN"]], 1)
                        for s in avatar.sets.values()]).detach().contiguous()

    def frozen_forward():
        frozen.render(rot, trans, pose_quats=quat)

    rot8, trans8, quat8 = rot.repeat(8, 1, 1), trans.repeat(8, 1), quat.repeat(8, 1)

    def frozen_forward8():
        frozen.render(rot8, trans8, pose_quats=quat8)

    raw8 = {name: raw[name].detach()[None].expand(8, *raw[name].shape)
            for name in ("means", "quats", "scales", "opacities")}
    raw_sh8, view8, k8 = raw_sh[None].expand(8, -1, -1, -1), view[None].expand(8, -1, -1, -1), \
        k[None].expand(8, -1, -1, -1)

    def raw_sh_forward8():
        with torch.no_grad():
            gsplat.rasterization(raw8["means"], raw8["quats"], raw8["scales"],
                                 raw8["opacities"], raw_sh8, view8, k8, size, size,
                                 packed=False, sh_degree=sh)

    def raw_sh_forward():
        with torch.no_grad():
            gsplat.rasterization(raw["means"], raw["quats"], raw["scales"], raw["opacities"],
                                 raw_sh, view, k, size, size, packed=False, sh_degree=sh)

    def avatar_step():
        out = avatar.render(rot, trans, sh, backend="gsplat", pose_quats=quat)
        loss, _ = photometric_loss(out.colors, target, out.alphas, person, 0.2, 0.1)
        loss.backward()

    def torch_forward():
        with torch.no_grad():
            rasterize(raw["means"], raw["quats"], raw["scales"], raw["opacities"],
                      raw["colors"], view, k, size, size, backend="torch", tile_size=16)

    def torch_step():
        out = rasterize(raw["means"], raw["quats"], raw["scales"], raw["opacities"],
                        raw["colors"], view, k, size, size, backend="torch", tile_size=16)
        img = out.colors + bg * (1 - out.alphas)
        loss, _ = photometric_loss(img, target, out.alphas, person, 0.2, 0.1)
        loss.backward()

    t = {name: _time_gpu(fn, runs=runs) for name, fn, runs in (
        ("raw_fwd", raw_forward, 200), ("raw_step", raw_step, 100),
        ("avatar_fwd", avatar_forward, 200), ("avatar_step", avatar_step, 100),
        ("frozen_fwd", frozen_forward, 200), ("raw_sh_fwd", raw_sh_forward, 200),
        ("frozen_fwd8", frozen_forward8, 50), ("raw_sh_fwd8", raw_sh_forward8, 50),
        ("torch_fwd", torch_forward, 20), ("torch_step", torch_step, 10))}
    n = n_head + n_torso
    name = torch.cuda.get_device_name()
    return [
        f"GPU {name}, {n // 1000}k Gaussians ({n_head // 1000}k head + {n_torso // 1000}k "
        f"torso), {size}x{size}, SH degree {sh}, median of CUDA-event timings:",
        f"  raw gsplat.rasterization   forward {t['raw_fwd']:.3f} ms   "
        f"forward+backward (with loss) {t['raw_step']:.3f} ms",
        f"  avatar render              forward {t['avatar_fwd']:.3f} ms "
        f"({t['avatar_fwd'] / t['raw_fwd']:.2f}x raw)   training step "
        f"{t['avatar_step']:.3f} ms ({t['avatar_step'] / t['raw_step']:.2f}x raw)",
        f"  raw gsplat with SH coeffs  forward {t['raw_sh_fwd']:.3f} ms "
        f"({t['raw_sh_fwd'] / t['raw_fwd']:.2f}x raw)",
        f"  frozen avatar (renderer)   forward {t['frozen_fwd']:.3f} ms "
        f"({t['frozen_fwd'] / t['raw_fwd']:.2f}x raw, "
        f"{t['frozen_fwd'] / t['raw_sh_fwd']:.2f}x raw with SH)",
        f"  frozen avatar, 8 poses/call forward {t['frozen_fwd8'] / 8:.3f} ms per frame "
        f"({t['frozen_fwd8'] / 8 / t['raw_fwd']:.2f}x raw; raw with SH, 8 images per call: "
        f"{t['raw_sh_fwd8'] / 8:.3f} ms per image, frozen/raw "
        f"{t['frozen_fwd8'] / t['raw_sh_fwd8']:.2f}x)",
        f"  torch reference on GPU     forward {t['torch_fwd']:.1f} ms "
        f"({t['torch_fwd'] / t['raw_fwd']:.0f}x raw)   forward+backward "
        f"{t['torch_step']:.1f} ms ({t['torch_step'] / t['raw_step']:.0f}x raw)",
    ]


def _cpu_case(size: int, n_head: int, n_torso: int) -> str:
    avatar = synthetic_avatar(n_head, n_torso, size, "cpu")
    rot, trans = _pose("cpu")
    target = torch.rand(1, size, size, 3)
    person = torch.ones(1, size, size, 1)

    def forward() -> None:
        with torch.no_grad():
            avatar.render(rot, trans, 3, backend="torch")

    def step() -> None:
        out = avatar.render(rot, trans, 3, backend="torch")
        loss, _ = photometric_loss(out.colors, target, out.alphas, person, 0.2, 0.1)
        loss.backward()

    runs = 7 if size <= 128 else 3
    fwd, stp = _time_cpu(forward, runs=runs), _time_cpu(step, runs=runs)
    return (f"  {size}x{size}, {(n_head + n_torso) / 1000:g}k Gaussians: render "
            f"{fwd[0]:.0f} ms (median {fwd[1]:.0f}), training step (forward+backward) "
            f"{stp[0]:.0f} ms (median {stp[1]:.0f}) = {1000 / stp[0]:.1f} it/s")


def cpu_figures() -> list[str]:
    lines = ["CPU torch reference, best (median) wall time of a few runs (on a shared machine "
             "the best run is the cleanest figure):"]
    default = torch.get_num_threads()
    try:
        for threads in sorted({1, default}):
            torch.set_num_threads(threads)
            lines.append(f" {threads} thread(s):")
            lines += [_cpu_case(128, 3000, 1000), _cpu_case(512, 15_000, 5000)]
    finally:
        torch.set_num_threads(default)
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the figures; `--gpu-only` skips the (slow) CPU part."""
    args = argv if argv is not None else sys.argv[1:]
    if "--gpu-only" not in args:
        for line in cpu_figures():
            print(line, flush=True)
    if not torch.cuda.is_available():
        print("GPU: skipped (no CUDA device)")
        return 0
    from talkinghead.rasterize.gsplat_backend import BackendUnavailableError

    try:
        lines = gpu_figures()
    except BackendUnavailableError as exc:
        print(f"GPU: skipped ({exc})")
        return 0
    for line in lines:
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
