"""TrackerService end to end over gRPC on loopback: a generated sample is processed and
tracked, the track is published to the store, its params stream back equal to the file,
the live landmark tracker follows the offline fit, and bad requests get clear codes.
(Accuracy of the fit itself against ground truth: tests/unit/test_tracking_sample.py.)"""

from __future__ import annotations

import asyncio
import io

import grpc
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from avatar.v1 import common_pb2, tracker_pb2_grpc
from avatar.v1 import tracker_pb2 as pb
from services.runtime.catalog import load_spec
from services.runtime.server import start_server
from talkinghead.preprocess.datasets import DatasetRepository
from talkinghead.preprocess.options import PreprocessOptions
from talkinghead.progress import ProgressReporter
from talkinghead.sample import generate_sample
from talkinghead.store import open_store
from tests.servicer.conftest import loopback_settings


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A store with one processed dataset ('talk') and one uploaded-only ('raw')."""
    root = tmp_path_factory.mktemp("tracker")
    settings = loopback_settings("tracker", root)
    store = open_store(str(root / "store"))
    sample = root / "sample"
    generate_sample(sample, seconds=8.0, size=(256, 256), seed=0)
    repo = DatasetRepository(store, settings.work_dir)
    data = (sample / "video.mp4").read_bytes()
    for dataset_id in ("talk", "raw"):
        repo.save_upload("video.mp4", [data], dataset_id)
    repo.process("talk", PreprocessOptions(resolution=256, workers=1), ProgressReporter())
    return settings, store, root


async def _run(world, body):
    settings, store, _ = world
    server = await start_server(load_spec("tracker"), settings, store=store)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            return await body(tracker_pb2_grpc.TrackerServiceStub(channel))
    finally:
        await server.stop(0)


@pytest.fixture(scope="module")
def tracked(world):
    async def body(stub):
        replies = [r async for r in stub.TrackDataset(pb.TrackDatasetRequest(dataset_id="talk"),
                                                      timeout=300)]
        streamed = [r async for r in stub.StreamTrackParams(
            pb.StreamTrackParamsRequest(dataset_id="talk"), timeout=60)]
        return replies, streamed

    return asyncio.run(_run(world, body))


def test_track_dataset_reports_progress_and_a_result(tracked, world):
    replies, _ = tracked
    _, store, _ = world
    stages = [r.progress.stage for r in replies]
    assert {"load", "fit", "write", "publish"} <= set(stages)
    result = replies[-1].result
    assert result.frame_count == 200 and result.interpolated_frames == 0
    assert 0 < result.reprojection_rmse_px < 2.0
    assert result.camera.width == result.camera.height == 256
    ref = result.track_params
    assert ref.id == "tracks/talk/track_params.npz" and ref.kind == "track_params"
    assert store.info(ref.id).sha256 == ref.sha256
    for name in ("transforms_train.json", "transforms_val.json", "track_plot.png",
                 "track_strip.jpg"):
        assert store.exists(f"tracks/talk/{name}"), name


def test_streamed_params_equal_the_stored_file(tracked, world):
    _, streamed = tracked
    _, store, _ = world
    # Independent read of the published file with numpy alone.
    data = np.load(io.BytesIO(store.get_bytes("tracks/talk/track_params.npz")))
    camera = streamed[0].camera
    assert camera.focal_length_px == pytest.approx(float(data["focal"]))
    frames = [r.params for r in streamed[1:]]
    assert [f.frame_index for f in frames] == list(range(200))
    assert np.allclose([f.rotation for f in frames], data["rotation"], atol=1e-6)
    assert np.allclose([f.translation for f in frames], data["translation"], atol=1e-4)
    assert np.allclose([f.expression for f in frames], data["expression"], atol=1e-5)
    assert np.allclose([f.blink for f in frames], data["blink"], atol=1e-6)


def test_live_landmarks_follow_the_offline_fit(tracked, world):
    settings, store, root = world
    local = root / "lms"
    store.get_tree("datasets/talk", local)
    data = np.load(io.BytesIO(store.get_bytes("tracks/talk/track_params.npz")))

    def requests():
        yield pb.TrackLandmarksRequest(config=pb.TrackLandmarksConfig(dataset_id="talk"))
        for i in range(60):
            points = np.loadtxt(local / "ori_imgs" / f"{i}.lms").reshape(-1)
            yield pb.TrackLandmarksRequest(landmarks=common_pb2.FrameLandmarks(
                frame_index=i, face_found=True, confidence=1.0, points=points.tolist()))
        yield pb.TrackLandmarksRequest(landmarks=common_pb2.FrameLandmarks(frame_index=60))

    async def body(stub):
        return [r.params async for r in stub.TrackLandmarks(requests(), timeout=60)]

    live = asyncio.run(_run(world, body))
    assert [p.frame_index for p in live] == list(range(61))
    ours = Rotation.from_rotvec([p.rotation for p in live[:60]])
    offline = Rotation.from_rotvec(data["rotation"][:60])
    angle = np.degrees((ours * offline.inv()).magnitude())
    assert np.median(angle[5:]) < 0.5, angle
    assert live[60].interpolated and not live[59].interpolated


def test_bad_requests_get_clear_codes(world):
    async def body(stub):
        codes = {}

        async def code_of(name, call):
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                async for _ in call:
                    pass
            codes[name] = raised.value.code()

        await code_of("unknown", stub.TrackDataset(pb.TrackDatasetRequest(dataset_id="nope")))
        await code_of("unprocessed", stub.TrackDataset(pb.TrackDatasetRequest(dataset_id="raw")))
        await code_of("traversal", stub.TrackDataset(pb.TrackDatasetRequest(dataset_id="../x")))
        await code_of("bad-option", stub.TrackDataset(pb.TrackDatasetRequest(
            dataset_id="talk", options=pb.TrackOptions(val_fraction=0.9))))
        await code_of("untracked-stream", stub.StreamTrackParams(
            pb.StreamTrackParamsRequest(dataset_id="raw")))
        await code_of("no-config", stub.TrackLandmarks(iter([pb.TrackLandmarksRequest(
            landmarks=common_pb2.FrameLandmarks(face_found=False))])))
        await code_of("short-landmarks", stub.TrackLandmarks(iter([
            pb.TrackLandmarksRequest(config=pb.TrackLandmarksConfig(dataset_id="talk")),
            pb.TrackLandmarksRequest(landmarks=common_pb2.FrameLandmarks(
                face_found=True, points=[1.0] * 20))])))
        return codes

    assert asyncio.run(_run(world, body)) == {
        "unknown": grpc.StatusCode.NOT_FOUND,
        "unprocessed": grpc.StatusCode.FAILED_PRECONDITION,
        "traversal": grpc.StatusCode.INVALID_ARGUMENT,
        "bad-option": grpc.StatusCode.INVALID_ARGUMENT,
        "untracked-stream": grpc.StatusCode.FAILED_PRECONDITION,
        "no-config": grpc.StatusCode.INVALID_ARGUMENT,
        "short-landmarks": grpc.StatusCode.INVALID_ARGUMENT,
    }
