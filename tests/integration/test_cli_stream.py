"""`avatar stream` against a stand-in renderer on a real loopback gRPC server that checks
the Stream protocol from the proto: SessionConfig first (16 kHz), then audio chunks of
the chosen length sent at real-time pace whose PCM is the file's, then EndOfUtterance.
The stand-in answers SessionStarted and one frame per 40 ms of audio; the CLI writes the
frames it received, and reports fps and latency."""

from __future__ import annotations

import json
import threading
import time
import wave

import grpc
import numpy as np
import pytest

from avatar.v1 import common_pb2, renderer_pb2, renderer_pb2_grpc
from services.cli.main import main
from tests.integration.test_cli_support import stand_in_server

RATE = 16000
FPS = 25
SAMPLES_PER_FRAME = RATE // FPS


class RecordingRenderer(renderer_pb2_grpc.RendererServiceServicer):
    """Renders a fake frame (its bytes name its sequence) per 40 ms of audio received."""

    def __init__(self) -> None:
        self.config: renderer_pb2.SessionConfig | None = None
        self.kinds: list[str] = []
        self.chunks: list[bytes] = []
        self.chunk_times: list[float] = []
        self.half_closed = threading.Event()

    def Stream(self, request_iterator, context):
        first = next(request_iterator)
        assert first.WhichOneof("payload") == "config"
        self.config = first.config
        yield renderer_pb2.StreamResponse(
            started=renderer_pb2.SessionStarted(session_id="s1", width=64, height=48, fps=FPS))
        buffered, sequence = 0, 0
        for request in request_iterator:
            kind = request.WhichOneof("payload")
            self.kinds.append(kind)
            if kind == "audio":
                self.chunks.append(request.audio.pcm16)
                self.chunk_times.append(time.monotonic())
                buffered += len(request.audio.pcm16) // 2
                while buffered >= SAMPLES_PER_FRAME:
                    buffered -= SAMPLES_PER_FRAME
                    yield self._frame(sequence, idle=False)
                    sequence += 1
            elif kind == "control" and request.control.HasField("end_of_utterance"):
                if buffered:
                    yield self._frame(sequence, idle=False)
                    sequence += 1
                yield self._frame(sequence, idle=True)
        self.half_closed.set()

    @staticmethod
    def _frame(sequence: int, idle: bool) -> renderer_pb2.StreamResponse:
        frame = common_pb2.VideoFrame(index=sequence, width=64, height=48,
                                      encoding=common_pb2.FRAME_ENCODING_JPEG,
                                      data=f"frame {sequence}".encode())
        return renderer_pb2.StreamResponse(frame=renderer_pb2.RenderedFrame(
            sequence=sequence, audio_time_seconds=sequence / FPS, frame=frame, idle=idle))


def write_test_wav(path, seconds: float) -> np.ndarray:
    """A 16 kHz mono 16-bit wav of a chirp; returns its int16 samples (ground truth)."""
    t = np.arange(int(seconds * RATE)) / RATE
    pcm = np.round(20000 * np.sin(2 * np.pi * (200 + 300 * t) * t)).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())
    return pcm


@pytest.mark.parametrize("chunk_ms", [20, 100])
def test_stream_sends_paced_audio_and_writes_frames(chunk_ms, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    seconds = 1.0
    pcm = write_test_wav(tmp_path / "speech.wav", seconds)
    renderer = RecordingRenderer()
    with stand_in_server(renderer_pb2_grpc.add_RendererServiceServicer_to_server,
                         renderer) as address:
        code = main(["stream", "av1", "speech.wav", "--out", "frames", "--target", address,
                     "--chunk-ms", str(chunk_ms), "--size", "64x48", "--encoding", "png"])
        assert renderer.half_closed.wait(5), "the CLI never half-closed the stream"
    out = capsys.readouterr().out
    assert code == 0, out

    config = renderer.config
    assert (config.avatar_id, config.audio_sample_rate_hz) == ("av1", RATE)
    assert (config.width, config.height) == (64, 48)
    assert config.encoding == common_pb2.FRAME_ENCODING_PNG
    # Config, then only audio, then EndOfUtterance.
    assert renderer.kinds[-1] == "control" and set(renderer.kinds[:-1]) == {"audio"}
    chunk_samples = RATE * chunk_ms // 1000
    sizes = [len(chunk) // 2 for chunk in renderer.chunks]
    assert all(size == chunk_samples for size in sizes[:-1]) and 0 < sizes[-1] <= chunk_samples
    # The audio arrives intact: the wav's own samples, read with the stdlib.
    received = np.frombuffer(b"".join(renderer.chunks), dtype="<i2")
    np.testing.assert_array_equal(received, pcm)
    # Real-time pace: the last chunk is sent about `seconds` after the first was spoken.
    span = renderer.chunk_times[-1] - renderer.chunk_times[0]
    assert seconds - chunk_ms / 1000 - 0.1 <= span <= seconds + 0.5

    # Every frame written as the bytes it came in, named by its sequence.
    frames = sorted((tmp_path / "frames").glob("*.jpg"))
    expected_frames = int(seconds * FPS) + 1  # one idle frame after the speech
    assert [f.name for f in frames] == [f"{i:06d}.jpg" for i in range(expected_frames)]
    assert all(f.read_bytes() == f"frame {i}".encode() for i, f in enumerate(frames))
    stats = json.loads((tmp_path / "frames" / "stream_stats.json").read_text())
    assert stats["frames"] == expected_frames and stats["idle_frames"] == 1
    assert stats["session_id"] == "s1" and stats["audio_seconds"] == pytest.approx(seconds)
    # Frames came as fast as the audio went out: about 25 fps; latency of a frame is the
    # wait for the rest of its chunk at most, plus loopback time.
    assert 15 < stats["received_fps"] < 40
    assert 0 <= stats["latency_ms_p50"] <= chunk_ms + 100
    assert "fps" in out and "latency" in out


class RefusingRenderer(renderer_pb2_grpc.RendererServiceServicer):
    """Refuses every session after reading its config, as a renderer without the avatar."""

    def Stream(self, request_iterator, context):
        next(request_iterator)
        context.abort(grpc.StatusCode.NOT_FOUND, "avatar 'av1' is not trained")


def test_stream_reports_the_renderer_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_test_wav(tmp_path / "speech.wav", 0.2)
    with stand_in_server(renderer_pb2_grpc.add_RendererServiceServicer_to_server,
                         RefusingRenderer()) as address:
        assert main(["stream", "av1", "speech.wav", "--target", address]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: NOT_FOUND: avatar 'av1' is not trained"]
