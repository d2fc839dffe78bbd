"""The CLI follows a progress stream from a real gRPC server on loopback: progress goes to
the display, the result of the last message comes back, and a stream that ends without a
result is a clear INTERNAL error (the service broke its contract), not a None."""

from __future__ import annotations

from concurrent import futures

import grpc
import pytest

from avatar.v1 import common_pb2, tracker_pb2, tracker_pb2_grpc
from services.cli.commands.track import track_dataset
from services.cli.errors import CliError


class Tracker(tracker_pb2_grpc.TrackerServiceServicer):
    def __init__(self, with_result: bool) -> None:
        self.with_result = with_result

    def TrackDataset(self, request, context):
        for done in range(3):
            yield tracker_pb2.TrackDatasetResponse(
                progress=common_pb2.Progress(stage="fit", done=done, total=2))
        if self.with_result:
            yield tracker_pb2.TrackDatasetResponse(
                result=tracker_pb2.TrackResult(frame_count=42))


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int]] = []

    def update(self, stage: str, done: int, total: int, message: str = "") -> None:
        self.seen.append((stage, done, total))


@pytest.fixture
def channel_to():
    servers = []

    def start(with_result: bool) -> grpc.Channel:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        tracker_pb2_grpc.add_TrackerServiceServicer_to_server(Tracker(with_result), server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        return grpc.insecure_channel(f"127.0.0.1:{port}")

    yield start
    for server in servers:
        server.stop(None)


def test_the_result_of_the_last_message_comes_back(channel_to):
    progress = Recorder()
    result = track_dataset(channel_to(True), "d1", progress=progress)
    assert result.frame_count == 42
    assert progress.seen == [("fit", 0, 2), ("fit", 1, 2), ("fit", 2, 2)]


def test_a_stream_without_a_result_is_an_internal_error(channel_to):
    with pytest.raises(CliError, match="without a result for dataset 'd1'") as raised:
        track_dataset(channel_to(False), "d1", progress=Recorder())
    assert raised.value.code == "INTERNAL"
