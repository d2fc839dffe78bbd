"""GPU tests: skipped, with the reason, where CUDA (or gsplat) is missing. They run on the
accelerator machine, which has torch, numpy, opencv and safetensors but not PyAV, dlib or
grpc: nothing here imports those."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

DATASET_ENV = "AVATAR_GPU_DATASET"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason=f"needs a CUDA GPU (torch {torch.__version__}: "
                                   "torch.cuda.is_available() is False)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def gsplat_ready() -> None:
    """Load (JIT-build on first use) gsplat, or skip naming what is missing."""
    from talkinghead.rasterize.gsplat_backend import BackendUnavailableError, load_gsplat

    try:
        load_gsplat()
    except BackendUnavailableError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def gpu_dataset() -> Path:
    """A prepared dataset folder (ori_imgs, parsing, bc.jpg, manifest.json,
    track_params.npz), named by AVATAR_GPU_DATASET; see
    talkinghead.training.sample_dataset for how to make one."""
    value = os.environ.get(DATASET_ENV)
    if not value:
        pytest.skip(f"{DATASET_ENV} is not set: prepare a dataset with "
                    "`python -m talkinghead.training.sample_dataset OUT` on a machine with "
                    f"PyAV and dlib, carry OUT/dataset here and set {DATASET_ENV} to it")
    path = Path(value)
    for name in ("manifest.json", "track_params.npz", "bc.jpg", "ori_imgs", "parsing"):
        if not (path / name).exists():
            pytest.fail(f"{DATASET_ENV}={value} lacks {name}")
    return path
