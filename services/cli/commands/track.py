"""`avatar track DATASET_ID`: fit one static camera, head pose and expression to every
frame of a processed dataset (TrackerService.TrackDataset, a server stream of progress
whose last message carries the result)."""

from __future__ import annotations

import argparse
from pathlib import Path

import grpc

from avatar.v1 import tracker_pb2 as pb
from avatar.v1 import tracker_pb2_grpc
from services.cli import argtypes
from services.cli.connect import Connections, add_target_option
from services.cli.errors import UsageError
from services.cli.progress import StageProgress
from services.cli.rpc import follow_progress

HELP = "fit camera, head pose and expression to a processed dataset"
DESCRIPTION = """\
Fit one static camera (focal length, principal point) and the head pose and expression
of every frame of a processed dataset, smooth in time."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `avatar track`."""
    parser.add_argument("dataset_id", type=argtypes.identifier("dataset id"),
                        metavar="DATASET_ID", help="id of a processed dataset")
    parser.add_argument("--smoothness", type=argtypes.non_negative_float, default=0.0,
                        help="weight of the temporal smoothness term (default: the tracker's)")
    parser.add_argument("--val-fraction", type=argtypes.non_negative_float, default=0.0,
                        help="fraction of the clip held out for validation (default: 1/11)")
    parser.add_argument("--focal-length", type=argtypes.positive_float, default=None,
                        metavar="PX", help="fix the focal length in pixels (default: estimate)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="also write the tracking files (track_params.npz, "
                        "transforms_train/val.json, plots) into DIR, e.g. the exported dataset")
    add_target_option(parser, "tracker")


def export_track(store, dataset_id: str, out: Path):
    """Fetch the published tracking files (`tracks/<id>`) into `out`."""
    return store.get_tree(f"tracks/{dataset_id}", out)


def track_options(args: argparse.Namespace) -> pb.TrackOptions:
    """TrackOptions from the command line."""
    if not args.val_fraction < 1:
        raise UsageError(f"--val-fraction must be below 1, got {args.val_fraction:g}")
    return pb.TrackOptions(
        smoothness=args.smoothness,
        val_fraction=args.val_fraction,
        focal_length_px=args.focal_length or 0.0,
    )


def track_dataset(
    channel: grpc.Channel, dataset_id: str, options: pb.TrackOptions | None = None,
    progress: StageProgress | None = None,
) -> pb.TrackResult:
    """Run TrackDataset, showing its progress; the TrackResult of its last message."""
    stub = tracker_pb2_grpc.TrackerServiceStub(channel)
    request = pb.TrackDatasetRequest(dataset_id=dataset_id, options=options)
    return follow_progress(
        stub.TrackDataset, request, "result", progress,
        missing=f"the tracker ended without a result for dataset {dataset_id!r}")


def summary_lines(dataset_id: str, result: pb.TrackResult) -> list[str]:
    """What `avatar track` prints about a finished tracking."""
    camera = result.camera
    focal = "estimated" if result.focal_estimated else "default field of view"
    return [
        f"tracked: {dataset_id}",
        f"  frames: {result.frame_count} ({result.interpolated_frames} interpolated)",
        f"  camera: focal {camera.focal_length_px:.1f} px ({focal}), "
        f"principal point ({camera.cx:.1f}, {camera.cy:.1f}), {camera.width}x{camera.height}",
        f"  landmark reprojection RMSE: {result.reprojection_rmse_px:.2f} px",
        f"  track params: {result.track_params.id or '?'}",
    ]


def run(args: argparse.Namespace) -> int:
    """Track the dataset and print the summary."""
    options = track_options(args)
    with Connections.from_args(args, {"tracker": args.target}) as connections:
        with StageProgress() as progress:
            result = track_dataset(connections.channel("tracker"), args.dataset_id, options,
                                   progress)
        if args.out is not None:
            export_track(connections.store, args.dataset_id, args.out)
    for line in summary_lines(args.dataset_id, result):
        print(line)
    if args.out is not None:
        print(f"  files: {args.out}")
    return 0
