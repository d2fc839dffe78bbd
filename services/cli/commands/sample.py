"""`avatar sample`: generate a talking-person sample video with its ground truth (local,
no service): a thin wrapper over `talkinghead.sample.generate_sample`."""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import Any

from services.cli import argtypes
from services.cli.errors import CliError

HELP = "generate a sample talking-person video with ground truth (local, no service)"
DESCRIPTION = """\
Generate a talking-person video from a real photo, animated by speech audio, with the
ground truth (mouth opening, blinks, head pose, masks) saved beside it. Runs locally."""

DEFAULT_SECONDS = 6.0
DEFAULT_SIZE = (512, 512)
DEFAULT_FPS = 25.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `avatar sample`."""
    add_sample_options(parser, out_required=True)
    parser.add_argument("--seed", type=argtypes.non_negative_int, default=0,
                        help="random seed of the motion (default: 0)")
    parser.add_argument("--text", default=None,
                        help="what the person says (default: the generator's sentence)")
    parser.add_argument("--photo", type=argtypes.existing_file, default=None, metavar="PATH",
                        help="photo of a face to animate (default: the packaged photo)")


def add_sample_options(parser: argparse.ArgumentParser, *, out_required: bool) -> None:
    """--out, --seconds, --size, --fps (shared with `avatar demo`)."""
    parser.add_argument("--out", type=argtypes.output_dir, required=out_required,
                        metavar="DIR", help="directory to write into (created if missing)")
    parser.add_argument("--seconds", type=argtypes.positive_float, default=DEFAULT_SECONDS,
                        metavar="S", help=f"length in seconds (default: {DEFAULT_SECONDS:g})")
    parser.add_argument("--size", type=argtypes.size, default=DEFAULT_SIZE, metavar="WxH",
                        help=f"frame size (default: {DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]})")
    parser.add_argument("--fps", type=argtypes.positive_float, default=DEFAULT_FPS,
                        metavar="F", help=f"frame rate (default: {DEFAULT_FPS:g})")


def generate(
    out_dir: Path,
    *,
    seconds: float = DEFAULT_SECONDS,
    size: tuple[int, int] = DEFAULT_SIZE,
    fps: float = DEFAULT_FPS,
    seed: int = 0,
    text: str | None = None,
    photo: Path | None = None,
) -> Any:
    """Generate a sample into `out_dir` and return what the generator returned."""
    try:
        from talkinghead.sample import generate_sample  # imports the rendering stack
    except ImportError as error:
        raise CliError(f"the sample generator is not available: {error}",
                       code="UNAVAILABLE") from error

    out_dir.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"seconds": seconds, "size": size, "fps": fps, "seed": seed}
    if text is not None:
        options["text"] = text
    if photo is not None:
        options["photo"] = photo
    return generate_sample(out_dir, **options)


def written_paths(result: Any, out_dir: Path) -> dict[str, Path]:
    """name -> path of each file the generator wrote: the file-valued Path fields of its
    result (a SampleInfo), or the files in `out_dir` when the result names none."""
    paths: dict[str, Path] = {}
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        for field in dataclasses.fields(result):
            value = getattr(result, field.name)
            if isinstance(value, Path) and value.is_file():
                paths[field.name] = value
    if not paths:
        paths = {path.name: path for path in sorted(out_dir.iterdir()) if path.is_file()}
    return paths


def run(args: argparse.Namespace) -> int:
    """Generate the sample and print where its files are and how long it took."""
    started = time.monotonic()
    result = generate(
        args.out, seconds=args.seconds, size=args.size, fps=args.fps, seed=args.seed,
        text=args.text, photo=args.photo,
    )
    elapsed = time.monotonic() - started
    width, height = args.size
    frames = getattr(result, "n_frames", None)
    count = f" ({frames} frames)" if frames else ""
    print(f"sample: {args.seconds:g} s{count} at {width}x{height}, {args.fps:g} fps, "
          f"written in {elapsed:.1f} s")
    for name, path in written_paths(result, args.out).items():
        print(f"  {name}: {path.resolve()}")
    return 0
