"""`avatar render AVATAR_ID AUDIO_FILE --out VIDEO.mp4`: render an mp4 of the avatar
speaking an audio file (RendererService.RenderVideo with the file's bytes inline; a
server stream of progress whose last message references the video in the store), then
copy the video from the store to --out."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import grpc

from avatar.v1 import common_pb2, renderer_pb2_grpc
from avatar.v1 import renderer_pb2 as pb
from services.cli import argtypes
from services.cli.connect import MAX_MESSAGE_BYTES, Connections, add_target_option
from services.cli.errors import CliError, UsageError
from services.cli.progress import StageProgress
from services.cli.rpc import follow_progress

if TYPE_CHECKING:
    from talkinghead.store import ArtifactInfo, ArtifactStore

HELP = "render an mp4 of an avatar speaking an audio file"
DESCRIPTION = """\
Render an offline video of a trained avatar driven by an audio file (wav, mp3, m4a, ...:
anything PyAV decodes); the audio is muxed into the mp4."""

# Room left in a message for the request's other fields.
_REQUEST_OVERHEAD_BYTES = 64 * 1024
MAX_INLINE_AUDIO_BYTES = MAX_MESSAGE_BYTES - _REQUEST_OVERHEAD_BYTES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `avatar render`."""
    parser.add_argument("avatar_id", type=argtypes.identifier("avatar id"), metavar="AVATAR_ID")
    parser.add_argument("audio_file", type=argtypes.existing_file, metavar="AUDIO_FILE",
                        help="the speech to render")
    parser.add_argument("--out", type=argtypes.output_file, required=True, metavar="VIDEO.mp4",
                        help="where to write the video (copied from the --store; with --target, "
                        "name the store that service uses)")
    parser.add_argument("--size", type=argtypes.size, default=None, metavar="WxH",
                        help="output size (default: the avatar's)")
    parser.add_argument("--fps", type=argtypes.positive_int, default=0,
                        help="output frame rate (default: 25)")
    add_target_option(parser, "renderer")


def read_inline_audio(path: Path) -> bytes:
    """The audio file's bytes, or UsageError when they cannot travel inline."""
    size = path.stat().st_size
    if size == 0:
        raise UsageError(f"{path} is empty")
    if size > MAX_INLINE_AUDIO_BYTES:
        raise UsageError(
            f"{path} is {size / 2**20:.1f} MiB; audio sent inline is limited to "
            f"{MAX_INLINE_AUDIO_BYTES / 2**20:.1f} MiB"
        )
    return path.read_bytes()


def render_video(
    channel: grpc.Channel, avatar_id: str, audio: bytes, *,
    size: tuple[int, int] | None = None, fps: int = 0, progress: StageProgress | None = None,
) -> common_pb2.ArtifactRef:
    """Run RenderVideo, showing its progress; the video reference of its last message."""
    width, height = size or (0, 0)
    stub = renderer_pb2_grpc.RendererServiceStub(channel)
    request = pb.RenderVideoRequest(avatar_id=avatar_id, audio_file=audio, width=width,
                                    height=height, fps=fps)
    missing = f"the renderer ended without a video for avatar {avatar_id!r}"
    video = follow_progress(stub.RenderVideo, request, "video", progress, missing)
    if not video.id:
        raise CliError(missing, code="INTERNAL")
    return video


def fetch_artifact(store: ArtifactStore, ref: common_pb2.ArtifactRef, out: Path) -> ArtifactInfo:
    """Copy the artifact `ref` names from the store to `out`, verified against its sha256."""
    return store.get_file(ref.id, out, expected_sha256=ref.sha256 or None)


def run(args: argparse.Namespace) -> int:
    """Render, copy the video to --out, and say where it is."""
    audio = read_inline_audio(args.audio_file)
    with Connections.from_args(args, {"renderer": args.target}) as connections:
        with StageProgress() as progress:
            ref = render_video(connections.channel("renderer"), args.avatar_id, audio,
                               size=args.size, fps=args.fps, progress=progress)
        info = fetch_artifact(connections.store, ref, args.out)
    print(f"rendered: {args.out} ({info.size_bytes / 2**20:.1f} MiB, store key {ref.id})")
    return 0
