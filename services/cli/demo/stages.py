"""One small function per demo stage. Each takes the DemoContext, does its stage through
the same client functions the subcommands use, stores what later stages need on the
context, and returns its outputs for the report (paths, ids, figures)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.cli.connect import Connections
from services.cli.progress import StageProgress


@dataclass(frozen=True)
class DemoOptions:
    """What the demo's command line chose."""

    seconds: float
    size: tuple[int, int]
    fps: float
    seed: int = 0
    resolution: int = 0
    coarse_iterations: int = 0
    fine_iterations: int = 0


@dataclass
class DemoContext:
    """Shared by the stages: where to write, how to reach services, and what earlier
    stages produced."""

    out_dir: Path
    connections: Connections
    options: DemoOptions
    progress: StageProgress
    sample_video: Path | None = None
    speech_audio: Path | None = None  # what render and stream speak
    dataset_id: str | None = None
    avatar_id: str | None = None

    def require(self, name: str) -> Any:
        """An output of an earlier stage; RuntimeError if the order was broken."""
        value = getattr(self, name)
        if value is None:
            raise RuntimeError(f"demo stage order broken: {name} is not known yet")
        return value


def run_sample(ctx: DemoContext) -> dict[str, Any]:
    """Generate the talking-person sample (local): a SampleInfo naming its files."""
    from services.cli.commands.sample import generate, written_paths

    out = ctx.out_dir / "sample"
    o = ctx.options
    info = generate(out, seconds=o.seconds, size=o.size, fps=o.fps, seed=o.seed)
    ctx.sample_video, ctx.speech_audio = Path(info.video), Path(info.audio)
    files = {name: str(path) for name, path in written_paths(info, out).items()}
    return {"dir": str(out), "video": str(info.video), "frames": info.n_frames, "files": files}


def run_preprocess(ctx: DemoContext) -> dict[str, Any]:
    """Upload the sample video, process it into a dataset, export the dataset."""
    from avatar.v1 import preprocess_pb2
    from services.cli.commands.preprocess import export_dataset, preprocess_video

    options = preprocess_pb2.ProcessOptions(resolution=ctx.options.resolution,
                                            audio_feature_kind="logmel")
    info = preprocess_video(ctx.connections, ctx.require("sample_video"), "", options,
                            ctx.progress)
    ctx.dataset_id = info.dataset_id
    out = ctx.out_dir / "dataset"
    tree = export_dataset(ctx.connections.store, info.dataset_id, out)
    return {
        "dataset_id": info.dataset_id,
        "frames": info.frame_count,
        "faceless_frames": len(info.faceless_frames),
        "audio_feature_shape": list(info.audio_feature_shape),
        "dir": str(out),
        "files": len(tree.files),
    }


def run_track(ctx: DemoContext) -> dict[str, Any]:
    """Fit camera, pose and expression to the dataset."""
    from services.cli.commands.track import export_track, track_dataset

    dataset_id = ctx.require("dataset_id")
    result = track_dataset(ctx.connections.channel("tracker"), dataset_id, None, ctx.progress)
    # Beside the exported dataset, as AD-NeRF / GaussianTalker keep them.
    export_track(ctx.connections.store, dataset_id, ctx.out_dir / "dataset")
    return {
        "dir": str(ctx.out_dir / "dataset"),
        "track_params": result.track_params.id,
        "frames": result.frame_count,
        "interpolated_frames": result.interpolated_frames,
        "focal_length_px": result.camera.focal_length_px,
        "reprojection_rmse_px": result.reprojection_rmse_px,
    }


def run_train(ctx: DemoContext) -> dict[str, Any]:
    """Train an avatar on the tracked dataset."""
    from avatar.v1 import trainer_pb2
    from services.cli.commands.train import train

    config = trainer_pb2.TrainingConfig(
        coarse_iterations=ctx.options.coarse_iterations,
        fine_iterations=ctx.options.fine_iterations,
        seed=ctx.options.seed,
    )
    status = train(ctx.connections.channel("trainer"), ctx.require("dataset_id"), config,
                   ctx.progress)
    ctx.avatar_id = status.avatar_id
    return {
        "avatar_id": status.avatar_id,
        "job_id": status.job_id,
        "iterations": status.iteration,
        "psnr_db": status.psnr_db,
        "checkpoint": status.last_checkpoint.id,
    }


def run_render(ctx: DemoContext) -> dict[str, Any]:
    """Render an mp4 of the avatar speaking the sample's audio."""
    from services.cli.commands.render import fetch_artifact, read_inline_audio, render_video

    audio = read_inline_audio(ctx.require("speech_audio"))
    ref = render_video(ctx.connections.channel("renderer"), ctx.require("avatar_id"), audio,
                       progress=ctx.progress)
    out = ctx.out_dir / "render.mp4"
    fetch_artifact(ctx.connections.store, ref, out)
    return {"video": str(out), "store_key": ref.id}


def run_stream(ctx: DemoContext) -> dict[str, Any]:
    """Stream live frames of the avatar driven by the sample's audio at real-time pace."""
    from avatar.v1 import renderer_pb2
    from services.cli.commands.stream import stream_file
    from services.cli.stream_session import DEFAULT_CHUNK_MS

    out = ctx.out_dir / "stream"
    config = renderer_pb2.SessionConfig(avatar_id=ctx.require("avatar_id"))
    stats = stream_file(ctx.connections, config, ctx.require("speech_audio"), out,
                        DEFAULT_CHUNK_MS)
    return {"dir": str(out), **stats}


@dataclass(frozen=True)
class Stage:
    """A demo stage: its name, the service it needs (None = local) and its function."""

    name: str
    service: str | None
    run: Callable[[DemoContext], dict[str, Any]]


STAGES: tuple[Stage, ...] = (
    Stage("sample", None, run_sample),
    Stage("preprocess", "preprocess", run_preprocess),
    Stage("track", "tracker", run_track),
    Stage("train", "trainer", run_train),
    Stage("render", "renderer", run_render),
    Stage("stream", "renderer", run_stream),
)
