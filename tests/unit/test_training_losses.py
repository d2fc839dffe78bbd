"""Losses and metrics against scikit-image's independent implementations, and the
config's JSON round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from talkinghead.errors import InvalidInputError
from talkinghead.gaussians import DensifyStrategy
from talkinghead.training import FitConfig, photometric_loss, psnr, ssim


def _pair(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.random((40, 48, 3))
    a = (a + np.roll(a, 1, 0) + np.roll(a, 1, 1)) / 3  # some structure
    b = np.clip(a + rng.normal(0, 0.05, a.shape), 0, 1)
    return a, b


def test_ssim_valid_matches_skimage() -> None:
    a, b = _pair()
    expected = structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False, data_range=1.0,
                                     channel_axis=-1)
    got = ssim(torch.tensor(a[None]), torch.tensor(b[None]), padding="valid")
    assert float(got) == pytest.approx(expected, abs=1e-9)


def test_ssim_of_identical_images_is_one_and_differentiable() -> None:
    a, b = _pair(1)
    x = torch.tensor(a[None], requires_grad=True)
    assert float(ssim(x, x).detach()) == pytest.approx(1.0, abs=1e-9)
    s = ssim(x, torch.tensor(b[None]))
    s.backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0


def test_psnr_matches_skimage() -> None:
    a, b = _pair(2)
    assert psnr(torch.tensor(a), torch.tensor(b)) == pytest.approx(
        peak_signal_noise_ratio(a, b, data_range=1.0), abs=1e-9)


def test_photometric_loss_combines_l1_ssim_and_mask() -> None:
    a, b = _pair(3)
    x, y = torch.tensor(a[None]), torch.tensor(b[None])
    alpha = torch.full((1, 40, 48, 1), 0.25, dtype=torch.float64)
    person = torch.zeros_like(alpha)
    loss, parts = photometric_loss(x, y, alpha, person, 0.2, 0.1)
    expected = 0.8 * np.abs(a - b).mean() + 0.2 * (1 - float(ssim(x, y))) + 0.1 * 0.25
    assert float(loss) == pytest.approx(expected, abs=1e-12)
    assert parts["mask"] == pytest.approx(0.25)


def test_fit_config_round_trips_through_json_and_rejects_bad_values() -> None:
    config = FitConfig(iterations=10, resolution=64,
                       strategy=DensifyStrategy(max_gaussians=500))
    import json

    again = FitConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    with pytest.raises(InvalidInputError, match="backend"):
        FitConfig(backend="vulkan")
    with pytest.raises(InvalidInputError, match="unknown fit config"):
        FitConfig.from_dict({"iterations": 5, "learning_rate": 1.0})
