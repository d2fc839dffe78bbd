"""Checkpoints: atomic safetensors + JSON pairs. A write that dies at any point (an error
between the temporary file and the rename, a SIGKILL of the writing process, a flipped
byte afterwards) leaves the previous checkpoint loadable; a fit resumed after being stopped
reproduces the losses of an uninterrupted run, and cancellation saves where it stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from talkinghead.errors import CancelledError, IntegrityError
from talkinghead.gaussians import AvatarInitConfig, DensifyStrategy
from talkinghead.progress import ProgressReporter
from talkinghead.training import checkpoint as ckpt
from talkinghead.training import fit_static, latest_checkpoint, load_avatar
from tests.unit.test_training_fit import small_config
from tests.unit.test_training_sample import sample_track


def _tensors(step: int, n: int = 1000) -> dict[str, torch.Tensor]:
    return {"a": torch.full((n, 4), float(step)), "b": torch.arange(n) * step}


def test_error_between_temp_write_and_rename_keeps_previous(tmp_path: Path,
                                                            monkeypatch) -> None:
    ckpt.save_checkpoint(tmp_path, 10, _tensors(10), {"history": []})

    def crash(*_args, **_kwargs):
        raise OSError("simulated crash before the rename")

    with monkeypatch.context() as m:
        m.setattr(ckpt.os, "replace", crash)
        with pytest.raises(OSError, match="simulated"):
            ckpt.save_checkpoint(tmp_path, 20, _tensors(20), {"history": []})
    assert not list(tmp_path.glob(f"*{ckpt.TMP_MARK}*"))
    # Dying after the tensors' rename but before the JSON: the tensors alone don't count.
    with monkeypatch.context() as m:
        m.setattr(ckpt, "write_json_atomic", crash)
        with pytest.raises(OSError):
            ckpt.save_checkpoint(tmp_path, 30, _tensors(30), {"history": []})
    found = latest_checkpoint(tmp_path)
    assert found is not None and found.step == 10
    torch.testing.assert_close(found.tensors["a"], _tensors(10)["a"])


def test_flipped_byte_is_caught_by_the_checksum(tmp_path: Path) -> None:
    ckpt.save_checkpoint(tmp_path, 1, _tensors(1), {})
    ckpt.save_checkpoint(tmp_path, 2, _tensors(2), {})
    newest = tmp_path / "ckpt-0000002.safetensors"
    data = bytearray(newest.read_bytes())
    data[len(data) // 2] ^= 0x01
    newest.write_bytes(bytes(data))
    found = latest_checkpoint(tmp_path)
    assert found is not None and found.step == 1
    with pytest.raises(IntegrityError, match="checksum"):
        ckpt._load_pair(tmp_path / "ckpt-0000002.json", ckpt.FORMAT)


WRITER = textwrap.dedent("""
    import sys, torch
    from talkinghead.training.checkpoint import save_checkpoint
    folder = sys.argv[1]
    for step in range(1, 10_000):
        save_checkpoint(folder, step, {"a": torch.full((2_000_000,), float(step))},
                        {"history": []}, keep=2)
        print(step, flush=True)
""")


@pytest.mark.parametrize("delay", [0.05, 0.13, 0.29])
def test_sigkill_while_writing_leaves_a_loadable_checkpoint(tmp_path: Path,
                                                            delay: float) -> None:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)],
                            stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(2):  # at least two complete checkpoints, then a kill mid-stream
            assert proc.stdout.readline().strip()
        time.sleep(delay)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    found = latest_checkpoint(tmp_path)
    assert found is not None and found.step >= 2
    assert bool((found.tensors["a"] == float(found.step)).all())


def _fit(tmp: Path, dataset: Path, track, run: str, stop_at: int | None = None,
         cancel_at: int | None = None, resume: bool = False):
    config = small_config(
        iterations=40, checkpoint_every=10, sh_degree_interval=15,
        init=AvatarInitConfig(head_points=400, torso_points=200, max_sh_degree=1),
        strategy=DensifyStrategy(refine_start_iter=10, refine_every=10, reset_every=30,
                                 grow_grad2d=0.0001, max_gaussians=2000))
    reporter = ProgressReporter(min_interval_s=0.0)

    def on_progress(p) -> None:
        if p.stage == "coarse" and p.done == stop_at:
            raise RuntimeError("simulated kill")
        if p.stage == "coarse" and p.done == cancel_at:
            reporter.cancellation.cancel("test")

    reporter._callback = on_progress
    return fit_static(dataset, tmp / run, config, reporter, resume=resume, track=track)


def test_resume_reproduces_the_uninterrupted_run(tmp_path_factory, tmp_path: Path) -> None:
    dataset, track = sample_track(tmp_path_factory, 30)
    full = _fit(tmp_path, dataset, track, "full")
    assert len(full.history) == 40
    # Densification and an opacity reset happen after the interruption point.
    assert sum(full.gaussians.values()) != 600

    with pytest.raises(RuntimeError, match="simulated kill"):
        _fit(tmp_path, dataset, track, "killed", stop_at=25)
    assert latest_checkpoint(tmp_path / "killed").step == 20  # nothing saved at 25
    resumed = _fit(tmp_path, dataset, track, "killed", resume=True)
    # Same CPU kernels, same thread count, the same RNG, Adam and densification state:
    # every loss is bit-for-bit the uninterrupted run's.
    assert [h["loss"] for h in resumed.history] == [h["loss"] for h in full.history]
    assert resumed.gaussians == full.gaussians
    a, b = load_avatar(full.avatar_path), load_avatar(resumed.avatar_path)
    for key, value in a.state_tensors().items():
        assert torch.equal(value, b.state_tensors()[key]), key


def test_cancel_saves_a_checkpoint_and_resume_continues(tmp_path_factory,
                                                        tmp_path: Path) -> None:
    dataset, track = sample_track(tmp_path_factory, 30)
    with pytest.raises(CancelledError):
        _fit(tmp_path, dataset, track, "run", cancel_at=15)
    assert latest_checkpoint(tmp_path / "run").step == 15
    resumed = _fit(tmp_path, dataset, track, "run", resume=True)
    assert [h["step"] for h in resumed.history] == list(range(40))
    assert resumed.val_psnr is not None
