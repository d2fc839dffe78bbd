"""What a media file contains (`probe`), and the limit checks made before decoding."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av.error
from av.container import InputContainer
from av.stream import Stream
from av.video.frame import VideoFrame

from talkinghead.media.container import (
    container_duration_s,
    display_name,
    open_input,
    select_audio_stream,
    select_video_stream,
    stream_duration_s,
)
from talkinghead.media.errors import MediaError
from talkinghead.media.limits import DEFAULT_LIMITS, MediaLimits

# Packets read at most to find the first frame's rotation (B-frame decoders need a few).
_ROTATION_PACKETS = 64


@dataclass(frozen=True)
class MediaInfo:
    """Facts about a media file, from its header (plus its first video frame's rotation).

    `width`/`height` are the display size, after rotation; `rotation` is how many degrees
    counter-clockwise (0, 90, 180, 270) the coded pictures are turned for display, the
    convention of FFmpeg's display matrix. Fields of a missing track are 0 / None."""

    container: str  # FFmpeg demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    duration_s: float
    has_video: bool
    has_audio: bool
    width: int
    height: int
    fps: float  # average frame rate; 0.0 when unknown
    rotation: int
    video_codec: str | None
    frame_count: int  # declared, else estimated as video duration x fps
    video_duration_s: float
    audio_codec: str | None
    audio_sample_rate: int
    audio_channels: int
    audio_duration_s: float


def probe(path: str | Path, limits: MediaLimits = DEFAULT_LIMITS) -> MediaInfo:
    """Read the header of `path` (and decode its first video frame, for rotation).

    Raises MediaError for an unreadable file and for one whose declared resolution or
    duration exceeds `limits` (checked before anything is decoded)."""
    name = display_name(path)
    with open_input(path) as container:
        return inspect_container(container, name, limits, read_rotation=True)


def inspect_container(
    container: InputContainer, name: str, limits: MediaLimits, read_rotation: bool
) -> MediaInfo:
    """MediaInfo of an open container, after checking `limits`. With read_rotation the
    first video frame is decoded (the display matrix reaches PyAV only on frames); the
    container is then left past that frame."""
    video = select_video_stream(container)
    audio = select_audio_stream(container)
    check_declared_limits(container, video, audio, name, limits)

    width = height = rotation = frame_count = 0
    fps = video_duration = 0.0
    if video is not None:
        ctx = video.codec_context
        width, height = ctx.width, ctx.height
        rate = video.average_rate or video.guessed_rate
        fps = float(rate) if rate else 0.0
        video_duration = stream_duration_s(video) or 0.0
        frame_count = video.frames or int(round(video_duration * fps))
        if read_rotation:
            rotation = first_frame_rotation(container, video)
        if rotation in (90, 270):
            width, height = height, width

    audio_duration = (stream_duration_s(audio) or 0.0) if audio is not None else 0.0
    return MediaInfo(
        container=container.format.name,
        duration_s=container_duration_s(container) or max(video_duration, audio_duration),
        has_video=video is not None,
        has_audio=audio is not None,
        width=width,
        height=height,
        fps=fps,
        rotation=rotation,
        video_codec=video.codec_context.name if video is not None else None,
        frame_count=frame_count,
        video_duration_s=video_duration,
        audio_codec=audio.codec_context.name if audio is not None else None,
        audio_sample_rate=audio.codec_context.sample_rate if audio is not None else 0,
        audio_channels=audio.codec_context.channels if audio is not None else 0,
        audio_duration_s=audio_duration,
    )


def check_declared_limits(
    container: InputContainer,
    video: Stream | None,
    audio: Stream | None,
    name: str,
    limits: MediaLimits,
) -> None:
    """Refuse a file whose header declares a resolution or duration over `limits`."""
    if video is not None:
        width, height = video.codec_context.width, video.codec_context.height
        check_frame_size(width, height, name, limits, what="declared resolution")
    durations = [container_duration_s(container)]
    durations += [stream_duration_s(s) for s in (video, audio) if s is not None]
    longest = max((d for d in durations if d is not None), default=0.0)
    if longest > limits.max_duration_s:
        raise MediaError(
            f"{name}: declared duration {format_duration(longest)} exceeds the limit of "
            f"{format_duration(limits.max_duration_s)}"
        )


def check_frame_size(width: int, height: int, name: str, limits: MediaLimits, what: str) -> None:
    if width > limits.max_width or height > limits.max_height:
        raise MediaError(
            f"{name}: {what} {width}x{height} exceeds the limit of "
            f"{limits.max_width}x{limits.max_height}"
        )


def format_duration(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def normalize_rotation(degrees: float) -> int:
    """0, 90, 180 or 270: a display matrix's rotation rounded to a quarter turn."""
    return int(round(degrees / 90.0)) % 4 * 90


def display_rotation(frame: VideoFrame, video: Stream) -> int:
    """How far (counter-clockwise, 0/90/180/270) `frame` is turned for display: its display
    matrix, else a legacy "rotate" tag (old FFmpeg Matroska files), whose degrees are
    clockwise."""
    if frame.rotation:
        return normalize_rotation(frame.rotation)
    for key, value in video.metadata.items():
        if key.lower() == "rotate":
            try:
                return normalize_rotation(-float(value))
            except ValueError:
                return 0
    return 0


def first_frame_rotation(container: InputContainer, video: Stream) -> int:
    """Rotation of the first decodable video frame; 0 when none decodes early on (the
    decoders report that problem properly)."""
    try:
        for count, packet in enumerate(container.demux(video)):
            for frame in video.decode(packet):
                return display_rotation(frame, video)
            if count >= _ROTATION_PACKETS:
                break
    except av.error.FFmpegError:
        pass
    return 0
