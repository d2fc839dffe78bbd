"""Ctrl-C (SIGINT) while an RPC is in flight: the CLI cancels the call (the server sees
its RPC end), says "interrupted" and exits 130. Checked on a real `avatar` process
against stand-in services whose RPCs never finish on their own; `avatar train` also asks
the trainer to cancel the job it was following."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import grpc

from avatar.v1 import common_pb2, tracker_pb2, tracker_pb2_grpc, trainer_pb2, trainer_pb2_grpc
from tests.integration.test_cli_support import cli_env, stand_in_server

TIMEOUT = 15


class EndlessTracker(tracker_pb2_grpc.TrackerServiceServicer):
    """TrackDataset reports progress once, then runs until its RPC is cancelled."""

    def __init__(self) -> None:
        self.running = threading.Event()
        self.ended = threading.Event()

    def TrackDataset(self, request, context):
        context.add_callback(self.ended.set)  # runs when the RPC terminates
        yield tracker_pb2.TrackDatasetResponse(
            progress=common_pb2.Progress(stage="fit", done=1, total=10)
        )
        self.running.set()
        while context.is_active():
            time.sleep(0.02)


class EndlessTrainer(trainer_pb2_grpc.TrainerServiceServicer):
    """A job that runs forever; records CancelJob."""

    def __init__(self) -> None:
        self.watching = threading.Event()
        self.cancelled_jobs: list[str] = []
        self.cancel_called = threading.Event()

    def StartTraining(self, request, context):
        return trainer_pb2.StartTrainingResponse(job_id="job-7")

    def WatchJob(self, request, context):
        yield trainer_pb2.WatchJobResponse(status=trainer_pb2.JobStatus(
            job_id=request.job_id, state=trainer_pb2.JOB_STATE_RUNNING,
            phase=trainer_pb2.TRAINING_PHASE_COARSE, iteration=1, total_iterations=100))
        self.watching.set()
        while context.is_active():
            time.sleep(0.02)

    def CancelJob(self, request, context):
        self.cancelled_jobs.append(request.job_id)
        self.cancel_called.set()
        return trainer_pb2.CancelJobResponse(status=trainer_pb2.JobStatus(
            job_id=request.job_id, state=trainer_pb2.JOB_STATE_CANCELLED))


def start_cli(args: list[str], tmp_path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", *args],
        cwd=tmp_path, env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )


def interrupt(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, err


def test_ctrl_c_cancels_the_rpc_and_exits_130(tmp_path):
    tracker = EndlessTracker()
    with stand_in_server(tracker_pb2_grpc.add_TrackerServiceServicer_to_server, tracker) as addr:
        process = start_cli(["track", "ds1", "--target", addr], tmp_path)
        assert tracker.running.wait(TIMEOUT), "the CLI never reached the server"
        assert not tracker.ended.is_set()
        code, err = interrupt(process)
        assert code == 130
        assert err.strip().splitlines()[-1] == "interrupted"
        assert "Traceback" not in err
        # The server saw its RPC end while it was still serving: the client cancelled it.
        assert tracker.ended.wait(TIMEOUT)


def test_ctrl_c_while_training_cancels_the_job(tmp_path):
    trainer = EndlessTrainer()
    with stand_in_server(trainer_pb2_grpc.add_TrainerServiceServicer_to_server, trainer) as addr:
        process = start_cli(["train", "ds1", "--target", addr], tmp_path)
        assert trainer.watching.wait(TIMEOUT), "the CLI never watched the job"
        code, err = interrupt(process)
        assert code == 130
        assert "Traceback" not in err
        assert trainer.cancelled_jobs == ["job-7"], err
        assert grpc.StatusCode.CANCELLED.name not in err.splitlines()[-1]
