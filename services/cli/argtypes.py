"""Argument converters for argparse. Each raises `argparse.ArgumentTypeError` naming the
problem, so bad input becomes a usage message and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from services.cli.store import StoreUrlError, resolve_store_url
from talkinghead.errors import InvalidInputError
from talkinghead.store.keys import validate_id

_SIZE = re.compile(r"(\d+)[xX](\d+)")
# host:port, [ipv6]:port
_TARGET = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d+)")
MAX_FRAME_SIDE = 8192


def size(text: str) -> tuple[int, int]:
    """"WxH" (e.g. "512x512") -> (width, height), both in 1..8192."""
    match = _SIZE.fullmatch(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"size {text!r} must look like WIDTHxHEIGHT, e.g. 512x512")
    width, height = int(match.group(1)), int(match.group(2))
    if not (1 <= width <= MAX_FRAME_SIDE and 1 <= height <= MAX_FRAME_SIDE):
        raise argparse.ArgumentTypeError(
            f"size {text!r}: width and height must be between 1 and {MAX_FRAME_SIDE}"
        )
    return width, height


def positive_int(text: str) -> int:
    """An integer > 0."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def non_negative_int(text: str) -> int:
    """An integer >= 0."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number greater than 0")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value >= 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number, 0 or more")
    return value


def existing_file(text: str) -> Path:
    """A path to a readable regular file."""
    path = Path(text).expanduser()
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"not a regular file: {text}")
    try:
        with open(path, "rb"):
            pass
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot read {text}: {error.strerror}") from None
    return path


def existing_dir(text: str) -> Path:
    """A path to an existing directory."""
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"no such directory: {text}")
    return path


def output_dir(text: str) -> Path:
    """A directory to write into: it may exist (as a directory) or will be created."""
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} exists and is not a directory")
    return path


def output_file(text: str) -> Path:
    """A file to write: not a directory, and its parent directory must exist."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; name a file")
    if not path.absolute().parent.is_dir():
        raise argparse.ArgumentTypeError(f"the directory of {text} does not exist")
    return path


def identifier(what: str):  # noqa: ANN201 (an argparse type factory)
    """A converter for a client-chosen id (dataset, avatar): one safe store segment."""

    def convert(text: str) -> str:
        try:
            return validate_id(text, what)
        except InvalidInputError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = what.replace(" ", "_")  # argparse names the type in some messages
    return convert


def target(text: str) -> str:
    """A service address "host:port" (or "[ipv6]:port"), port in 1..65535."""
    match = _TARGET.fullmatch(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f"target {text!r} must be host:port, e.g. localhost:50052"
        )
    port = int(match.group(2))
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"target {text!r}: port must be between 1 and 65535")
    return f"{match.group(1)}:{port}"


def store_url(text: str) -> str:
    """An artifact store URL, made absolute (see services.cli.store.resolve_store_url)."""
    try:
        return resolve_store_url(text)
    except StoreUrlError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
