"""`avatar preprocess VIDEO`: upload a video (client stream: header, then 1 MiB chunks),
turn it into a dataset (server stream of progress, DatasetInfo last), print a summary,
and with --out export the dataset tree from the store."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import grpc

from avatar.v1 import preprocess_pb2 as pb
from avatar.v1 import preprocess_pb2_grpc
from services.cli import argtypes
from services.cli.connect import Connections, add_target_option
from services.cli.errors import UsageError
from services.cli.progress import BYTES, StageProgress
from services.cli.rpc import follow_progress, open_call

if TYPE_CHECKING:
    from talkinghead.store import ArtifactStore, TreeInfo

HELP = "turn a video into a training dataset (upload, then process)"
DESCRIPTION = """\
Upload a video of one person talking to the preprocess service and turn it into a dataset:
25 fps frames, 16 kHz audio, landmarks, parsing, background, torso, blinks and audio
features. Prints the dataset id; --out also copies the dataset into a directory."""

UPLOAD_CHUNK_BYTES = 1024 * 1024
AUDIO_FEATURE_KINDS = ("logmel", "wav2vec2", "hubert")
# Speech models that need a local model directory (--audio-model).
MODEL_FEATURE_KINDS = ("wav2vec2", "hubert")
DATASET_PREFIX = "datasets"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `avatar preprocess`."""
    parser.add_argument("video", type=argtypes.existing_file, metavar="VIDEO",
                        help="video of one person talking (mp4, mov, webm, mkv, avi)")
    parser.add_argument("--out", type=argtypes.output_dir, metavar="DIR",
                        help="also copy the dataset from the store into DIR (the --store; "
                        "with --target, name the store that service uses)")
    parser.add_argument("--dataset-id", type=argtypes.identifier("dataset id"), default=None,
                        metavar="ID", help="id of the dataset (default: chosen by the service)")
    parser.add_argument("--resolution", type=argtypes.positive_int, default=0, metavar="N",
                        help="side of the square training frames in pixels (default: 512)")
    parser.add_argument("--audio-features", choices=AUDIO_FEATURE_KINDS, default="logmel",
                        help="audio features (default: logmel, no model needed)")
    parser.add_argument("--audio-model", metavar="PATH",
                        help="local directory of the wav2vec2/HuBERT model (with --target: "
                        "its name in the service's AVATAR_MODELS_DIR)")
    parser.add_argument("--parsing-model", metavar="PATH",
                        help="local BiSeNet face-parsing checkpoint, optional (with --target: "
                        "its name in the service's AVATAR_MODELS_DIR)")
    parser.add_argument("--force", action="store_true", help="redo stages already finished")
    add_target_option(parser, "preprocess")


def process_options(args: argparse.Namespace) -> pb.ProcessOptions:
    """ProcessOptions from the command line; UsageError for combinations that cannot work."""
    if args.audio_features in MODEL_FEATURE_KINDS and not args.audio_model:
        raise UsageError(f"--audio-features {args.audio_features} needs --audio-model PATH "
                         "(a local model directory)")
    embedded = args.target is None
    for flag, value in (("--audio-model", args.audio_model),
                        ("--parsing-model", args.parsing_model)):
        # With a target the path is on the service's machine and cannot be checked here.
        if value and embedded and not Path(value).exists():
            raise UsageError(f"{flag}: no such file or directory: {value}")
    return pb.ProcessOptions(
        resolution=args.resolution,
        audio_feature_kind=args.audio_features,
        audio_model_path=_model_path(args.audio_model, embedded),
        parsing_model_path=_model_path(args.parsing_model, embedded),
        force=args.force,
    )


def _model_path(value: str | None, embedded: bool) -> str:
    """A model as the service names it: relative to its models directory. Embedded
    services' models directory is the root, so a local path becomes root-relative; a
    remote service's models live on its machine and are named as given."""
    if not value:
        return ""
    return str(Path(value).expanduser().resolve()).lstrip("/") if embedded else value


def upload_requests(
    path: Path, dataset_id: str, progress: StageProgress | None = None
) -> Iterator[pb.UploadVideoRequest]:
    """The UploadVideo client stream: the header, then the file in 1 MiB chunks."""
    size = path.stat().st_size
    yield pb.UploadVideoRequest(
        header=pb.UploadVideoHeader(filename=path.name, size_bytes=size, dataset_id=dataset_id)
    )
    sent = 0
    if progress is not None:
        progress.update("upload", 0, size, unit=BYTES)
    with open(path, "rb") as video:
        while chunk := video.read(UPLOAD_CHUNK_BYTES):
            yield pb.UploadVideoRequest(chunk=chunk)
            sent += len(chunk)
            if progress is not None:
                progress.update("upload", sent, size, unit=BYTES)


def upload_video(
    channel: grpc.Channel, path: Path, dataset_id: str = "",
    progress: StageProgress | None = None,
) -> pb.UploadVideoResponse:
    """Upload `path` and return the service's answer (the dataset id and video reference)."""
    stub = preprocess_pb2_grpc.PreprocessServiceStub(channel)
    requests = upload_requests(path, dataset_id, progress)
    with open_call(stub.UploadVideo.future, requests) as future:
        return future.result()


def process_dataset(
    channel: grpc.Channel, dataset_id: str, options: pb.ProcessOptions,
    progress: StageProgress | None = None,
) -> pb.DatasetInfo:
    """Run ProcessDataset, showing its progress; the DatasetInfo of its last message."""
    stub = preprocess_pb2_grpc.PreprocessServiceStub(channel)
    request = pb.ProcessDatasetRequest(dataset_id=dataset_id, options=options)
    return follow_progress(
        stub.ProcessDataset, request, "dataset", progress,
        missing=f"the preprocess service ended without describing dataset {dataset_id!r}")


def dataset_prefix(dataset_id: str) -> str:
    """Store key prefix of a dataset's published tree."""
    return f"{DATASET_PREFIX}/{dataset_id}"


def export_dataset(store: ArtifactStore, dataset_id: str, out_dir: Path) -> TreeInfo:
    """Copy the dataset tree from the store into `out_dir`, every file verified."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return store.get_tree(dataset_prefix(dataset_id), out_dir)


def summary_lines(info: pb.DatasetInfo) -> list[str]:
    """What `avatar preprocess` prints about a finished dataset."""
    faceless = list(info.faceless_frames)
    shown = ", ".join(str(i) for i in faceless[:10]) + (", ..." if len(faceless) > 10 else "")
    shape = "x".join(str(d) for d in info.audio_feature_shape) or "?"
    lines = [
        f"dataset: {info.dataset_id}",
        f"  frames: {info.frame_count} at {info.fps:g} fps, {info.width}x{info.height}",
        f"  faceless frames: {len(faceless)}" + (f" ({shown})" if faceless else ""),
        f"  audio features: {info.audio_feature_kind or '?'} {shape}",
    ]
    if info.stages_done:
        lines.append(f"  stages: {', '.join(info.stages_done)}")
    if info.manifest.id:
        lines.append(f"  manifest: {info.manifest.id}")
    return lines


def preprocess_video(
    connections: Connections, video: Path, dataset_id: str, options: pb.ProcessOptions,
    progress: StageProgress | None = None,
) -> pb.DatasetInfo:
    """Upload then process `video` on the preprocess service; the finished dataset."""
    channel = connections.channel("preprocess")
    uploaded = upload_video(channel, video, dataset_id, progress)
    return process_dataset(channel, uploaded.dataset_id, options, progress)


def run(args: argparse.Namespace) -> int:
    """Upload, process, print the summary, export with --out."""
    options = process_options(args)
    with Connections.from_args(args, {"preprocess": args.target}) as connections:
        with StageProgress() as progress:
            info = preprocess_video(connections, args.video, args.dataset_id or "", options,
                                    progress)
        for line in summary_lines(info):
            print(line)
        if args.out is not None:
            tree = export_dataset(connections.store, info.dataset_id, args.out)
            print(f"  exported {len(tree.files)} files to {args.out}")
    return 0
