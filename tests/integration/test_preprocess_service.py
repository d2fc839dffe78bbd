"""PreprocessService end to end over real gRPC on loopback, with a local store and with a
real S3-compatible server (moto): upload a real video, process it with a progress stream,
read the dataset back through every streaming RPC and compare with the files."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import cv2
import grpc
import numpy as np
import pytest

from avatar.v1 import common_pb2, preprocess_pb2_grpc
from avatar.v1 import preprocess_pb2 as pb
from services.runtime.catalog import load_spec
from services.runtime.server import start_server
from tests.integration import clips
from tests.servicer.conftest import loopback_settings

RESOLUTION = 128


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    return clips.talking_clip(tmp_path_factory.mktemp("video") / "talk.mp4", seconds=3.6)


def _upload(video: Path, dataset_id: str):
    data = video.read_bytes()
    yield pb.UploadVideoRequest(
        header=pb.UploadVideoHeader(filename=video.name, size_bytes=len(data), dataset_id=dataset_id)
    )
    for i in range(0, len(data), 100_000):
        yield pb.UploadVideoRequest(chunk=data[i : i + 100_000])


async def _run(settings, store, body):
    server = await start_server(load_spec("preprocess"), settings, store=store)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            return await body(preprocess_pb2_grpc.PreprocessServiceStub(channel))
    finally:
        await server.stop(0)


@pytest.fixture(params=["local", "s3"])
def store_and_settings(request, tmp_path):
    settings = loopback_settings("preprocess", tmp_path)
    if request.param == "local":
        from talkinghead.store import open_store

        return open_store(str(tmp_path / "store")), settings
    return request.getfixturevalue("make_s3_store")(), settings


def test_upload_process_and_read_back(store_and_settings, video, tmp_path):
    store, settings = store_and_settings

    async def body(stub):
        up = await stub.UploadVideo(_upload(video, "talk"), timeout=30)
        progress, final = [], None
        request = pb.ProcessDatasetRequest(
            dataset_id="talk", options=pb.ProcessOptions(resolution=RESOLUTION)
        )
        async for reply in stub.ProcessDataset(request, timeout=300):
            progress.append(reply.progress)
            if reply.HasField("dataset"):
                final = reply.dataset
        got = await stub.GetDataset(pb.GetDatasetRequest(dataset_id="talk"), timeout=30)
        frames = [r.frame async for r in stub.StreamFrames(
            pb.StreamFramesRequest(dataset_id="talk", start=10, count=5), timeout=30)]
        rgb = [r.frame async for r in stub.StreamFrames(
            pb.StreamFramesRequest(dataset_id="talk", start=10, count=1,
                                   encoding=common_pb2.FRAME_ENCODING_RGB8), timeout=30)]
        lms = [r.landmarks async for r in stub.StreamLandmarks(
            pb.StreamLandmarksRequest(dataset_id="talk"), timeout=30)]
        feats = [r.features async for r in stub.StreamAudioFeatures(
            pb.StreamAudioFeaturesRequest(dataset_id="talk", start=3, count=4), timeout=30)]
        return up, progress, final, got.dataset, frames, rgb, lms, feats

    up, progress, final, got, frames, rgb, lms, feats = asyncio.run(_run(settings, store, body))
    assert up.video.sha256 == hashlib.sha256(video.read_bytes()).hexdigest()
    assert final is not None and final.frame_count == 90 and final.fps == 25
    assert (final.width, final.height) == (RESOLUTION, RESOLUTION)
    assert got == final
    stages = [p.stage for p in progress]
    for stage in ("landmarks", "frames", "parsing", "background", "torso", "publish"):
        assert stage in stages
    landmark_reports = [p for p in progress if p.stage == "landmarks"]
    assert landmark_reports[-1].done == landmark_reports[-1].total == 90

    # Independent check: the published tree, fetched straight from the store.
    local = tmp_path / "fetched"
    store.get_tree("datasets/talk", local)
    assert [f.index for f in frames] == [10, 11, 12, 13, 14]
    assert frames[0].data == (local / "ori_imgs" / "10.jpg").read_bytes()
    decoded = cv2.imread(str(local / "ori_imgs" / "10.jpg"))[:, :, ::-1]
    assert np.array_equal(np.frombuffer(rgb[0].data, np.uint8).reshape(decoded.shape), decoded)
    assert len(lms) == 90 and all(lm.face_found for lm in lms)
    assert np.allclose(np.reshape(lms[7].points, (68, 2)), np.loadtxt(local / "ori_imgs" / "7.lms"), atol=1e-3)
    expected = np.load(local / "aud_logmel.npy")
    assert [f.frame_index for f in feats] == [3, 4, 5, 6]
    assert np.allclose(np.reshape(feats[0].values, tuple(feats[0].shape)), expected[3], atol=1e-6)


async def _process_when_free(stub, dataset_id: str, wait_s: float = 30.0):
    """ProcessDataset once the cancelled run has wound down (its worker thread stops at
    its next progress report; until then the dataset is "being processed")."""
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        try:
            return [r.progress async for r in stub.ProcessDataset(pb.ProcessDatasetRequest(
                dataset_id=dataset_id, options=pb.ProcessOptions(resolution=RESOLUTION)),
                timeout=300)]
        except grpc.aio.AioRpcError as error:
            busy = "being processed" in (error.details() or "")
            if not busy or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)


def test_cancelled_processing_publishes_nothing_and_resumes(video, tmp_path):
    from talkinghead.store import open_store

    settings = loopback_settings("preprocess", tmp_path)
    store = open_store(str(tmp_path / "store"))

    async def body(stub):
        await stub.UploadVideo(_upload(video, "c"), timeout=30)
        call = stub.ProcessDataset(pb.ProcessDatasetRequest(
            dataset_id="c", options=pb.ProcessOptions(resolution=RESOLUTION)), timeout=300)
        async for reply in call:
            if reply.progress.stage == "parsing":
                call.cancel()
                break
        await asyncio.sleep(1.0)
        published_after_cancel = store.list("datasets/c")
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await stub.GetDataset(pb.GetDatasetRequest(dataset_id="c"), timeout=10)
        messages = await _process_when_free(stub, "c")
        return published_after_cancel, raised.value.code(), messages

    published, code, messages = asyncio.run(_run(settings, store, body))
    assert published == []
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    # The second run reuses the stages the first one finished.
    skipped = {m.stage for m in messages if m.message == "already done"}
    assert {"audio", "landmarks", "frames"} <= skipped
    assert store.exists("datasets/c/manifest.json")
