"""Builders of small test clips, made with PyAV at test time (no binary fixtures).

Every video frame carries its source index drawn as a row of big black/white blocks (one
bit per block), which survives lossy compression and downscaling, so a test can read back
which source frame a decoded frame shows and compare it with an independent computation
from the timestamps it chose.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

INDEX_BITS = 10  # up to 1023 source frames
TIME_BASE = Fraction(1, 90000)  # fine enough for any pts a test picks


def index_pattern_frame(index: int, width: int = 96, height: int = 64) -> np.ndarray:
    """An RGB frame showing `index` as INDEX_BITS blocks across the top half of the frame
    (white = 1, most significant bit left) over a mid-grey background."""
    if index >= 2**INDEX_BITS:
        raise ValueError(f"index {index} does not fit in {INDEX_BITS} bits")
    rgb = np.full((height, width, 3), 128, np.uint8)
    for bit in range(INDEX_BITS):
        on = (index >> (INDEX_BITS - 1 - bit)) & 1
        x0, x1 = bit * width // INDEX_BITS, (bit + 1) * width // INDEX_BITS
        rgb[: height // 2, x0:x1] = 255 if on else 0
    return rgb


def read_index(rgb: np.ndarray) -> int:
    """Read back the index drawn by index_pattern_frame, from the centre of each block
    (so blurred block edges don't matter), at any resolution."""
    height, width = rgb.shape[:2]
    block_w = width / INDEX_BITS
    y = height // 4
    value = 0
    for bit in range(INDEX_BITS):
        x = int((bit + 0.5) * block_w)
        level = float(rgb[y, x].mean())
        value = (value << 1) | (1 if level > 128 else 0)
    return value


def tone_with_click(
    duration_s: float, sample_rate: int = 16000, click_s: float = 0.5, tone_hz: float = 220.0
) -> np.ndarray:
    """Float32 mono: a quiet tone with one loud 4 ms burst starting at `click_s`.

    The burst has a sharp onset, so cross-correlating a decoded copy with this signal
    finds its time offset to well under a millisecond."""
    t = np.arange(int(round(duration_s * sample_rate))) / sample_rate
    audio = 0.05 * np.sin(2 * np.pi * tone_hz * t)
    start = int(round(click_s * sample_rate))
    n = int(0.004 * sample_rate)
    burst_t = np.arange(n) / sample_rate
    audio[start : start + n] += 0.8 * np.sin(2 * np.pi * 1500.0 * burst_t) * np.hanning(n)
    return audio.astype(np.float32)


def find_offset_s(decoded: np.ndarray, reference: np.ndarray, sample_rate: int) -> float:
    """Time shift of `decoded` against `reference` (positive: decoded is late), found by
    cross-correlation over the whole signals, with sub-sample parabolic refinement."""
    n = len(decoded) + len(reference)
    size = 1 << (n - 1).bit_length()
    spec = np.fft.rfft(decoded, size) * np.conj(np.fft.rfft(reference, size))
    corr = np.fft.irfft(spec, size)
    lag = int(np.argmax(corr))
    a, b, c = corr[lag - 1], corr[lag], corr[(lag + 1) % size]
    frac = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    if lag > size // 2:
        lag -= size
    return (lag + frac) / sample_rate


def _video_options(codec: str) -> dict[str, str]:
    # Quality high enough that the index blocks survive; the fastest settings otherwise.
    if codec == "libx264":
        return {"crf": "12", "preset": "ultrafast"}
    if codec == "libx265":
        return {"crf": "12", "preset": "ultrafast", "x265-params": "log-level=none"}
    if codec in ("libvpx-vp9", "libvpx"):
        return {"crf": "10", "b": "0", "deadline": "realtime", "cpu-used": "8"}
    if codec == "libsvtav1":
        return {"crf": "4", "preset": "10"}
    if codec == "mpeg4":
        return {"qmin": "2", "qmax": "3"}
    return {}


def write_test_video(
    path: str | Path,
    *,
    pts_s: Sequence[float] | None = None,
    n_frames: int | None = None,
    fps: float = 25.0,
    size: tuple[int, int] = (96, 64),
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    container_format: str | None = None,
    frames: Sequence[np.ndarray] | None = None,
    last_duration_s: float | None = None,
    rotation: int = 0,
    audio: np.ndarray | None = None,
    sample_rate: int = 16000,
    audio_codec: str = "aac",
    audio_start_s: float = 0.0,
    container_options: dict[str, str] | None = None,
) -> Path:
    """Write a clip whose frame i is shown at pts_s[i] (default i / fps) and shows index i
    (or frames[i] when given).

    `rotation` is written as the display matrix (counter-clockwise degrees, PyAV's
    convention); `audio` (float32 mono) starts at `audio_start_s`. Without pts_s and
    n_frames and frames, no video stream is written (audio-only file)."""
    path = Path(path)
    if pts_s is None and (n_frames is not None or frames is not None):
        count = n_frames if n_frames is not None else len(frames)  # type: ignore[arg-type]
        pts_s = [i / fps for i in range(count)]
    width, height = size
    with av.open(str(path), "w", format=container_format, options=container_options) as out:
        vstream = None
        if pts_s is not None:
            vstream = out.add_stream(
                codec, rate=Fraction(fps).limit_denominator(1000), options=_video_options(codec)
            )
            vstream.width, vstream.height, vstream.pix_fmt = width, height, pix_fmt
            # AVI stores one frame per tick of its time base, and the mpeg4 encoder takes
            # denominators < 2**16: there the time base is one frame.
            time_base = 1 / Fraction(fps).limit_denominator(1000) if codec == "mpeg4" else TIME_BASE
            vstream.codec_context.time_base = time_base
            vstream.time_base = time_base
            if rotation:
                vstream.set_display_rotation(rotation)
        astream = None
        if audio is not None:
            astream = out.add_stream(audio_codec, rate=sample_rate, layout="mono")
            astream.time_base = Fraction(1, sample_rate)
        out.start_encoding()  # writes the header even when no frame follows
        if vstream is not None and pts_s is not None:
            for i, t in enumerate(pts_s):
                rgb = frames[i] if frames is not None else index_pattern_frame(i, width, height)
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
                frame = frame.reformat(format=pix_fmt)
                frame.pts = round(Fraction(t).limit_denominator(10**6) / time_base)
                frame.time_base = time_base
                if i + 1 < len(pts_s):
                    frame.duration = round(
                        Fraction(pts_s[i + 1] - t).limit_denominator(10**6) / time_base
                    )
                elif last_duration_s is not None:
                    frame.duration = round(
                        Fraction(last_duration_s).limit_denominator(10**6) / time_base
                    )
                else:
                    frame.duration = round(Fraction(1 / fps).limit_denominator(10**6) / time_base)
                out.mux(vstream.encode(frame))
            out.mux(vstream.encode(None))
        if astream is not None and audio is not None:
            offset = int(round(audio_start_s * sample_rate))
            chunk = 1024
            for start in range(0, len(audio), chunk):
                piece = np.ascontiguousarray(audio[start : start + chunk], np.float32)[None, :]
                aframe = av.AudioFrame.from_ndarray(piece, format="flt", layout="mono")
                aframe.sample_rate = sample_rate
                aframe.pts = offset + start
                aframe.time_base = Fraction(1, sample_rate)
                out.mux(astream.encode(aframe))
            out.mux(astream.encode(None))
    return path


# --- bad media: files that are broken in one known way --------------------------------


def write_truncated(src: str | Path, dst: str | Path, keep: float = 0.5) -> Path:
    """The first `keep` share of `src`'s bytes, as an interrupted upload leaves it."""
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: int(len(data) * keep)])
    return Path(dst)


def write_with_garbage_packets(src: str | Path, dst: str | Path, bad: set[int]) -> Path:
    """Copy the video packets of `src` into Matroska `dst`, replacing the payload of the
    packets numbered in `bad` by random bytes (a corrupt frame), timestamps kept."""
    rng = np.random.default_rng(1)
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="matroska") as out:
        video_in = inp.streams.video[0]
        video_out = out.add_stream_from_template(video_in)
        number = 0
        for packet in inp.demux(video_in):
            if packet.dts is None:
                continue
            if number in bad:
                payload = rng.integers(0, 256, max(packet.size, 64), dtype=np.uint8).tobytes()
                garbage = av.Packet(payload)
                garbage.pts, garbage.dts = packet.pts, packet.dts
                garbage.time_base = packet.time_base
                packet = garbage
            packet.stream = video_out
            out.mux(packet)
            number += 1
    return Path(dst)


def write_huge_declared_avi(path: str | Path, width: int = 9000, height: int = 9000) -> Path:
    """A tiny raw-video AVI whose header declares `width` x `height` (its frames hold
    16x16 pixels): what decoding must refuse from the header alone."""
    path = Path(path)
    with av.open(str(path), "w", format="avi") as out:
        stream = out.add_stream("rawvideo", rate=25)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "gray"
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((16, 16), np.uint8), format="gray")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    data = bytearray(path.read_bytes())
    # BITMAPINFOHEADER after "strf" + chunk size: biSize, then biWidth, biHeight (int32 LE)
    at = data.index(b"strf") + 8
    data[at + 4 : at + 8] = width.to_bytes(4, "little")
    data[at + 8 : at + 12] = height.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path
