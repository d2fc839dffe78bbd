"""`avatar preprocess`: the upload is a client stream (header, then chunks of at most
1 MiB that add up to the file), ProcessDataset's progress is shown per stage and its
last message summarised, and --out exports the dataset tree from the store. Checked
against a stand-in preprocess service on real loopback gRPC with a real LocalStore, and
against the real embedded service for an upload it refuses."""

from __future__ import annotations

import os
import threading
import wave

import pytest

from avatar.v1 import common_pb2, preprocess_pb2, preprocess_pb2_grpc
from services.cli.main import main
from talkinghead.store import open_store
from tests.integration.test_cli_support import assert_no_traceback, stand_in_server

MIB = 1024 * 1024


class RecordingPreprocess(preprocess_pb2_grpc.PreprocessServiceServicer):
    """Stores nothing itself: records the upload and streams scripted progress, then a
    DatasetInfo (the test publishes the dataset tree in the store beforehand)."""

    def __init__(self, dataset_id: str) -> None:
        self.dataset_id = dataset_id
        self.messages: list[str] = []
        self.header: preprocess_pb2.UploadVideoHeader | None = None
        self.chunks: list[bytes] = []
        self.process_request: preprocess_pb2.ProcessDatasetRequest | None = None
        self.lock = threading.Lock()

    def UploadVideo(self, request_iterator, context):
        for request in request_iterator:
            kind = request.WhichOneof("payload")
            self.messages.append(kind)
            if kind == "header":
                self.header = request.header
            else:
                self.chunks.append(request.chunk)
        return preprocess_pb2.UploadVideoResponse(
            dataset_id=self.header.dataset_id or self.dataset_id)

    def ProcessDataset(self, request, context):
        self.process_request = request
        for stage, total in (("frames", 50), ("landmarks", 50)):
            for done in (0, 25, 50):
                yield preprocess_pb2.ProcessDatasetResponse(
                    progress=common_pb2.Progress(stage=stage, done=done, total=total))
        yield preprocess_pb2.ProcessDatasetResponse(
            progress=common_pb2.Progress(stage="done", done=1, total=1),
            dataset=preprocess_pb2.DatasetInfo(
                dataset_id=request.dataset_id, frame_count=50, fps=25.0, width=128, height=128,
                faceless_frames=[7, 8], audio_feature_kind="logmel",
                audio_feature_shape=[50, 16, 80]))


@pytest.fixture
def published_dataset(tmp_path):
    """A dataset tree published in the CLI's store under datasets/ds-1 (what the service
    would have published), and the files it holds (relative path -> bytes)."""
    files = {"ori_imgs/0.jpg": os.urandom(3000), "aud.wav": os.urandom(1000),
             "manifest.json": b'{"frames": 50}'}
    source = tmp_path / "published"
    for relative, data in files.items():
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_bytes(data)
    open_store(str(tmp_path / "store")).put_tree("datasets/ds-1", source, "dataset")
    return files


def test_upload_process_and_export(tmp_path, monkeypatch, capsys, published_dataset):
    monkeypatch.chdir(tmp_path)
    video = os.urandom(2 * MIB + 12345)  # three chunks: 1 MiB, 1 MiB, the rest
    (tmp_path / "talk.mp4").write_bytes(video)
    service = RecordingPreprocess("ds-1")
    with stand_in_server(preprocess_pb2_grpc.add_PreprocessServiceServicer_to_server,
                         service) as address:
        code = main(["--store", str(tmp_path / "store"), "preprocess", "talk.mp4",
                     "--dataset-id", "ds-1", "--resolution", "256", "--force",
                     "--out", "exported", "--target", address])
    captured = capsys.readouterr()
    assert code == 0, captured.err

    assert service.messages[0] == "header" and set(service.messages[1:]) == {"chunk"}
    header = service.header
    assert (header.filename, header.size_bytes, header.dataset_id) == (
        "talk.mp4", len(video), "ds-1")
    assert [len(c) for c in service.chunks] == [MIB, MIB, 12345]
    assert b"".join(service.chunks) == video

    request = service.process_request
    assert request.dataset_id == "ds-1"
    assert (request.options.resolution, request.options.force) == (256, True)
    assert request.options.audio_feature_kind == "logmel"

    # Progress: one stage after the other, plain lines since stderr is not a terminal.
    err = captured.err.splitlines()
    assert "[frames] 0/50" in err and "[frames] 50/50" in err and "[landmarks] 50/50" in err
    assert err.index("[frames] 50/50") < err.index("[landmarks] 0/50")
    assert any(line.startswith("[upload] ") and line.endswith("MiB") for line in err)

    out = captured.out
    assert "dataset: ds-1" in out and "frames: 50" in out
    assert "faceless frames: 2 (7, 8)" in out and "logmel 50x16x80" in out
    for relative, data in published_dataset.items():
        assert (tmp_path / "exported" / relative).read_bytes() == data


def test_export_of_a_dataset_missing_from_the_store(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "talk.mp4").write_bytes(b"x" * 100)
    service = RecordingPreprocess("ds-2")
    with stand_in_server(preprocess_pb2_grpc.add_PreprocessServiceServicer_to_server,
                         service) as address:
        code = main(["--store", str(tmp_path / "store"), "preprocess", "talk.mp4",
                     "--out", "exported", "--target", address])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: NOT_FOUND: ") and "datasets/ds-2" in err[-1]


def test_embedded_service_refusal_is_one_error_line(tmp_path, monkeypatch, capsys):
    """The real preprocess service, started in this process, refuses a file that is no
    video; the CLI shows its status and message."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AVATAR_WORK_DIR", str(tmp_path / "work"))
    (tmp_path / "notes.txt").write_text("not a video")
    assert main(["--store", str(tmp_path / "store"), "preprocess", "notes.txt"]) == 1
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: INVALID_ARGUMENT: ") and "notes.txt" in last
    assert_no_traceback(err)


def test_embedded_preprocess_of_a_real_clip(tmp_path, monkeypatch, capsys):
    """The whole path on the embedded default: a 3.2 s talking clip (a real photo with
    espeak-ng speech) becomes a dataset of 80 frames at 25 fps, exported with --out."""
    from tests.integration.clips import talking_clip

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AVATAR_WORK_DIR", str(tmp_path / "work"))
    seconds, fps = 3.2, 25
    talking_clip(tmp_path / "clip.mp4", seconds=seconds, size=256, fps=fps)
    code = main(["--store", str(tmp_path / "store"), "preprocess", "clip.mp4",
                 "--resolution", "128", "--out", "ds"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    frames = round(seconds * fps)
    assert f"frames: {frames} at 25 fps, 128x128" in captured.out
    dataset_id = captured.out.split("dataset: ", 1)[1].split()[0]
    assert len(list((tmp_path / "ds" / "ori_imgs").glob("*.jpg"))) == frames
    with wave.open(str(tmp_path / "ds" / "aud.wav")) as audio:
        assert audio.getnframes() / audio.getframerate() == pytest.approx(seconds, abs=0.05)
    # The export is exactly the published tree.
    store = open_store(str(tmp_path / "store"))
    published = {info.key.removeprefix(f"datasets/{dataset_id}/")
                 for info in store.list(f"datasets/{dataset_id}")} - {"_tree.json"}
    exported = {str(p.relative_to(tmp_path / "ds")) for p in (tmp_path / "ds").rglob("*")
                if p.is_file()}
    assert exported == published
