"""Run benchmarks by name (default: all) and print their figures.

    python -m bench                 # all
    python -m bench preprocess      # one
    python -m bench --list
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

# name -> (module, arguments of its main); modules load on use, so a machine without some
# dependency (the GPU machine has no PyAV) still runs the others.
BENCHMARKS = {
    "sample": ("bench.sample_speed", None),
    "preprocess": ("bench.preprocess_speed", None),
    "media": ("bench.media_memory", []),
    "tracker": ("bench.tracker_speed", None),
    "gaussian": ("bench.gaussian_speed", []),
}


def _run(name: str) -> int | None:
    module, args = BENCHMARKS[name]
    main = importlib.import_module(module).main
    return main() if args is None else main(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--list", action="store_true", help="list the benchmarks")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(BENCHMARKS))
        return 0
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    failed = 0
    for name in args.names or list(BENCHMARKS):
        print(f"\n=== {name} ===", flush=True)
        started = time.monotonic()
        result = _run(name)
        failed += bool(result)
        print(f"=== {name}: {time.monotonic() - started:.1f} s ===", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
