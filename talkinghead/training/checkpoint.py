"""Checkpoints of the fit, and the trained avatar: safetensors only (never pickles).

A checkpoint of step S is two files in the run folder:
    ckpt-000000S.safetensors  every tensor: the avatar's parameters and background, Adam's
                              moments and step per parameter (`optim.<set>.<param>.<key>`),
                              the densification statistics, the fit's RNG state
    ckpt-000000S.json         step, fit config, avatar config (counts, camera, SH degree),
                              loss history, and the sha256 of the .safetensors file
Each file is written to a temporary name, flushed and renamed (atomic on one file
system); the JSON goes last and carries the tensors' hash, so a checkpoint counts only when
both are complete and agree. A writer killed at any point leaves the previous checkpoint
valid; its temporaries are removed by the next save. The finished avatar is the same pair
named avatar.safetensors / avatar.json (parameters only)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import Tensor

from talkinghead.errors import IntegrityError, NotFoundError
from talkinghead.gaussians import GaussianAvatar
from talkinghead.preprocess.commit import write_json_atomic

log = logging.getLogger(__name__)

FORMAT = "talkinghead.checkpoint/1"
AVATAR_FORMAT = "talkinghead.avatar/1"
TMP_MARK = ".tmp-"
_NAME = re.compile(r"^ckpt-(\d{7,})\.json$")


@dataclass
class Checkpoint:
    """A loaded checkpoint: its step (the next step to run), tensors and JSON record."""

    step: int
    tensors: dict[str, Tensor]
    record: dict[str, Any]
    path: Path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_safetensors_atomic(path: Path, tensors: dict[str, Tensor],
                             metadata: dict[str, str]) -> str:
    """save_file to a temporary beside `path`, fsync, rename over `path`; returns the sha256
    of the written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}{TMP_MARK}{os.getpid()}")
    try:
        save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, str(tmp),
                  metadata=metadata)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        digest = _sha256(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest


def _remove_temporaries(folder: Path) -> None:
    for p in folder.glob(f"*{TMP_MARK}*"):
        p.unlink(missing_ok=True)
    for p in folder.glob(".staging-*"):
        p.unlink(missing_ok=True)


def checkpoint_paths(folder: Path, step: int) -> tuple[Path, Path]:
    stem = f"ckpt-{step:07d}"
    return folder / f"{stem}.safetensors", folder / f"{stem}.json"


def save_checkpoint(folder: str | Path, step: int, tensors: dict[str, Tensor],
                    record: dict[str, Any], keep: int = 2) -> Path:
    """Write checkpoint `step` (tensors + JSON record), then drop all but the newest `keep`.
    Returns the JSON path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_temporaries(folder)
    tensor_path, json_path = checkpoint_paths(folder, step)
    digest = write_safetensors_atomic(tensor_path, tensors, {"format": FORMAT, "step": str(step)})
    write_json_atomic(json_path, {**record, "format": FORMAT, "step": step,
                                  "tensors": tensor_path.name, "sha256": digest})
    for old in _steps(folder)[keep:]:
        for p in checkpoint_paths(folder, old):
            p.unlink(missing_ok=True)
    return json_path


def _steps(folder: Path) -> list[int]:
    """Steps that have a JSON record, newest first."""
    found = [int(m.group(1)) for p in folder.glob("ckpt-*.json") if (m := _NAME.match(p.name))]
    return sorted(found, reverse=True)


def _load_pair(json_path: Path, fmt: str) -> tuple[dict[str, Any], dict[str, Tensor]]:
    try:
        record = json.loads(json_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise IntegrityError(f"{json_path.name} is unreadable: {exc}") from None
    if record.get("format") != fmt:
        raise IntegrityError(f"{json_path.name}: unknown format {record.get('format')!r}")
    tensor_path = json_path.with_name(str(record.get("tensors", "")))
    if not tensor_path.is_file():
        raise IntegrityError(f"{json_path.name}: its tensors file {tensor_path.name} is missing")
    if _sha256(tensor_path) != record.get("sha256"):
        raise IntegrityError(f"{tensor_path.name} does not match the checksum in "
                             f"{json_path.name}: the file is corrupt or truncated")
    try:
        tensors = load_file(str(tensor_path))
    except (SafetensorError, OSError) as exc:
        raise IntegrityError(f"{tensor_path.name} could not be read: {exc}") from None
    return record, tensors


def latest_checkpoint(folder: str | Path, device: torch.device | str = "cpu"
                      ) -> Checkpoint | None:
    """The newest complete, uncorrupted checkpoint in `folder`, or None. Damaged ones are
    skipped (logged), so a crash during a save falls back to the one before."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    for step in _steps(folder):
        json_path = checkpoint_paths(folder, step)[1]
        try:
            record, tensors = _load_pair(json_path, FORMAT)
        except IntegrityError as exc:
            log.warning("skipping checkpoint %s: %s", json_path.name, exc)
            continue
        return Checkpoint(int(record["step"]), {k: v.to(device) for k, v in tensors.items()},
                          record, json_path)
    return None


def save_avatar(folder: str | Path, avatar: GaussianAvatar, extra: dict[str, Any] | None = None,
                name: str = "avatar") -> Path:
    """Write the trained avatar as `name`.safetensors + `name`.json; returns the JSON path."""
    folder = Path(folder)
    tensor_path, json_path = folder / f"{name}.safetensors", folder / f"{name}.json"
    digest = write_safetensors_atomic(tensor_path, avatar.state_tensors(),
                                      {"format": AVATAR_FORMAT})
    write_json_atomic(json_path, {**(extra or {}), "format": AVATAR_FORMAT,
                                  "avatar": avatar.config(), "tensors": tensor_path.name,
                                  "sha256": digest})
    return json_path


def load_avatar(json_path: str | Path, device: torch.device | str = "cpu") -> GaussianAvatar:
    """Load an avatar written by save_avatar (checksum verified)."""
    json_path = Path(json_path)
    if not json_path.is_file():
        raise NotFoundError(f"no avatar at {json_path.name}")
    record, tensors = _load_pair(json_path, AVATAR_FORMAT)
    return GaussianAvatar.from_state(tensors, record["avatar"]).to(device)
