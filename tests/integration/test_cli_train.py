"""`avatar train`: StartTraining with the command line's config, then WatchJob shown as
one progress stage per training phase until the job ends; a failed job is an error line
naming the job and its reason. Checked against a stand-in trainer on loopback gRPC."""

from __future__ import annotations

from avatar.v1 import trainer_pb2 as pb
from avatar.v1 import trainer_pb2_grpc
from services.cli.main import main
from tests.integration.test_cli_support import stand_in_server


class ScriptedTrainer(trainer_pb2_grpc.TrainerServiceServicer):
    """Runs a job through coarse and fine phases, then ends it in `final_state`."""

    def __init__(self, final_state: int, error: str = "") -> None:
        self.final_state = final_state
        self.error = error
        self.started: pb.StartTrainingRequest | None = None

    def StartTraining(self, request, context):
        self.started = request
        return pb.StartTrainingResponse(job_id="job-1")

    def WatchJob(self, request, context):
        def status(**fields):
            return pb.WatchJobResponse(status=pb.JobStatus(
                job_id=request.job_id, dataset_id="ds1", total_iterations=20, **fields))

        yield status(state=pb.JOB_STATE_QUEUED)
        for phase, iterations in ((pb.TRAINING_PHASE_COARSE, (0, 5, 10)),
                                  (pb.TRAINING_PHASE_FINE, (10, 15, 20))):
            for iteration in iterations:
                yield status(state=pb.JOB_STATE_RUNNING, phase=phase, iteration=iteration,
                             loss=0.5 / (1 + iteration), psnr_db=20 + iteration)
        yield status(state=self.final_state, iteration=20, psnr_db=31.5, avatar_id="avatar-9",
                     error=self.error)


def run_train(args, tmp_path, monkeypatch, trainer):
    monkeypatch.chdir(tmp_path)
    with stand_in_server(trainer_pb2_grpc.add_TrainerServiceServicer_to_server,
                         trainer) as address:
        return main(["train", "ds1", *args, "--target", address])


def test_train_starts_a_job_and_follows_it(tmp_path, monkeypatch, capsys):
    trainer = ScriptedTrainer(pb.JOB_STATE_SUCCEEDED)
    code = run_train(["--coarse-iterations", "10", "--fine-iterations", "10", "--resume",
                      "--avatar-id", "avatar-9", "--seed", "3"], tmp_path, monkeypatch, trainer)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    config = trainer.started.config
    assert trainer.started.dataset_id == "ds1"
    assert (config.coarse_iterations, config.fine_iterations, config.resume) == (10, 10, True)
    assert (config.avatar_id, config.seed, config.batch_size) == ("avatar-9", 3, 0)
    err = captured.err.splitlines()
    assert err[0] == "training job job-1 started"
    coarse = [line for line in err if line.startswith("[coarse]")]
    fine = [line for line in err if line.startswith("[fine]")]
    assert coarse[0].startswith("[coarse] 0/20") and fine[-1].startswith("[fine] 20/20")
    assert err.index(coarse[-1]) < err.index(fine[0])
    assert "avatar avatar-9 (job job-1)" in captured.out and "31.50 dB" in captured.out


def test_a_failed_job_is_an_error(tmp_path, monkeypatch, capsys):
    trainer = ScriptedTrainer(pb.JOB_STATE_FAILED, error="loss became NaN at iteration 20")
    assert run_train([], tmp_path, monkeypatch, trainer) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "error: FAILED: training job job-1 failed: loss became NaN at iteration 20"
