"""Streaming video decoding to upright RGB frames at a constant frame rate.

Output frame k is the source frame on display at time k / fps after the video's start:
the one whose display interval [pts, next pts) covers that time. This handles variable
frame rates and any source rate, duplicating or dropping source frames as timestamps say.
Times are compared as exact fractions, so a source frame starting exactly on an output
instant is the one shown there.

Frames are produced one at a time and only the source frame on display is held, so memory
stays flat however long the video is; only frames that are output are converted to RGB,
and an optional downscale happens in that same conversion.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av.error
import numpy as np
from av.container import InputContainer
from av.stream import Stream
from av.video.frame import VideoFrame

from talkinghead.media.container import (
    display_name,
    missing_track_reason,
    open_input,
    select_video_stream,
    video_origin,
)
from talkinghead.media.errors import MediaError
from talkinghead.media.limits import DEFAULT_LIMITS, MediaLimits
from talkinghead.media.packets import decode_stream
from talkinghead.media.probe import (
    MediaInfo,
    check_frame_size,
    display_rotation,
    format_duration,
    inspect_container,
)

log = logging.getLogger("talkinghead.media")

# A decoded video shorter than its declared duration by more than this is truncated.
_TRUNCATION_SLACK_S = 0.5
_TRUNCATION_SLACK_SHARE = 0.05


@dataclass(frozen=True)
class Frame:
    """One output frame: number `index` on the fps grid, shown at `pts_s` = index / fps
    seconds after the video's start, as an upright H x W x 3 uint8 RGB array. The source
    frame it shows started at `source_pts_s` (same time origin)."""

    index: int
    pts_s: float
    rgb: np.ndarray
    source_pts_s: float


def iter_frames(
    path: str | Path,
    fps: float = 25.0,
    max_side: int | None = None,
    start_s: float = 0.0,
    max_frames: int | None = None,
    limits: MediaLimits = DEFAULT_LIMITS,
) -> Iterator[Frame]:
    """Decode the video track of `path` as upright RGB frames at exactly `fps`.

    `max_side` downscales (keeping the aspect ratio) so the longer side is at most that;
    `start_s` starts at the first output instant at or after it (indices stay those of
    the whole video); `max_frames` stops after that many. Arguments are checked now; the
    file is opened on the first `next()`, and every problem with it raises MediaError."""
    if not (math.isfinite(fps) and fps > 0):
        raise MediaError(f"fps must be a positive number, got {fps}")
    if max_side is not None and max_side < 2:
        raise MediaError(f"max_side must be at least 2, got {max_side}")
    if not (math.isfinite(start_s) and start_s >= 0):
        raise MediaError(f"start_s must be >= 0, got {start_s}")
    if max_frames is not None and max_frames < 0:
        raise MediaError(f"max_frames must be >= 0, got {max_frames}")
    return _iter_frames(path, fps, max_side, start_s, max_frames, limits)


def _iter_frames(
    path: str | Path,
    fps: float,
    max_side: int | None,
    start_s: float,
    max_frames: int | None,
    limits: MediaLimits,
) -> Iterator[Frame]:
    name = display_name(path)
    with open_input(path) as container:
        info = inspect_container(container, name, limits, read_rotation=False)
        video = select_video_stream(container)
        if video is None:
            raise MediaError(f"{name}: {missing_track_reason(container, 'video')}")
        video.thread_type = "AUTO"
        resampler = _GridResampler(name, info, video, fps, max_side, start_s, limits)
        if start_s > 0:
            _seek(container, video, resampler.origin + Fraction(repr(start_s)))
        yield from resampler.run(decode_stream(container, video, name), max_frames)


def _seek(container: InputContainer, video: Stream, target_s: Fraction) -> None:
    """Seek to the keyframe at or before `target_s`; when the file can't seek, decoding
    simply goes on from the start (earlier frames are passed over)."""
    try:
        container.seek(math.floor(target_s / video.time_base), stream=video, backward=True)
    except av.error.FFmpegError as exc:
        log.warning("seek failed (%s); decoding from the start instead", exc)


class _GridResampler:
    """Maps decoded source frames (in presentation order) onto the output time grid."""

    def __init__(
        self,
        name: str,
        info: MediaInfo,
        video: Stream,
        fps: float,
        max_side: int | None,
        start_s: float,
        limits: MediaLimits,
    ) -> None:
        self.name = name
        self.info = info
        self.video = video
        self.limits = limits
        self.max_side = max_side
        # Exact rate: 25.0 -> 25, 29.97 -> 2997/100, 30000/1001 -> 30000/1001.
        self.rate = Fraction(fps).limit_denominator(1001 * 1000)
        self.origin = video_origin(video)
        self.next_index = math.ceil(Fraction(repr(start_s)) * self.rate)
        average = video.average_rate or video.guessed_rate
        self.default_duration = 1 / Fraction(average) if average else 1 / self.rate
        # Fixed by the first source frame: every output frame has the same size.
        self.coded_size: tuple[int, int] | None = None
        self.rotation = 0
        self.downscale = False

    def run(self, frames: Iterator[VideoFrame], max_frames: int | None) -> Iterator[Frame]:
        emitted = 0
        held: VideoFrame | None = None
        held_t = first_t = Fraction(0)
        seen = 0
        for frame in frames:
            t = self._time_of(frame, held, held_t)
            if t > self.limits.max_duration_s:
                raise MediaError(
                    f"{self.name}: video timestamps run past the limit of "
                    f"{format_duration(self.limits.max_duration_s)}"
                )
            seen += 1
            if held is None:
                self._fix_output_size(frame)
                held, held_t, first_t = frame, t, t
                continue
            if t < held_t:
                log.warning(
                    "%s: skipped a video frame whose timestamp goes back (%.3f s after %.3f s)",
                    self.name,
                    float(t),
                    float(held_t),
                )
                continue
            if t > held_t:
                # The held frame is on display for every output instant before t.
                while self._instant(self.next_index) < t:
                    if max_frames is not None and emitted >= max_frames:
                        return
                    yield self._emit(held, held_t)
                    emitted += 1
            # Equal timestamps: the later frame replaces the held one.
            held, held_t = frame, t

        if held is None:
            raise MediaError(f"{self.name}: the video track has no decodable frames")
        if seen > 1 and held_t == first_t:
            raise MediaError(
                f"{self.name}: the video's frame rate is 0 fps: all {seen} frames have the "
                "same timestamp"
            )
        end = held_t + self._duration_of(held)
        while self._instant(self.next_index) < end:
            if max_frames is not None and emitted >= max_frames:
                return
            yield self._emit(held, held_t)
            emitted += 1
        self._check_not_truncated(end)

    def _instant(self, index: int) -> Fraction:
        return index / self.rate

    def _emit(self, source: VideoFrame, source_t: Fraction) -> Frame:
        # Converted anew for every output frame, even a repeated source frame, so a
        # consumer that edits one array in place never changes another.
        index = self.next_index
        self.next_index += 1
        return Frame(
            index=index,
            pts_s=float(self._instant(index)),
            rgb=self._rgb(source),
            source_pts_s=float(source_t),
        )

    def _time_of(self, frame: VideoFrame, held: VideoFrame | None, held_t: Fraction) -> Fraction:
        """Seconds from the video's start; a frame without pts follows the held one."""
        if frame.pts is not None and frame.time_base is not None:
            return Fraction(frame.pts) * frame.time_base - self.origin
        if held is None:
            return Fraction(0)
        return held_t + self._duration_of(held)

    def _duration_of(self, frame: VideoFrame) -> Fraction:
        if frame.duration and frame.time_base is not None:
            return Fraction(frame.duration) * frame.time_base
        return self.default_duration

    def _fix_output_size(self, frame: VideoFrame) -> None:
        check_frame_size(frame.width, frame.height, self.name, self.limits, "frame size")
        self.rotation = display_rotation(frame, self.video)
        width, height = frame.width, frame.height
        if self.max_side is not None and max(width, height) > self.max_side:
            scale = self.max_side / max(width, height)
            width = max(1, round(width * scale))
            height = max(1, round(height * scale))
            self.downscale = True
        self.coded_size = (width, height)

    def _rgb(self, frame: VideoFrame) -> np.ndarray:
        assert self.coded_size is not None
        width, height = self.coded_size
        rgb = frame.to_ndarray(
            format="rgb24",
            width=width,
            height=height,
            # AREA averages the source pixels a smaller output pixel covers (no aliasing).
            interpolation="AREA" if self.downscale else "BILINEAR",
            src_color_range=frame.color_range,
        )
        if self.rotation:
            # FFmpeg's display matrix angle is counter-clockwise; so is np.rot90.
            rgb = np.ascontiguousarray(np.rot90(rgb, k=self.rotation // 90))
        return rgb

    def _check_not_truncated(self, end: Fraction) -> None:
        declared = self.info.video_duration_s
        slack = max(_TRUNCATION_SLACK_S, _TRUNCATION_SLACK_SHARE * declared)
        if declared > 0 and float(end) < declared - slack:
            raise MediaError(
                f"{self.name}: the file is truncated: its video ends at {float(end):.2f} s "
                f"but it declares {declared:.2f} s"
            )
