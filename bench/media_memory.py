"""Memory and speed of streaming video decoding (talkinghead.media.iter_frames).

Writes a synthetic clip (default: 20 s of 4K at 30 fps, H.264), then decodes it to 25 fps
RGB frames in a fresh process and reports that process's peak resident memory, how much
it grew after the first frames, and the decoding rate. A decoder that kept frames would
grow by ~25 MB per 4K frame.

    .venv/bin/python bench/media_memory.py [--seconds 20] [--size 3840x2160] [--fps 30]
                                           [--max-side 512] [--keep clip.mp4]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def write_clip(path: Path, seconds: float, width: int, height: int, fps: int) -> None:
    """A moving gradient with a bright bar, written straight as yuv420p (fast)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        ramp = (np.arange(width, dtype=np.uint16) * 255 // max(width - 1, 1)).astype(np.uint8)
        chroma = np.full((height // 2, width), 128, np.uint8)
        for i in range(int(seconds * fps)):
            luma = np.broadcast_to(np.roll(ramp, i * 8), (height, width)).copy()
            bar = (i * 16) % max(height - 32, 1)
            luma[bar : bar + 32] = 235
            frame = av.VideoFrame.from_ndarray(np.vstack([luma, chroma]), format="yuv420p")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def decode(path: Path, max_side: int | None) -> dict:
    """Runs in the child process: decode everything, measure memory and time."""
    from talkinghead.media import iter_frames

    start = time.perf_counter()
    after_warmup = peak_current = 0
    count = 0
    shape = None
    for frame in iter_frames(path, fps=25.0, max_side=max_side):
        count += 1
        shape = frame.rgb.shape
        if count == 5:
            after_warmup = resident_bytes()
        elif count > 5:
            peak_current = max(peak_current, resident_bytes())
    seconds = time.perf_counter() - start
    return {
        "frames_out": count,
        "frame_shape": list(shape) if shape else None,
        "decode_seconds": round(seconds, 2),
        "frames_per_second": round(count / seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_growth_after_5_frames_mb": round((peak_current - after_warmup) / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--size", default="3840x2160")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--max-side", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="write the clip here and keep it")
    parser.add_argument("--decode", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.decode is not None:
        print(json.dumps(decode(args.decode, args.max_side)))
        return

    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        clip = args.keep or Path(tmp) / "clip.mp4"
        started = time.perf_counter()
        write_clip(clip, args.seconds, width, height, args.fps)
        encode_seconds = time.perf_counter() - started
        command = [sys.executable, __file__, "--decode", str(clip)]
        if args.max_side:
            command += ["--max-side", str(args.max_side)]
        child = subprocess.run(command, check=True, capture_output=True, text=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])
    result.update(
        clip=f"{args.seconds:g} s {width}x{height} @ {args.fps} fps",
        clip_encode_seconds=round(encode_seconds, 1),
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
