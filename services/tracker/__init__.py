"""The tracker service: `SPEC` tells the runtime how to build and register it."""

from avatar.v1 import tracker_pb2, tracker_pb2_grpc
from services.runtime.service import ServiceSpec, full_service_name
from services.tracker.servicer import TrackerServicer

SPEC = ServiceSpec(
    name="tracker",
    full_name=full_service_name(tracker_pb2, "TrackerService"),
    build=TrackerServicer,
    register=tracker_pb2_grpc.add_TrackerServiceServicer_to_server,
)
