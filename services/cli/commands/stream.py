"""`avatar stream AVATAR_ID AUDIO_FILE`: a live session with the renderer (the
bidirectional Stream RPC), fed from an audio file at real-time pace as if it came from a
microphone; writes the frames it gets to --out and prints fps and latency."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from avatar.v1 import common_pb2
from avatar.v1 import renderer_pb2 as pb
from services.cli import argtypes
from services.cli.connect import Connections, add_target_option
from services.cli.errors import UsageError

HELP = "stream live frames of an avatar driven by an audio file at real-time pace"
DESCRIPTION = """\
Open a live session with the renderer and send the audio of a file (anything PyAV
decodes) in chunks at real-time pace; frames come back as they are rendered. Prints the
frame rate and latency; --out writes the frames and stream_stats.json to a directory."""

ENCODINGS = {
    "jpeg": common_pb2.FRAME_ENCODING_JPEG,
    "png": common_pb2.FRAME_ENCODING_PNG,
}
_EXTENSIONS = {
    common_pb2.FRAME_ENCODING_JPEG: "jpg",
    common_pb2.FRAME_ENCODING_PNG: "png",
    common_pb2.FRAME_ENCODING_RGB8: "rgb",
}
STATS_FILE = "stream_stats.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `avatar stream`."""
    from services.cli.stream_session import DEFAULT_CHUNK_MS, MAX_CHUNK_MS, MIN_CHUNK_MS

    parser.add_argument("avatar_id", type=argtypes.identifier("avatar id"), metavar="AVATAR_ID")
    parser.add_argument("audio_file", type=argtypes.existing_file, metavar="AUDIO_FILE",
                        help="audio to speak (wav, mp3, m4a, a video's audio track, ...)")
    parser.add_argument("--out", type=argtypes.output_dir, metavar="DIR",
                        help="write the frames (<sequence>.jpg) and stream_stats.json here")
    parser.add_argument("--size", type=argtypes.size, default=None, metavar="WxH",
                        help="output size (default: the avatar's)")
    parser.add_argument("--fps", type=argtypes.positive_int, default=0,
                        help="output frame rate (default: 25)")
    parser.add_argument("--encoding", choices=sorted(ENCODINGS), default="jpeg",
                        help="frame encoding (default: jpeg)")
    parser.add_argument("--jpeg-quality", type=argtypes.positive_int, default=0, metavar="Q",
                        help="1-100 (default: the renderer's)")
    parser.add_argument("--chunk-ms", type=argtypes.positive_int, default=DEFAULT_CHUNK_MS,
                        metavar="MS", help=f"audio chunk length, {MIN_CHUNK_MS}-{MAX_CHUNK_MS} ms "
                        f"(default: {DEFAULT_CHUNK_MS})")
    add_target_option(parser, "renderer")


class FrameWriter:
    """Writes each received frame to `<dir>/<sequence>.<ext>` as the bytes it came in."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.count = 0
        out_dir.mkdir(parents=True, exist_ok=True)

    def __call__(self, rendered: pb.RenderedFrame) -> None:
        extension = _EXTENSIONS.get(rendered.frame.encoding, "bin")
        path = self.out_dir / f"{rendered.sequence:06d}.{extension}"
        path.write_bytes(rendered.frame.data)
        self.count += 1


def session_config(args: argparse.Namespace) -> pb.SessionConfig:
    """SessionConfig from the command line (the sample rate is set by the session)."""
    from services.cli.stream_session import MAX_CHUNK_MS, MIN_CHUNK_MS

    if not MIN_CHUNK_MS <= args.chunk_ms <= MAX_CHUNK_MS:
        raise UsageError(f"--chunk-ms must be between {MIN_CHUNK_MS} and {MAX_CHUNK_MS}, "
                         f"got {args.chunk_ms}")
    if args.jpeg_quality > 100:
        raise UsageError(f"--jpeg-quality must be between 1 and 100, got {args.jpeg_quality}")
    width, height = args.size or (0, 0)
    return pb.SessionConfig(avatar_id=args.avatar_id, width=width, height=height, fps=args.fps,
                            encoding=ENCODINGS[args.encoding], jpeg_quality=args.jpeg_quality)


def load_audio(path: Path):  # noqa: ANN201 (a numpy array; numpy is imported lazily)
    """The file's audio as float32 mono at the session's sample rate."""
    from services.cli.stream_session import SAMPLE_RATE_HZ
    from talkinghead.media import decode_audio  # PyAV

    samples = decode_audio(path, sample_rate=SAMPLE_RATE_HZ)
    if len(samples) == 0:
        raise UsageError(f"{path} holds no audio samples")
    return samples


def summary_lines(stats_dict: dict[str, object], out_dir: Path | None) -> list[str]:
    """What `avatar stream` prints about a session."""
    s = stats_dict
    lines = [
        f"session {s['session_id'] or '?'}: {s['width']}x{s['height']} at {s['fps']} fps",
        f"  frames: {s['frames']} ({s['idle_frames']} idle) for {s['audio_seconds']} s of audio, "
        f"received at {s['received_fps']} fps",
    ]
    if s["latency_ms_p50"] is not None:
        lines.append(f"  latency: p50 {s['latency_ms_p50']} ms, p95 {s['latency_ms_p95']} ms, "
                     f"max {s['latency_ms_max']} ms")
    if out_dir is not None:
        lines.append(f"  frames written to {out_dir}")
    return lines


def stream_file(connections: Connections, config: pb.SessionConfig, audio_file: Path,
                out_dir: Path | None, chunk_ms: int) -> dict[str, object]:
    """Run a session with the audio of `audio_file`; its stats (also saved with out_dir)."""
    from services.cli.stream_session import stream_audio

    samples = load_audio(audio_file)
    sink = FrameWriter(out_dir) if out_dir is not None else None
    stats = stream_audio(connections.channel("renderer"), config, samples, sink,
                         chunk_ms=chunk_ms).as_dict()
    if out_dir is not None:
        (out_dir / STATS_FILE).write_text(json.dumps(stats, indent=1) + "\n")
    return stats


def run(args: argparse.Namespace) -> int:
    """Stream and print the summary."""
    config = session_config(args)
    with Connections.from_args(args, {"renderer": args.target}) as connections:
        stats = stream_file(connections, config, args.audio_file, args.out, args.chunk_ms)
    for line in summary_lines(stats, args.out):
        print(line)
    return 0
