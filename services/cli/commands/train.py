"""`avatar train DATASET_ID`: start a training job on a tracked dataset (StartTraining),
then follow it (WatchJob, a server stream of status updates) with one progress bar per
phase until it ends. Ctrl-C stops watching and cancels the job."""

from __future__ import annotations

import argparse
import logging
import sys

import grpc

from avatar.v1 import trainer_pb2 as pb
from avatar.v1 import trainer_pb2_grpc
from services.cli import argtypes
from services.cli.connect import Connections, add_target_option
from services.cli.errors import CliError
from services.cli.progress import StageProgress
from services.cli.rpc import open_call, unary

HELP = "train a Gaussian avatar on a tracked dataset (coarse, then fine)"
DESCRIPTION = """\
Train a person-specific 3D Gaussian avatar on a tracked dataset: a coarse phase (static
head and torso), then a fine phase (deformation driven by audio, blinks and pose)."""

FINAL_STATES = (pb.JOB_STATE_SUCCEEDED, pb.JOB_STATE_FAILED, pb.JOB_STATE_CANCELLED)
CANCEL_TIMEOUT_SECONDS = 5.0

logger = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `avatar train` (0 or unset = the trainer's default)."""
    parser.add_argument("dataset_id", type=argtypes.identifier("dataset id"),
                        metavar="DATASET_ID", help="id of a tracked dataset")
    count = argtypes.non_negative_int
    parser.add_argument("--coarse-iterations", type=count, default=0, metavar="N")
    parser.add_argument("--fine-iterations", type=count, default=0, metavar="N")
    parser.add_argument("--batch-size", type=count, default=0, metavar="N")
    parser.add_argument("--resolution", type=count, default=0, metavar="N",
                        help="side of the square training frames (default: the dataset's)")
    parser.add_argument("--max-gaussians", type=count, default=0, metavar="N")
    parser.add_argument("--checkpoint-every", type=count, default=0, metavar="N",
                        help="iterations between checkpoints")
    parser.add_argument("--sh-degree", type=count, default=0, metavar="N",
                        help="spherical-harmonics degree of the Gaussians' colour")
    parser.add_argument("--avatar-id", type=argtypes.identifier("avatar id"), default=None,
                        metavar="ID", help="id of the avatar to produce (default: generated)")
    parser.add_argument("--seed", type=count, default=0, metavar="N")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the job's last checkpoint")
    add_target_option(parser, "trainer")


def training_config(args: argparse.Namespace) -> pb.TrainingConfig:
    """TrainingConfig from the command line."""
    return pb.TrainingConfig(
        coarse_iterations=args.coarse_iterations,
        fine_iterations=args.fine_iterations,
        batch_size=args.batch_size,
        resolution=args.resolution,
        max_gaussians=args.max_gaussians,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
        sh_degree=args.sh_degree,
        avatar_id=args.avatar_id or "",
        seed=args.seed,
    )


def start_training(channel: grpc.Channel, dataset_id: str, config: pb.TrainingConfig) -> str:
    """Start a training job; its id."""
    stub = trainer_pb2_grpc.TrainerServiceStub(channel)
    response = unary(stub.StartTraining,
                     pb.StartTrainingRequest(dataset_id=dataset_id, config=config))
    return response.job_id


def phase_name(phase: int) -> str:
    """"coarse", "fine", "evaluate" (the progress bar's stage)."""
    name = pb.TrainingPhase.Name(phase) if phase in pb.TrainingPhase.values() else ""
    return name.removeprefix("TRAINING_PHASE_").lower() or "queued"


def _status_message(status: pb.JobStatus) -> str:
    parts = []
    if status.loss:
        parts.append(f"loss {status.loss:.4f}")
    if status.psnr_db:
        parts.append(f"PSNR {status.psnr_db:.2f} dB")
    if status.iterations_per_second:
        parts.append(f"{status.iterations_per_second:.1f} it/s")
    return ", ".join(parts)


def watch_job(
    channel: grpc.Channel, job_id: str, progress: StageProgress | None = None
) -> pb.JobStatus:
    """Follow a job until it ends; its last status. KeyboardInterrupt cancels the job
    (best effort) before it propagates."""
    stub = trainer_pb2_grpc.TrainerServiceStub(channel)
    last: pb.JobStatus | None = None
    try:
        with open_call(stub.WatchJob, pb.WatchJobRequest(job_id=job_id)) as call:
            for response in call:
                last = response.status
                if progress is not None and last.state == pb.JOB_STATE_RUNNING:
                    progress.update(phase_name(last.phase), last.iteration,
                                    last.total_iterations, _status_message(last))
                if last.state in FINAL_STATES:
                    break
    except KeyboardInterrupt:
        cancel_job(channel, job_id)
        raise
    if last is None or last.state not in FINAL_STATES:
        raise CliError(f"the trainer stopped reporting job {job_id} before it ended",
                       code="INTERNAL")
    return last


def cancel_job(channel: grpc.Channel, job_id: str) -> None:
    """Ask the trainer to cancel `job_id`; failures are logged, never raised (this runs
    while the command is being interrupted)."""
    stub = trainer_pb2_grpc.TrainerServiceStub(channel)
    try:
        stub.CancelJob(pb.CancelJobRequest(job_id=job_id), timeout=CANCEL_TIMEOUT_SECONDS)
        logger.warning("cancelled training job %s", job_id)
    except grpc.RpcError as error:
        logger.warning("could not cancel training job %s: %s", job_id, error.details())


def check_succeeded(status: pb.JobStatus) -> None:
    """CliError naming the job and its error unless it succeeded."""
    if status.state == pb.JOB_STATE_FAILED:
        raise CliError(f"training job {status.job_id} failed: {status.error or 'no reason given'}")
    if status.state == pb.JOB_STATE_CANCELLED:
        raise CliError(f"training job {status.job_id} was cancelled", code="CANCELLED")


def summary_lines(status: pb.JobStatus) -> list[str]:
    """What `avatar train` prints about a finished job."""
    lines = [
        f"trained: avatar {status.avatar_id or '?'} (job {status.job_id})",
        f"  iterations: {status.iteration}/{status.total_iterations}",
    ]
    if status.psnr_db:
        lines.append(f"  PSNR: {status.psnr_db:.2f} dB")
    if status.last_checkpoint.id:
        lines.append(f"  checkpoint: {status.last_checkpoint.id}")
    return lines


def train(
    channel: grpc.Channel, dataset_id: str, config: pb.TrainingConfig,
    progress: StageProgress | None = None,
) -> pb.JobStatus:
    """Start a job, follow it to its end, and return its final status if it succeeded."""
    job_id = start_training(channel, dataset_id, config)
    print(f"training job {job_id} started", file=sys.stderr, flush=True)
    status = watch_job(channel, job_id, progress)
    check_succeeded(status)
    return status


def run(args: argparse.Namespace) -> int:
    """Train and print the summary."""
    config = training_config(args)
    with Connections.from_args(args, {"trainer": args.target}) as connections:
        with StageProgress() as progress:
            status = train(connections.channel("trainer"), args.dataset_id, config, progress)
    for line in summary_lines(status):
        print(line)
    return 0
