"""A training dataset made from the synthetic sample, with the sample's exact ground-truth
head pose and camera as its track params (until the tracker writes its own, and for tests
and GPU runs that must not depend on tracking accuracy).

    python -m talkinghead.training.sample_dataset OUT [--seconds 8] [--size 512]
                                                  [--resolution 512] [--seed 0]

writes OUT/sample (the generated clip + ground truth), OUT/dataset (the preprocessed
dataset plus track_params.npz) and OUT/fit_only: just what a fit reads (ori_imgs/*.jpg,
parsing/*.png, bc.jpg, manifest.json, track_params.npz; ~20 MB for 8 s at 512 instead of
~85 MB), to carry to a GPU machine. Generating and preprocessing need PyAV, dlib and
espeak-ng; the folders it leaves need none of them to be trained on."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

from talkinghead.errors import InvalidInputError
from talkinghead.tracking.params import TrackParams


def track_params_from_sample(sample_dir: str | Path, dataset_dir: str | Path,
                             val_fraction: float = 0.1) -> TrackParams:
    """TrackParams of a dataset preprocessed from the sample's video: the ground-truth
    poses and neutral 3D landmarks, the camera moved through the dataset's crop (crop.json:
    x' = (x - x0 + 0.5) * scale - 0.5, pixel centres at integers), no expression basis."""
    sample_dir, dataset_dir = Path(sample_dir), Path(dataset_dir)
    with np.load(sample_dir / "ground_truth.npz") as gt:
        k = gt["camera_matrix"].astype(np.float64)
        rotation = gt["rotation_axis_angle"].astype(np.float32)
        translation = gt["translation"].astype(np.float32)
        shape = gt["rest_landmarks_3d"].astype(np.float32)
        blink = gt["blink"].astype(np.float32)
    crop = json.loads((dataset_dir / "crop.json").read_text())
    manifest = json.loads((dataset_dir / "manifest.json").read_text())
    n = int(manifest["frame_count"])
    if n > len(rotation):
        raise InvalidInputError(
            f"the dataset has {n} frames but the sample's ground truth only {len(rotation)}")
    scale = crop["out_size"] / crop["side"]
    val_start = min(n - 1, max(1, int(round(n * (1.0 - val_fraction)))))
    return TrackParams(
        rotation=rotation[:n], translation=translation[:n],
        expression=np.zeros((n, 0), np.float32), blink=blink[:n], shape=shape,
        basis=np.zeros((0, 68, 3), np.float32),
        focal=float(k[0, 0] * scale),
        cx=float((k[0, 2] - crop["x0"] + 0.5) * scale - 0.5),
        cy=float((k[1, 2] - crop["y0"] + 0.5) * scale - 0.5),
        width=int(crop["out_size"]), height=int(crop["out_size"]),
        fit_error_px=np.zeros(n, np.float32), interpolated=np.zeros(n, bool),
        focal_estimated=False, val_start=val_start,
    ).validate()


def prepare_sample_dataset(out_dir: str | Path, seconds: float = 8.0, size: int = 512,
                           resolution: int = 512, seed: int = 0, workers: int = 2) -> Path:
    """Generate the sample, preprocess it and add ground-truth track params; returns the
    dataset folder."""
    from talkinghead.preprocess.options import PreprocessOptions
    from talkinghead.preprocess.pipeline import run_pipeline
    from talkinghead.sample import generate_sample

    out = Path(out_dir)
    sample = out / "sample"
    dataset = out / "dataset"
    generate_sample(sample, seconds=seconds, size=(size, size), seed=seed)
    run_pipeline(sample / "video.mp4", dataset,
                 PreprocessOptions(resolution=resolution, workers=workers))
    track_params_from_sample(sample, dataset).save(dataset / "track_params.npz")
    return dataset


FIT_FILES = ("bc.jpg", "manifest.json", "track_params.npz")


def copy_fit_inputs(dataset: str | Path, dest: str | Path) -> Path:
    """Copy only the files a fit reads (frames, parsing, plate, manifest, track params)."""
    dataset, dest = Path(dataset), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in FIT_FILES:
        shutil.copy2(dataset / name, dest / name)
    for folder, pattern in (("ori_imgs", "*.jpg"), ("parsing", "*.png")):
        (dest / folder).mkdir(exist_ok=True)
        for f in (dataset / folder).glob(pattern):
            shutil.copy2(f, dest / folder / f.name)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m talkinghead.training.sample_dataset",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--size", type=int, default=512, help="sample video side (px)")
    parser.add_argument("--resolution", type=int, default=512, help="dataset side (px)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    dataset = prepare_sample_dataset(args.out, args.seconds, args.size, args.resolution,
                                     args.seed)
    print(dataset)
    print(copy_fit_inputs(dataset, Path(args.out) / "fit_only"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
