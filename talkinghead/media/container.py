"""Opening a media file for reading with PyAV, and the facts its header declares.

Every PyAV/FFmpeg failure here becomes a MediaError naming the file's problem. Only plain
local files in a short list of container formats are opened: FFmpeg's playlist-like
demuxers (hls, concat, ...) would otherwise follow references inside an uploaded file to
other files or URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import av
import av.error
from av.container import InputContainer
from av.stream import Disposition, Stream

from talkinghead.media.errors import MediaError

# FFmpeg demuxer names: "mov" covers mp4/mov/m4a, "matroska" covers mkv/webm.
ALLOWED_DEMUXERS = ("mov", "matroska", "avi", "wav", "mp3", "flac", "ogg", "aac")
ALLOWED_DESCRIPTION = "mp4, mov, mkv, webm, avi, wav, mp3, flac, ogg, aac"
_OPEN_OPTIONS = {
    "format_whitelist": ",".join(ALLOWED_DEMUXERS),
    "protocol_whitelist": "file",
}


def display_name(path: str | Path) -> str:
    """The file's base name: what error messages show (never the server's directories)."""
    return Path(path).name or str(path)


def describe_av_error(exc: BaseException) -> str:
    """A short reason for a PyAV exception, without FFmpeg's call names or paths."""
    if isinstance(exc, av.error.EOFError):
        return "the data ends unexpectedly (truncated file)"
    if isinstance(exc, av.error.InvalidDataError):
        return "invalid or corrupt data"
    if isinstance(exc, av.error.FFmpegError):
        return exc.strerror or type(exc).__name__
    return str(exc) or type(exc).__name__


@contextmanager
def open_input(path: str | Path) -> Iterator[InputContainer]:
    """Open `path` for reading; yields the container and closes it afterwards.

    Raises MediaError for a missing, empty, unreadable, unsupported or truncated file,
    and for one without any video or audio stream."""
    p = Path(path)
    name = display_name(p)
    try:
        if not p.exists():
            raise MediaError(f"{name}: file not found")
        if not p.is_file():
            raise MediaError(f"{name}: not a regular file")
        size = p.stat().st_size
    except OSError as exc:
        raise MediaError(f"{name}: the file can't be read ({exc.strerror})") from exc
    if size == 0:
        raise MediaError(f"{name}: the file is empty (0 bytes)")
    try:
        container = av.open(str(p), "r", container_options=_OPEN_OPTIONS, metadata_errors="replace")
    except av.error.EOFError as exc:
        raise MediaError(f"{name}: the file ends inside its header (truncated)") from exc
    except av.error.InvalidDataError as exc:
        kind = sniff_container(p)
        if kind is not None:
            raise MediaError(
                f"{name}: an {kind} file whose header or index can't be read: the file is "
                "truncated or corrupt"
            ) from exc
        raise MediaError(
            f"{name}: not a video or audio file that can be read (unknown format or corrupt "
            f"header); supported containers: {ALLOWED_DESCRIPTION}"
        ) from exc
    except av.error.ArgumentError as exc:
        # What FFmpeg returns for a format outside format_whitelist.
        raise MediaError(
            f"{name}: unsupported container format; supported: {ALLOWED_DESCRIPTION}"
        ) from exc
    except av.error.PermissionError as exc:
        raise MediaError(f"{name}: the file can't be read (permission denied)") from exc
    except av.error.FFmpegError as exc:
        raise MediaError(
            f"{name}: can't be opened, its header is damaged ({describe_av_error(exc)})"
        ) from exc
    try:
        if not container.streams.video and not container.streams.audio:
            raise MediaError(
                f"{name}: no video or audio stream found (the file is truncated, has no "
                "frames, or is not a media file)"
            )
        _check_index_inside_file(container, name, size)
        yield container
    finally:
        container.close()


def sniff_container(path: Path) -> str | None:
    """The container family named by the file's first bytes (its magic number), or None:
    tells "a damaged mp4" from "not a media file at all" when FFmpeg can't open it."""
    with open(path, "rb") as src:
        head = src.read(12)
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return "mp4/mov"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "mkv/webm"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    return None


def _check_index_inside_file(container: InputContainer, name: str, size: int) -> None:
    """A file whose sample index (mp4/mov moov, avi idx1) points past its end was cut
    short, typically an interrupted upload: refuse it before decoding."""
    for stream in list(container.streams.video) + list(container.streams.audio):
        entries = stream.index_entries
        if entries is None or len(entries) == 0:
            continue
        end = max(entry.pos + entry.size for entry in entries)
        if end > size:
            missing = end - size
            raise MediaError(
                f"{name}: the file is truncated (or its index corrupt): its {stream.type} "
                f"index refers to {missing} bytes past the end of the file"
            )


def select_video_stream(container: InputContainer) -> Stream | None:
    """The first real video stream that has a decoder; cover art (an attached picture)
    is not video."""
    for stream in container.streams.video:
        if stream.codec_context is not None and not stream.disposition & Disposition.attached_pic:
            return stream
    return None


def select_audio_stream(container: InputContainer) -> Stream | None:
    """The default audio stream, else the first one (of those with a decoder)."""
    streams = [s for s in container.streams.audio if s.codec_context is not None]
    for stream in streams:
        if stream.disposition & Disposition.default:
            return stream
    return streams[0] if streams else None


_MKV_DURATION = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


def stream_duration_s(stream: Stream) -> float | None:
    """The duration a stream declares (its header, or Matroska's DURATION tag)."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = stream.metadata.get("DURATION") or stream.metadata.get("duration")
    if tag:
        match = _MKV_DURATION.match(tag.strip())
        if match:
            hours, minutes, seconds = match.groups()
            return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return None


def container_duration_s(container: InputContainer) -> float | None:
    """The whole file's declared duration, if the header has one."""
    if container.duration is None or container.duration <= 0:
        return None
    return container.duration / av.time_base


def stream_start(stream: Stream) -> Fraction | None:
    """The stream's declared start time in seconds, exactly."""
    if stream.start_time is None or stream.time_base is None:
        return None
    return Fraction(stream.start_time) * stream.time_base


def missing_track_reason(container: InputContainer, kind: str) -> str:
    """Why no stream of `kind` ("video"/"audio") was selected, for an error message."""
    present = container.streams.video if kind == "video" else container.streams.audio
    if any(stream.codec_context is None for stream in present):
        return f"its {kind} codec is not supported (no decoder)"
    if kind == "video" and container.streams.video:
        return "its only video is a cover picture"
    return f"has no {kind} track" + (" (an audio-only file?)" if kind == "video" else "")


def video_origin(video: Stream) -> Fraction:
    """Time 0 of decoded media: the instant frame 0 of iter_frames shows and sample 0 of
    decode_audio plays. The video stream's declared start, or 0 when it declares none."""
    start = stream_start(video)
    return start if start is not None else Fraction(0)
