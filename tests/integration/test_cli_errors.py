"""How failures look: a service answering an error (UNIMPLEMENTED from the trainer,
NOT_FOUND from the tracker; embedded, and through --target on a server started here) is
one line `error: <CODE>: <the server's message>` with exit code 1; bad arguments exit 2 with a message naming the problem; an unreachable
target exits 1 with UNAVAILABLE. Never a traceback."""

from __future__ import annotations

import grpc
import pytest

from avatar.v1 import tracker_pb2, tracker_pb2_grpc, trainer_pb2, trainer_pb2_grpc
from services.cli.main import main
from services.runtime.embedded import EmbeddedServices
from tests.integration.test_cli_support import assert_no_traceback, run_cli


def server_details(address: str, dataset_id: str) -> str:
    """What the trainer itself answers to StartTraining, asked directly (the ground truth
    the CLI's line is compared with)."""
    with grpc.insecure_channel(address) as channel:
        stub = trainer_pb2_grpc.TrainerServiceStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            stub.StartTraining(trainer_pb2.StartTrainingRequest(dataset_id=dataset_id),
                               timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED
    return raised.value.details()


def tracker_details(address: str, dataset_id: str) -> str:
    """What the tracker answers to TrackDataset of a dataset that does not exist."""
    with grpc.insecure_channel(address) as channel:
        stub = tracker_pb2_grpc.TrackerServiceStub(channel)
        with pytest.raises(grpc.RpcError) as raised:
            list(stub.TrackDataset(tracker_pb2.TrackDatasetRequest(dataset_id=dataset_id),
                                   timeout=10))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    return raised.value.details()


@pytest.fixture(scope="module")
def addresses(tmp_path_factory):
    """Real tracker and trainer services on loopback, started for this module."""
    from talkinghead.store import open_store

    store = open_store(str(tmp_path_factory.mktemp("store")))
    with EmbeddedServices(["tracker", "trainer"], store=store) as services:
        yield services.addresses


def test_embedded_train_reports_unimplemented(tmp_path, addresses):
    expected = f"error: UNIMPLEMENTED: {server_details(addresses['trainer'], 'some-id')}"
    result = run_cli(["train", "some-id"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [expected]
    assert result.stdout == ""


def test_train_with_target_reports_unimplemented(addresses, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    expected = f"error: UNIMPLEMENTED: {server_details(addresses['trainer'], 'some-id')}"
    assert main(["train", "some-id", "--target", addresses["trainer"]]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [expected]
    assert not (tmp_path / "data").exists()  # nothing embedded, no store touched


def test_track_of_an_unknown_dataset_is_not_found(addresses, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    expected = f"error: NOT_FOUND: {tracker_details(addresses['tracker'], 'some-id')}"
    assert main(["track", "some-id", "--target", addresses["tracker"]]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [expected]


@pytest.mark.parametrize(
    "args, named",
    [
        (["sample", "--out", "o", "--size", "12x"], "--size"),
        (["sample", "--out", "o", "--seconds", "-1"], "--seconds"),
        (["sample", "--out", "o", "--photo", "nobody.jpg"], "nobody.jpg"),
        (["preprocess", "missing.mp4"], "missing.mp4"),
        (["preprocess", "video.mp4", "--audio-features", "hubert"], "--audio-model"),
        (["track", "../escape"], "dataset id"),
        (["track", "x", "--target", "no-port"], "host:port"),
        (["render", "a1", "missing.wav", "--out", "v.mp4"], "missing.wav"),
        (["stream", "a1", "video.mp4", "--chunk-ms", "500"], "--chunk-ms"),
        (["serve"], "SERVICE"),
        (["serve", "painter"], "painter"),
        (["--store", "ftp://host/x", "track", "x"], "ftp://"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_bad_arguments_exit_2_naming_the_problem(args, named, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "video.mp4").write_bytes(b"not really a video")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert named in err.splitlines()[-1], err
    assert_no_traceback(err)


def test_bad_arguments_as_a_process(tmp_path):
    result = run_cli(["sample", "--out", str(tmp_path / "o"), "--size", "12x"], tmp_path)
    assert result.returncode == 2
    assert "--size" in result.stderr and "12x" in result.stderr
    assert_no_traceback(result.stderr)


def test_unreachable_target_is_unavailable(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    # A port nothing listens on: bind one, then close it.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["track", "x", "--target", f"127.0.0.1:{port}"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: UNAVAILABLE: ")
    assert f"127.0.0.1:{port}" in err and "tracker" in err


def test_bad_local_media_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "speech.wav").write_bytes(b"RIFF but not really")
    # The audio is decoded before any connection is made, so no service is needed.
    assert main(["stream", "a1", "speech.wav", "--target", "127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: INVALID_ARGUMENT: ") and "speech.wav" in err
    assert_no_traceback(err)
