"""Encoding RGB frames (and optional mono audio) to an mp4: H.264 + AAC.

Video is libx264, yuv420p, BT.709 (tagged, so players and our decoder convert colours
back the same way); odd frame sizes are padded by one edge pixel to the even size
yuv420p needs. Audio is AAC at the given sample rate, trimmed or padded with silence to
the video's length, so both start at 0 and end together. The file is written under a
temporary name and renamed into place when complete (`+faststart`: index first, so it
plays while downloading).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from contextlib import AbstractContextManager
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import av.container
import av.error
import numpy as np

from talkinghead.media.atomic import atomic_output
from talkinghead.media.errors import MediaError

_BT709 = 1  # AVCOL_SPC/PRI/TRC_BT709
_MPEG_RANGE = 1  # AVCOL_RANGE_MPEG: limited ("tv") range, what players expect
_AUDIO_BIT_RATE = 96_000
_MAX_SIDE = 8192


class Mp4Writer(AbstractContextManager["Mp4Writer"]):
    """Streaming mp4 writer: `write(rgb)` frame by frame, then `close()`.

    Audio (float32 mono in [-1, 1]) is given up front (`audio=`, interleaved as frames
    arrive) or at `close(audio=...)`. Used as a context manager, the file appears only when
    the block ends without an exception; otherwise nothing is left behind."""

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: float,
        crf: int = 18,
        *,
        audio: np.ndarray | None = None,
        sample_rate: int = 16000,
        preset: str = "medium",
    ) -> None:
        if not (0 < width <= _MAX_SIDE and 0 < height <= _MAX_SIDE):
            raise MediaError(f"frame size {width}x{height} must be within 1..{_MAX_SIDE}")
        if not (math.isfinite(fps) and 0 < fps <= 1000):
            raise MediaError(f"fps must be in (0, 1000], got {fps}")
        if not 0 <= crf <= 51:
            raise MediaError(f"crf must be in [0, 51], got {crf}")
        self.path = Path(path)
        self.width, self.height = width, height
        self.rate = Fraction(fps).limit_denominator(1001 * 1000)
        self.frames_written = 0
        self._audio: _AudioTrack | None = None
        self._closed = False
        self._atomic = atomic_output(self.path)
        self._tmp = self._atomic.__enter__()
        try:
            self._out = av.open(
                str(self._tmp), "w", format="mp4", options={"movflags": "+faststart"}
            )
            self._video = self._out.add_stream(
                "libx264", rate=self.rate, options={"crf": str(crf), "preset": preset}
            )
            # yuv420p subsamples chroma 2x2: the coded size must be even.
            self._video.width = width + width % 2
            self._video.height = height + height % 2
            self._video.pix_fmt = "yuv420p"
            ctx = self._video.codec_context
            ctx.colorspace = ctx.color_primaries = ctx.color_trc = _BT709
            ctx.color_range = _MPEG_RANGE
            if audio is not None:
                samples = _check_audio(audio)
                self._audio = _AudioTrack(self._out, samples, _check_sample_rate(sample_rate))
        except BaseException as exc:
            self._abort(exc)
            raise

    def write(self, rgb: np.ndarray) -> None:
        """Append one H x W x 3 uint8 RGB frame (the size given to the constructor)."""
        if self._closed:
            raise MediaError("write() on a closed Mp4Writer")
        frame = np.asarray(rgb)
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise MediaError(
                f"frame {self.frames_written}: expected a {self.height}x{self.width}x3 uint8 "
                f"RGB array, got {frame.shape} {frame.dtype}"
            )
        if self.width % 2 or self.height % 2:
            frame = np.pad(frame, ((0, self.height % 2), (0, self.width % 2), (0, 0)), "edge")
        video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        video_frame = video_frame.reformat(
            format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG"
        )
        video_frame.pts = self.frames_written
        video_frame.time_base = 1 / self.rate
        self._mux(self._video.encode(video_frame))
        self.frames_written += 1
        if self._audio is not None:
            # Interleaved: audio up to the end of this frame.
            self._mux(self._audio.encode_until(self.frames_written / self.rate))

    def close(self, audio: np.ndarray | None = None, sample_rate: int = 16000) -> None:
        """Finish the file: write the audio (this one, or the one given up front) trimmed or
        padded to the video's length, flush the encoders and move the file into place."""
        if self._closed:
            return
        try:
            if self.frames_written == 0:
                raise MediaError(f"{self.path.name}: no frames were written")
            if audio is not None and self._audio is not None:
                raise MediaError("audio was already given to the Mp4Writer constructor")
            late_audio = _check_audio(audio) if audio is not None else None
            late_rate = _check_sample_rate(sample_rate)
            self._mux(self._video.encode(None))
            end_s = self.frames_written / self.rate
            if self._audio is not None:
                self._mux(self._audio.encode_until(end_s))
                self._mux(self._audio.flush())
            self._out.close()
            if late_audio is not None:
                # The header is written: an audio stream can't be added any more, so the
                # video is copied, with the audio, into a new file.
                _remux_with_audio(self._tmp, late_audio, late_rate, end_s)
            self._closed = True
            self._atomic.__exit__(None, None, None)
        except BaseException as exc:
            self._abort(exc)
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
        else:
            self._abort(exc)

    # -- internals ---------------------------------------------------------------------

    def _mux(self, packets: list[av.Packet]) -> None:
        _mux(self._out, packets, self.path.name)

    def _abort(self, exc: BaseException) -> None:
        """Drop everything: close the container if open and remove the temporary file."""
        if self._closed:
            return
        self._closed = True
        out = getattr(self, "_out", None)
        if out is not None:
            try:
                out.close()
            except av.error.FFmpegError:
                pass  # already failing; the temporary file is removed next
        self._atomic.__exit__(type(exc), exc, exc.__traceback__)


def write_mp4(
    path: str | Path,
    frames: Iterable[np.ndarray],
    fps: float,
    audio: np.ndarray | None = None,
    sample_rate: int = 16000,
    crf: int = 18,
) -> None:
    """Encode HxWx3 uint8 RGB `frames` (all one size) at `fps`, with optional float32 mono
    `audio` in [-1, 1] muxed and cut/padded to the video's length, into an mp4 at `path`."""
    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise MediaError(f"{Path(path).name}: no frames to write")
    first = np.asarray(first)
    if first.ndim != 3 or first.shape[2] != 3:
        raise MediaError(f"frames must be HxWx3 RGB arrays, got shape {first.shape}")
    height, width = first.shape[:2]
    with Mp4Writer(path, width, height, fps, crf, audio=audio, sample_rate=sample_rate) as writer:
        writer.write(first)
        for rgb in iterator:
            writer.write(rgb)


class _AudioTrack:
    """An AAC stream fed from an array of samples, cut or padded with silence to the
    instant asked for."""

    def __init__(self, out: av.container.OutputContainer, samples: np.ndarray, rate: int) -> None:
        self.samples = samples
        self.rate = rate
        self.written = 0
        self.stream = out.add_stream("aac", rate=rate, layout="mono", bit_rate=_AUDIO_BIT_RATE)
        self.stream.time_base = Fraction(1, rate)

    def encode_until(self, end_s: Fraction) -> list[av.Packet]:
        end = round(end_s * self.rate)
        if end <= self.written:
            return []
        chunk = self.samples[self.written : end]
        if len(chunk) < end - self.written:
            chunk = np.pad(chunk, (0, end - self.written - len(chunk)))
        frame = av.AudioFrame.from_ndarray(chunk[None, :], format="flt", layout="mono")
        frame.sample_rate = self.rate
        frame.pts = self.written
        frame.time_base = Fraction(1, self.rate)
        self.written = end
        return self.stream.encode(frame)

    def flush(self) -> list[av.Packet]:
        return self.stream.encode(None)


def _remux_with_audio(video_file: Path, audio: np.ndarray, rate: int, end_s: Fraction) -> None:
    """Replace the video-only mp4 `video_file` by a copy of its video with `audio` muxed."""
    combined = video_file.with_name(video_file.stem + ".av" + video_file.suffix)
    try:
        with (
            av.open(str(video_file)) as src,
            av.open(str(combined), "w", format="mp4", options={"movflags": "+faststart"}) as out,
        ):
            video_in = src.streams.video[0]
            video_out = out.add_stream_from_template(video_in)
            track = _AudioTrack(out, audio, rate)
            for packet in src.demux(video_in):
                if packet.dts is None:
                    continue  # the demuxer's final flush packet
                packet.stream = video_out
                _mux(out, [packet], video_file.name)
                if packet.pts is not None and packet.time_base is not None:
                    # Interleaved: audio up to this video packet's time.
                    _mux(
                        out,
                        track.encode_until(min(packet.pts * packet.time_base, end_s)),
                        video_file.name,
                    )
            _mux(out, track.encode_until(end_s), video_file.name)
            _mux(out, track.flush(), video_file.name)
        os.replace(combined, video_file)
    finally:
        combined.unlink(missing_ok=True)


def _mux(out: av.container.OutputContainer, packets: list[av.Packet], name: str) -> None:
    try:
        out.mux(packets)
    except av.error.FFmpegError as exc:
        raise MediaError(f"{name}: writing failed: {exc.strerror}") from exc


def _check_audio(audio: np.ndarray) -> np.ndarray:
    samples = np.asarray(audio)
    if samples.ndim != 1 or not np.issubdtype(samples.dtype, np.floating):
        raise MediaError(
            f"audio must be 1-D float mono samples, got {samples.shape} {samples.dtype}"
        )
    if not np.all(np.isfinite(samples)):
        raise MediaError("audio contains NaN or infinity")
    return np.clip(samples, -1.0, 1.0).astype(np.float32)


def _check_sample_rate(sample_rate: int) -> int:
    # Rates the AAC encoder accepts.
    allowed = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000)
    if sample_rate not in allowed:
        raise MediaError(f"audio sample rate {sample_rate} is not one AAC supports: {allowed}")
    return int(sample_rate)
