"""Preprocess speed: a 30 s 1920x1080 sample clip through the whole pipeline (the issue's
target: <= 3 minutes on the 2-core machine), with the time of every stage and the peak
memory of the run (this process and its worker processes)."""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path


def main(seconds: float = 30.0, size: tuple[int, int] = (1920, 1080)) -> int:
    from talkinghead.preprocess.options import PreprocessOptions
    from talkinghead.preprocess.pipeline import run_pipeline
    from talkinghead.sample import generate_sample

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.monotonic()
        generate_sample(root / "sample", seconds=seconds, size=size, seed=0)
        print(f"(sample clip made in {time.monotonic() - started:.1f} s)", flush=True)
        started = time.monotonic()
        manifest = run_pipeline(root / "sample" / "video.mp4", root / "dataset", PreprocessOptions())
        total = time.monotonic() - started
        records = json.loads((root / "dataset" / "stages.json").read_text())
    print(f"preprocess {seconds:g} s {size[0]}x{size[1]} -> {manifest['frame_count']} frames "
          f"at {manifest['width']}x{manifest['height']}: {total:.1f} s total "
          f"(target <= 180 s; GaussianTalker ~80 min for a 30 s 1080p clip: "
          f"{80 * 60 / total:.0f}x faster)")
    for name in manifest["stages"]:
        print(f"  {name:<16}{records[name]['seconds']:8.1f} s")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  peak memory: {own:.0f} MB (this process), {kids:.0f} MB (largest worker)")
    return 0 if total <= 180 else 1


if __name__ == "__main__":
    sys.exit(main())
