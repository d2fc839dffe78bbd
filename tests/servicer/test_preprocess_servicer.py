"""PreprocessService through a real in-process server on loopback: uploads, validation,
live audio features. (The full pipeline on a sample video is in tests/integration.)"""

from __future__ import annotations

import asyncio
import hashlib

import grpc
import numpy as np
import pytest

from avatar.v1 import common_pb2, preprocess_pb2_grpc
from avatar.v1 import preprocess_pb2 as pb
from services.runtime.catalog import load_spec
from services.runtime.server import start_server
from talkinghead.store import open_store

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB, not a real video: uploads store bytes as given


async def _with_server(settings, body):
    server = await start_server(load_spec("preprocess"), settings)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            return await body(preprocess_pb2_grpc.PreprocessServiceStub(channel), server)
    finally:
        await server.stop(0)


def _upload_requests(filename="talk.mp4", data=PAYLOAD, dataset_id="", size=0, chunk=65536):
    yield pb.UploadVideoRequest(
        header=pb.UploadVideoHeader(filename=filename, dataset_id=dataset_id, size_bytes=size)
    )
    for i in range(0, len(data), chunk):
        yield pb.UploadVideoRequest(chunk=data[i : i + chunk])


def _store(settings):
    return open_store(settings.store_url)


def test_upload_stores_the_bytes_with_their_hash(settings_for, arun):
    settings = settings_for("preprocess")

    async def body(stub, server):
        return await stub.UploadVideo(_upload_requests(dataset_id="clip1"), timeout=10)

    reply = arun(_with_server(settings, body))
    assert reply.dataset_id == "clip1"
    assert reply.video.sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert reply.video.size_bytes == len(PAYLOAD)
    assert _store(settings).get_bytes(reply.video.id) == PAYLOAD


def test_upload_generates_an_id_and_refuses_a_duplicate(settings_for, arun):
    settings = settings_for("preprocess")

    async def body(stub, server):
        first = await stub.UploadVideo(_upload_requests(), timeout=10)
        with pytest.raises(grpc.aio.AioRpcError) as dup:
            await stub.UploadVideo(_upload_requests(dataset_id=first.dataset_id), timeout=10)
        return first, dup.value

    first, dup = arun(_with_server(settings, body))
    assert len(first.dataset_id) >= 8
    assert dup.code() == grpc.StatusCode.ALREADY_EXISTS
    # The original upload is untouched.
    assert _store(settings).get_bytes(first.video.id) == PAYLOAD


@pytest.mark.parametrize(
    "requests, code, words",
    [
        (lambda: iter([pb.UploadVideoRequest(chunk=b"abc")]), "INVALID_ARGUMENT", "header"),
        (lambda: _upload_requests(filename="../evil.mp4"), "INVALID_ARGUMENT", "file name"),
        (lambda: _upload_requests(filename="notes.txt"), "INVALID_ARGUMENT", ".mp4"),
        (lambda: _upload_requests(data=b""), "INVALID_ARGUMENT", "empty"),
        (lambda: _upload_requests(dataset_id="a/b"), "INVALID_ARGUMENT", "dataset id"),
        (lambda: _upload_requests(size=1 << 40), "RESOURCE_EXHAUSTED", "exceeds"),
    ],
    ids=["no-header", "traversal", "extension", "empty", "bad-id", "too-big"],
)
def test_bad_uploads_are_refused_and_store_nothing(requests, code, words, settings_for, arun):
    settings = settings_for("preprocess")

    async def body(stub, server):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await stub.UploadVideo(requests(), timeout=10)
        return raised.value

    error = arun(_with_server(settings, body))
    assert error.code().name == code, error
    assert words in error.details()
    assert [a for a in _store(settings).list("uploads")] == []


def test_cancelled_upload_leaves_nothing(settings_for, arun):
    settings = settings_for("preprocess")

    async def body(stub, server):
        sent = asyncio.Event()

        async def slow():
            yield pb.UploadVideoRequest(header=pb.UploadVideoHeader(filename="a.mp4", dataset_id="x"))
            for _ in range(3):
                yield pb.UploadVideoRequest(chunk=PAYLOAD)
            sent.set()
            await asyncio.sleep(30)

        call = stub.UploadVideo(slow(), timeout=20)
        await sent.wait()
        await asyncio.sleep(0.3)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        await asyncio.sleep(0.5)

    arun(_with_server(settings, body))
    assert _store(settings).list("uploads") == []


def test_unknown_and_unprocessed_datasets(settings_for, arun):
    settings = settings_for("preprocess")

    async def body(stub, server):
        codes = {}
        for name, call in [
            ("process-unknown", lambda: stub.ProcessDataset(pb.ProcessDatasetRequest(dataset_id="nope"))),
            ("frames-unknown", lambda: stub.StreamFrames(pb.StreamFramesRequest(dataset_id="nope"))),
        ]:
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                async for _ in call():
                    pass
            codes[name] = raised.value.code()
        await stub.UploadVideo(_upload_requests(dataset_id="up"), timeout=10)
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await stub.GetDataset(pb.GetDatasetRequest(dataset_id="up"), timeout=10)
        codes["get-unprocessed"] = raised.value.code()
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await stub.GetDataset(pb.GetDatasetRequest(dataset_id="../up"), timeout=10)
        codes["get-traversal"] = raised.value.code()
        return codes

    codes = arun(_with_server(settings, body))
    assert codes == {
        "process-unknown": grpc.StatusCode.NOT_FOUND,
        "frames-unknown": grpc.StatusCode.NOT_FOUND,
        "get-unprocessed": grpc.StatusCode.FAILED_PRECONDITION,
        "get-traversal": grpc.StatusCode.INVALID_ARGUMENT,
    }


def _speechlike(seconds=2.0, rate=16000):
    t = np.arange(int(seconds * rate)) / rate
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    return (0.3 * envelope * np.sin(2 * np.pi * 220 * t * (1 + 0.1 * t))).astype(np.float32)


def test_live_audio_features_equal_the_offline_features(settings_for, arun):
    from talkinghead.audio import extract_features

    settings = settings_for("preprocess")
    audio = _speechlike()
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    # The server sees PCM16, so the reference is computed from the same quantised samples.
    expected = extract_features(pcm.astype(np.float32) / 32768.0, 16000, fps=25)

    async def body(stub, server):
        def requests():
            yield pb.ExtractAudioFeaturesRequest(
                config=pb.AudioFeatureConfig(kind="logmel", fps=25, sample_rate_hz=16000)
            )
            step = 16000 * 37 // 1000  # 37 ms chunks: not aligned to frames on purpose
            for i in range(0, len(pcm), step):
                yield pb.ExtractAudioFeaturesRequest(
                    chunk=common_pb2.AudioChunk(sample_rate_hz=16000, pcm16=pcm[i : i + step].tobytes())
                )

        return [r.features async for r in stub.ExtractAudioFeatures(requests(), timeout=30)]

    got = arun(_with_server(settings, body))
    assert [f.frame_index for f in got] == list(range(len(expected)))
    values = np.stack([np.asarray(f.values, np.float32).reshape(tuple(f.shape)) for f in got])
    assert np.abs(values - expected).max() < 1e-4


@pytest.mark.parametrize(
    "first, then, code",
    [
        (pb.ExtractAudioFeaturesRequest(chunk=common_pb2.AudioChunk(pcm16=b"\0\0")), None, "INVALID_ARGUMENT"),
        (pb.ExtractAudioFeaturesRequest(config=pb.AudioFeatureConfig(kind="nope")), None, "INVALID_ARGUMENT"),
        (pb.ExtractAudioFeaturesRequest(config=pb.AudioFeatureConfig(sample_rate_hz=44100)), None, "INVALID_ARGUMENT"),
        (
            pb.ExtractAudioFeaturesRequest(config=pb.AudioFeatureConfig()),
            pb.ExtractAudioFeaturesRequest(chunk=common_pb2.AudioChunk(pcm16=bytes(400_000))),
            "INVALID_ARGUMENT",
        ),
        (
            pb.ExtractAudioFeaturesRequest(config=pb.AudioFeatureConfig()),
            pb.ExtractAudioFeaturesRequest(chunk=common_pb2.AudioChunk(sample_rate_hz=8000, pcm16=b"\0\0")),
            "INVALID_ARGUMENT",
        ),
        (
            pb.ExtractAudioFeaturesRequest(config=pb.AudioFeatureConfig(kind="wav2vec2")),
            None,
            "INVALID_ARGUMENT",
        ),
    ],
    ids=["no-config", "bad-kind", "bad-rate", "oversized-chunk", "rate-mismatch", "model-without-path"],
)
def test_live_audio_features_refuse_bad_streams(first, then, code, settings_for, arun):
    settings = settings_for("preprocess")

    async def body(stub, server):
        requests = [first] + ([then] if then is not None else [])
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            async for _ in stub.ExtractAudioFeatures(iter(requests), timeout=10):
                pass
        return raised.value

    error = arun(_with_server(settings, body))
    assert error.code().name == code, error
    assert error.details()


@pytest.mark.parametrize("name", ["../../etc", "/etc", "missing-model"])
def test_client_model_paths_stay_in_the_models_directory(name, settings_for, arun):
    settings = settings_for("preprocess")

    async def body(stub, server):
        await stub.UploadVideo(_upload_requests(dataset_id="m"), timeout=10)
        codes = []
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            async for _ in stub.ProcessDataset(pb.ProcessDatasetRequest(
                    dataset_id="m", options=pb.ProcessOptions(
                        audio_feature_kind="wav2vec2", audio_model_path=name)), timeout=10):
                pass
        codes.append(raised.value.code())
        config = pb.AudioFeatureConfig(kind="wav2vec2", model_path=name)
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            async for _ in stub.ExtractAudioFeatures(
                    iter([pb.ExtractAudioFeaturesRequest(config=config)]), timeout=10):
                pass
        codes.append(raised.value.code())
        return codes

    expected = grpc.StatusCode.NOT_FOUND if name == "missing-model" else grpc.StatusCode.INVALID_ARGUMENT
    assert arun(_with_server(settings, body)) == [expected, expected]


def test_a_model_in_the_models_directory_is_used(settings_for, arun, tmp_path):
    from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2Model

    settings = settings_for("preprocess")
    model_dir = tmp_path / "models" / "tiny-w2v"
    config = Wav2Vec2Config(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                            intermediate_size=32, conv_dim=(16, 16), conv_kernel=(10, 3),
                            conv_stride=(5, 2), num_conv_pos_embeddings=16,
                            num_conv_pos_embedding_groups=2)
    Wav2Vec2Model(config).save_pretrained(model_dir)
    Wav2Vec2FeatureExtractor().save_pretrained(model_dir)
    pcm = (np.sin(np.arange(16000) / 8) * 8000).astype("<i2")

    async def body(stub, server):
        requests = [pb.ExtractAudioFeaturesRequest(
                        config=pb.AudioFeatureConfig(kind="wav2vec2", model_path="tiny-w2v")),
                    pb.ExtractAudioFeaturesRequest(chunk=common_pb2.AudioChunk(pcm16=pcm.tobytes()))]
        return [r.features async for r in stub.ExtractAudioFeatures(iter(requests), timeout=60)]

    features = arun(_with_server(settings, body))
    assert len(features) == 25 and list(features[0].shape)[1] == 16
