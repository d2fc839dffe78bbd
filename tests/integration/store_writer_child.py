"""A writer process for the kill tests (tests/integration/test_store_kill.py).

    python store_writer_child.py URL KEY SIZE stall
        streams SIZE random bytes into KEY with open_write, prints WROTE, then waits inside
        the open_write block until it is killed;
    python store_writer_child.py URL KEY SIZE crash-after N
        writes SIZE bytes and commits, but SIGKILLs itself right after its N-th storage step:
        the N-th os.replace for a local store (only commits rename), the N-th S3 request for
        an S3 store (after it was built). Prints COMMITTED if there were fewer than N steps.

The payload is derived from SIZE (seeded), so the parent can compute it independently.
S3 settings come from AWS_* environment variables and --endpoint/--part-size below.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import time
from typing import Any


def payload(size: int, seed: int) -> bytes:
    """The bytes a child writes for (size, seed)."""
    return random.Random(seed).randbytes(size)


def _die_after(calls: int) -> Any:
    counter = {"n": 0}

    def hook(*_: Any, **__: Any) -> None:
        counter["n"] += 1
        if counter["n"] == calls:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("size", type=int)
    parser.add_argument("mode", choices=["stall", "crash-after"])
    parser.add_argument("steps", type=int, nargs="?", default=0)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--endpoint")
    parser.add_argument("--part-size", type=int)
    args = parser.parse_args()

    from talkinghead.store import open_store

    options: dict[str, Any] = {}
    if args.url.startswith("s3://"):
        options = {"endpoint_url": args.endpoint, "part_size": args.part_size}
    store = open_store(args.url, **options)
    data = payload(args.size, args.seed)

    if args.mode == "crash-after":
        die = _die_after(args.steps)
        if args.url.startswith("s3://"):
            store._client.meta.events.register("after-call.s3", die)
        else:
            real_replace = os.replace

            def replace(*a: Any, **k: Any) -> None:
                real_replace(*a, **k)
                die()

            os.replace = replace  # type: ignore[assignment]

    with store.open_write(args.key, "checkpoint") as writer:
        for start in range(0, len(data), 256 * 1024):
            writer.write(data[start:start + 256 * 1024])
        if args.mode == "stall":
            print("WROTE", flush=True)
            while True:
                time.sleep(1)
    print("COMMITTED", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
