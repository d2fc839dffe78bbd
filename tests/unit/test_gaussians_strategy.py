"""Densification and pruning: which Gaussians are duplicated, split or removed, the cap on
the count, and that Adam's moments follow the parameters they belong to."""

from __future__ import annotations

import math

import torch

from talkinghead.gaussians import DensifyStrategy, GaussianSet

SCENE = 100.0


def _set(scales: list[float], opacities: list[float]) -> GaussianSet:
    n = len(scales)
    points = torch.arange(n, dtype=torch.float32)[:, None] * torch.tensor([10.0, 0, 0])
    s = GaussianSet.from_points(points, torch.rand(n, 3), torch.tensor(scales), 0.5, 1)
    with torch.no_grad():
        s.params["opacities"].copy_(torch.logit(torch.tensor(opacities)))
    return s


def _optimizers(s: GaussianSet) -> dict[str, torch.optim.Adam]:
    opts = {k: torch.optim.Adam([p], lr=1e-3) for k, p in s.params.items()}
    for k, p in s.params.items():  # one step so every optimiser has moments
        p.grad = torch.ones_like(p) * 0.1
        opts[k].step()
    return opts


def _info(grads: list[float], n_torso: int = 0) -> dict:
    n = len(grads) + n_torso
    means2d = torch.zeros(1, 1, n, 2, requires_grad=True)
    g = torch.zeros(1, 1, n, 2)
    # image-plane gradient norms: the strategy scales by width/2 (x) and height/2 (y)
    g[0, 0, : len(grads), 0] = torch.tensor(grads) / 50.0
    means2d.grad = g
    return {"means2d": means2d, "radii": torch.ones(1, 1, n, 2, dtype=torch.int32),
            "width": 100, "height": 100, "n_cameras": 1,
            "segments": {"head": (0, len(grads)), "torso": (len(grads), n)}}


def test_grow_duplicates_small_splits_large_and_prunes_transparent() -> None:
    # 0: small, high grad -> duplicate; 1: large, high grad -> split; 2: low grad -> kept;
    # 3: transparent -> pruned.
    head = _set([0.5, 5.0, 0.5, 0.5], [0.5, 0.5, 0.5, 0.001])
    torso = _set([0.5], [0.5])
    opts = {"head": _optimizers(head), "torso": _optimizers(torso)}
    strategy = DensifyStrategy(grow_grad2d=0.01, grow_scale3d=0.01, refine_start_iter=0,
                               refine_every=1, reset_every=1000, prune_opa=0.005)
    state = strategy.initialize_state({"head": 4, "torso": 1}, SCENE)
    params = {"head": head.params, "torso": torso.params}
    old_means = head.params["means"].detach().clone()
    old_scales = head.scales().detach().clone()
    done = strategy.step_post_backward(params, opts, state, 1, _info([1.0, 1.0, 0.001, 0.0], 1))
    assert done["duplicated"] == 1 and done["split"] == 1 and done["pruned"] == 1
    means = head.params["means"].detach()
    # kept: #0 and #2 first (the split one leaves its place), then the copy of #0, then
    # the two halves of #1; #3 is gone
    assert len(head) == 5
    torch.testing.assert_close(means[0], old_means[0])
    torch.testing.assert_close(means[1], old_means[2])
    torch.testing.assert_close(means[2], old_means[0])
    halves = means[3:]
    assert bool(((halves - old_means[1]).norm(dim=1) < 5.0 * 4).all())
    torch.testing.assert_close(head.scales()[3:].detach(), (old_scales[1] / 1.6).expand(2, 3))
    assert len(torso) == 1
    for name, p in head.params.items():
        st = opts["head"][name].state[p]
        assert st["exp_avg"].shape == p.shape
        # new Gaussians start with zero moments, kept ones keep theirs
        assert bool((st["exp_avg"][2:] == 0).all()) and bool((st["exp_avg"][:2] != 0).any())
        assert opts["head"][name].param_groups[0]["params"][0] is p
    assert state["sets"]["head"]["grad2d"].shape == (5,)
    assert float(state["sets"]["head"]["grad2d"].sum()) == 0.0  # reset after refining


def test_cap_keeps_the_highest_gradients() -> None:
    head = _set([0.5] * 6, [0.5] * 6)
    opts = {"head": _optimizers(head)}
    strategy = DensifyStrategy(grow_grad2d=0.01, refine_start_iter=0, refine_every=1,
                               max_gaussians=8)
    state = strategy.initialize_state({"head": 6}, SCENE)
    info = _info([0.1, 0.5, 0.2, 0.9, 0.3, 0.05])
    info["segments"] = {"head": (0, 6)}
    before = head.params["means"].detach().clone()
    done = strategy.step_post_backward({"head": head.params}, opts, state, 1, info)
    assert done["duplicated"] == 2 and len(head) == 8
    torch.testing.assert_close(head.params["means"][6:].detach(), before[[1, 3]])


def test_opacity_reset_and_accumulation_only_where_drawn() -> None:
    head = _set([0.5, 0.5], [0.9, 0.2])
    opts = {"head": _optimizers(head)}
    strategy = DensifyStrategy(refine_start_iter=100, reset_every=10, prune_opa=0.005)
    state = strategy.initialize_state({"head": 2}, SCENE)
    info = _info([1.0, 1.0])
    info["segments"] = {"head": (0, 2)}
    info["radii"][0, 0, 1] = 0  # the second one was not drawn
    strategy.step_post_backward({"head": head.params}, opts, state, 5, info)
    counts = state["sets"]["head"]["count"].tolist()
    assert counts == [1.0, 0.0]
    assert math.isclose(float(state["sets"]["head"]["grad2d"][0]), 1.0, rel_tol=1e-5)
    strategy.step_post_backward({"head": head.params}, opts, state, 10, info)
    assert torch.allclose(head.opacities(), torch.tensor([0.01, 0.01]), atol=1e-6)
