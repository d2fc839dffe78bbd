"""The trainer service: `SPEC` tells the runtime how to build and register it."""

from avatar.v1 import trainer_pb2, trainer_pb2_grpc
from services.runtime.service import ServiceSpec, full_service_name
from services.trainer.servicer import TrainerServicer

SPEC = ServiceSpec(
    name="trainer",
    full_name=full_service_name(trainer_pb2, "TrainerService"),
    build=TrainerServicer,
    register=trainer_pb2_grpc.add_TrainerServiceServicer_to_server,
)
