"""Decoding one stream's packets into frames, tolerating damaged packets.

A packet the decoder rejects (a corrupt frame in the middle of a file) is skipped with a
warning; only when a large share of packets is damaged does decoding stop with an error,
so a bad file always terminates, with a MediaError instead of a PyAV traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import av.error
from av.container import InputContainer
from av.frame import Frame
from av.stream import Stream

from talkinghead.media.container import describe_av_error
from talkinghead.media.errors import MediaError

log = logging.getLogger("talkinghead.media")

# Give up when at least this many packets failed and they are over this share of all.
MAX_BAD_PACKETS = 20
MAX_BAD_SHARE = 0.2


def decode_stream(container: InputContainer, stream: Stream, name: str) -> Iterator[Frame]:
    """Yield the decoded frames of `stream` in decoder output order (presentation order
    for video), skipping packets the decoder rejects."""
    kind = stream.type
    demuxed = container.demux(stream)
    packets = 0
    bad = 0
    while True:
        try:
            packet = next(demuxed)
        except StopIteration:
            return
        except av.error.FFmpegError as exc:
            raise MediaError(
                f"{name}: the {kind} data is corrupt after {packets} packets "
                f"({describe_av_error(exc)})"
            ) from exc
        packets += 1
        try:
            frames = stream.decode(packet)
        except av.error.FFmpegError as exc:
            bad += 1
            at = (
                f"{float(packet.pts * packet.time_base):.3f} s"
                if packet.pts is not None and packet.time_base is not None
                else f"packet {packets}"
            )
            log.warning(
                "%s: skipped a corrupt %s frame at %s (%s)", name, kind, at, describe_av_error(exc)
            )
            if bad >= MAX_BAD_PACKETS and bad > MAX_BAD_SHARE * packets:
                raise MediaError(
                    f"{name}: too many corrupt {kind} frames ({bad} of {packets} packets "
                    "could not be decoded)"
                ) from exc
            continue
        yield from frames
