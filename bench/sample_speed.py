"""How long `avatar sample` takes: 30 s at 512x512 (the issue's target: under 2 minutes
on the 2-core machine) and 5 s at 1920x1080."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


def main() -> int:
    from talkinghead.sample import generate_sample

    for seconds, size in ((30.0, (512, 512)), (5.0, (1920, 1080))):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.monotonic()
            generate_sample(Path(tmp), seconds=seconds, size=size, seed=0)
            took = time.monotonic() - started
        print(f"sample {seconds:g} s at {size[0]}x{size[1]}: {took:.1f} s "
              f"({seconds * 25 / took:.1f} frames/s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
