"""`avatar render`: RenderVideo carries the audio file's bytes inline; the video its last
message references is copied from the store to --out, verified by its sha256. Checked
against a stand-in renderer on loopback gRPC that publishes into a real LocalStore."""

from __future__ import annotations

import os

from avatar.v1 import common_pb2, renderer_pb2, renderer_pb2_grpc
from services.cli.main import main
from talkinghead.store import open_store
from tests.integration.test_cli_support import stand_in_server


class StoringRenderer(renderer_pb2_grpc.RendererServiceServicer):
    """Publishes `video` in the store and answers with its reference (with a wrong hash
    when `corrupt_ref`)."""

    def __init__(self, store, video: bytes, corrupt_ref: bool = False) -> None:
        self.store = store
        self.video = video
        self.corrupt_ref = corrupt_ref
        self.request: renderer_pb2.RenderVideoRequest | None = None

    def RenderVideo(self, request, context):
        self.request = request
        for done in range(0, 5):
            yield renderer_pb2.RenderVideoResponse(
                progress=common_pb2.Progress(stage="render", done=done, total=4))
        info = self.store.put_bytes("renders/r1/video.mp4", self.video, "rendered_video")
        sha = "0" * 64 if self.corrupt_ref else info.sha256
        yield renderer_pb2.RenderVideoResponse(video=common_pb2.ArtifactRef(
            id=info.key, kind=info.kind, sha256=sha, size_bytes=info.size_bytes))


def render(tmp_path, monkeypatch, renderer) -> int:
    monkeypatch.chdir(tmp_path)
    with stand_in_server(renderer_pb2_grpc.add_RendererServiceServicer_to_server,
                         renderer) as address:
        return main(["--store", str(tmp_path / "store"), "render", "av1", "speech.m4a",
                     "--out", "out.mp4", "--size", "320x240", "--fps", "30",
                     "--target", address])


def test_render_sends_audio_inline_and_fetches_the_video(tmp_path, monkeypatch, capsys):
    audio, video = os.urandom(50_000), os.urandom(200_000)
    (tmp_path / "speech.m4a").write_bytes(audio)
    renderer = StoringRenderer(open_store(str(tmp_path / "store")), video)
    code = render(tmp_path, monkeypatch, renderer)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    request = renderer.request
    assert (request.avatar_id, request.audio_file) == ("av1", audio)
    assert (request.width, request.height, request.fps) == (320, 240, 30)
    assert (tmp_path / "out.mp4").read_bytes() == video
    assert "[render] 4/4" in captured.err.splitlines()
    assert "out.mp4" in captured.out


def test_a_video_that_does_not_match_its_reference_is_refused(tmp_path, monkeypatch, capsys):
    (tmp_path / "speech.m4a").write_bytes(b"audio")
    renderer = StoringRenderer(open_store(str(tmp_path / "store")), b"video", corrupt_ref=True)
    assert render(tmp_path, monkeypatch, renderer) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("error: DATA_LOSS: ")
    assert not (tmp_path / "out.mp4").exists()
