"""The client side of RendererService.Stream (a bidirectional stream): the SessionConfig
first, then the audio in chunks of 20-100 ms at real-time pace (each chunk is sent when
it has been "spoken", as from a microphone), then EndOfUtterance; frames come back and are
handed to a sink while their latency is measured.

Latency of a frame = when it arrived - when the audio it needs (up to the frame's end on
the session's audio clock) had been sent. The stream is half-closed once the frames for
all the audio arrived (or an idle frame after EndOfUtterance says the server rendered what
it had), and cancelled if the server keeps it open longer than a drain timeout.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import grpc
import numpy as np

from avatar.v1 import common_pb2, renderer_pb2_grpc
from avatar.v1 import renderer_pb2 as pb
from services.cli.errors import CliError
from services.cli.rpc import open_call

SAMPLE_RATE_HZ = 16000
MIN_CHUNK_MS = 20
MAX_CHUNK_MS = 100
DEFAULT_CHUNK_MS = 40
# How long to wait for SessionStarted before sending audio.
START_TIMEOUT_SECONDS = 30.0
# How long the server may keep the stream open after the last frame we need.
DRAIN_TIMEOUT_SECONDS = 5.0
# PyAV decodes 16-bit audio as value / 32768; the inverse gives back the same samples.
_PCM16_SCALE = 32768.0

FrameSink = Callable[[pb.RenderedFrame], None]


def to_pcm16(samples: np.ndarray) -> bytes:
    """float samples in [-1, 1] -> signed 16-bit little-endian PCM bytes."""
    scaled = np.round(np.asarray(samples, dtype=np.float64) * _PCM16_SCALE)
    return np.clip(scaled, -32768, 32767).astype("<i2").tobytes()


def split_chunks(samples: np.ndarray, chunk_samples: int) -> list[np.ndarray]:
    """Consecutive chunks of `chunk_samples` samples (the last may be shorter)."""
    return [samples[i: i + chunk_samples] for i in range(0, len(samples), chunk_samples)]


@dataclass
class StreamStats:
    """What a session measured."""

    session_id: str = ""
    width: int = 0
    height: int = 0
    fps: int = 0
    audio_seconds: float = 0.0
    frames: int = 0
    idle_frames: int = 0
    first_frame_at: float | None = None
    last_frame_at: float | None = None
    latencies_seconds: list[float] = field(default_factory=list)

    @property
    def received_fps(self) -> float:
        """Frames per second between the first and the last frame received."""
        if self.frames < 2 or self.first_frame_at is None or self.last_frame_at is None:
            return 0.0
        span = self.last_frame_at - self.first_frame_at
        return (self.frames - 1) / span if span > 0 else 0.0

    def latency_percentile(self, q: float) -> float | None:
        """The q-th percentile (0-100) of frame latency in seconds, None without frames."""
        if not self.latencies_seconds:
            return None
        return float(np.percentile(self.latencies_seconds, q))

    def as_dict(self) -> dict[str, object]:
        """A JSON-friendly summary (latencies in milliseconds)."""

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value * 1000, 2)

        return {
            "session_id": self.session_id,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "audio_seconds": round(self.audio_seconds, 3),
            "frames": self.frames,
            "idle_frames": self.idle_frames,
            "received_fps": round(self.received_fps, 2),
            "latency_ms_p50": ms(self.latency_percentile(50)),
            "latency_ms_p95": ms(self.latency_percentile(95)),
            "latency_ms_max": ms(max(self.latencies_seconds, default=None)),
        }


class _AudioSender:
    """The request stream: config, then paced audio chunks, then EndOfUtterance; it stays
    open (the server may stream on) until `finished` is set, which half-closes it."""

    def __init__(self, config: pb.SessionConfig, samples: np.ndarray, chunk_ms: int,
                 realtime: bool, clock: Callable[[], float]) -> None:
        self._config = config
        self._chunks = split_chunks(samples, SAMPLE_RATE_HZ * chunk_ms // 1000)
        self._realtime = realtime
        self._clock = clock
        self.started = threading.Event()  # set when SessionStarted arrived (or the end)
        self.finished = threading.Event()  # set to half-close the stream
        self.utterance_ended = threading.Event()
        # (audio seconds sent so far, when) after each chunk, for latency.
        self._sent_until: list[float] = []
        self._sent_at: list[float] = []

    def requests(self) -> Iterator[pb.StreamRequest]:
        yield pb.StreamRequest(config=self._config)
        if not self.started.wait(START_TIMEOUT_SECONDS) or self.finished.is_set():
            return
        begin = self._clock()
        sent_samples = 0
        for chunk in self._chunks:
            sent_samples += len(chunk)
            audio_end = sent_samples / SAMPLE_RATE_HZ
            if self._realtime:
                # A live source has this chunk once its last sample was spoken.
                delay = begin + audio_end - self._clock()
                if delay > 0 and self.finished.wait(delay):
                    return
            if self.finished.is_set():
                return
            self._sent_until.append(audio_end)
            self._sent_at.append(self._clock())
            yield pb.StreamRequest(
                audio=common_pb2.AudioChunk(sample_rate_hz=SAMPLE_RATE_HZ, pcm16=to_pcm16(chunk))
            )
        yield pb.StreamRequest(control=pb.Control(end_of_utterance=pb.EndOfUtterance()))
        self.utterance_ended.set()
        self.finished.wait()

    def sent_time_of(self, audio_seconds: float) -> float | None:
        """When the audio up to `audio_seconds` had been sent; None if it was not yet."""
        index = bisect.bisect_left(self._sent_until, audio_seconds - 1e-9)
        return self._sent_at[index] if index < len(self._sent_at) else None


def stream_audio(
    channel: grpc.Channel,
    config: pb.SessionConfig,
    samples: np.ndarray,
    sink: FrameSink | None = None,
    *,
    chunk_ms: int = DEFAULT_CHUNK_MS,
    realtime: bool = True,
    drain_timeout: float = DRAIN_TIMEOUT_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> StreamStats:
    """Drive one Stream session with `samples` (float32 mono at 16 kHz) and return what
    it measured; every RenderedFrame goes to `sink`. RpcError when the server fails it."""
    if not MIN_CHUNK_MS <= chunk_ms <= MAX_CHUNK_MS:
        raise ValueError(f"chunk_ms must be in [{MIN_CHUNK_MS}, {MAX_CHUNK_MS}], got {chunk_ms}")
    session = pb.SessionConfig()
    session.CopyFrom(config)
    session.audio_sample_rate_hz = SAMPLE_RATE_HZ
    sender = _AudioSender(session, samples, chunk_ms, realtime, clock)
    stats = StreamStats(audio_seconds=len(samples) / SAMPLE_RATE_HZ)
    stub = renderer_pb2_grpc.RendererServiceStub(channel)
    drain_timer: threading.Timer | None = None
    drained = threading.Event()  # set when we cancelled a stream the server kept open

    try:
        with open_call(stub.Stream, sender.requests()) as call:
            for response in call:
                if response.HasField("started"):
                    _record_start(stats, response.started)
                    sender.started.set()
                elif response.HasField("frame"):
                    frame = response.frame
                    now = clock()
                    _record_frame(stats, frame, now, sender)
                    if sink is not None:
                        sink(frame)
                    if not sender.finished.is_set() and _all_audio_rendered(stats, frame, sender):
                        sender.finished.set()  # half-close: the server may end the stream
                        drain_timer = threading.Timer(drain_timeout, _stop_draining,
                                                      (call, drained))
                        drain_timer.daemon = True
                        drain_timer.start()
    except grpc.RpcError as error:
        if not (drained.is_set() and error.code() == grpc.StatusCode.CANCELLED):
            raise
    finally:
        sender.started.set()
        sender.finished.set()
        if drain_timer is not None:
            drain_timer.cancel()
    if not stats.session_id and stats.frames == 0:
        raise CliError("the renderer ended the stream without starting a session",
                       code="INTERNAL")
    return stats


def _stop_draining(call: grpc.Call, drained: threading.Event) -> None:
    """The server kept the stream open after the frames we needed: end it ourselves."""
    drained.set()
    call.cancel()


def _record_start(stats: StreamStats, started: pb.SessionStarted) -> None:
    stats.session_id = started.session_id
    stats.width, stats.height, stats.fps = started.width, started.height, started.fps


def _record_frame(stats: StreamStats, frame: pb.RenderedFrame, now: float,
                  sender: _AudioSender) -> None:
    stats.frames += 1
    if stats.first_frame_at is None:
        stats.first_frame_at = now
    stats.last_frame_at = now
    if frame.idle:
        stats.idle_frames += 1
        return
    fps = stats.fps or 25
    # The frame shows the audio up to its own end on the session's audio clock.
    needed = min(frame.audio_time_seconds + 1.0 / fps, stats.audio_seconds)
    sent = sender.sent_time_of(needed)
    if sent is not None:
        stats.latencies_seconds.append(now - sent)


def _all_audio_rendered(stats: StreamStats, frame: pb.RenderedFrame,
                        sender: _AudioSender) -> bool:
    """Whether the frames for all the audio arrived: the frame covering its last sample,
    or an idle frame after EndOfUtterance (the server rendered what it had)."""
    fps = stats.fps or 25
    last_frame_start = (math.ceil(stats.audio_seconds * fps) - 1) / fps
    if not frame.idle and frame.audio_time_seconds >= last_frame_start - 1e-6:
        return True
    return frame.idle and sender.utterance_ended.is_set()
