"""The preprocess service: `SPEC` tells the runtime how to build and register it."""

from avatar.v1 import preprocess_pb2, preprocess_pb2_grpc
from services.preprocess.servicer import PreprocessServicer
from services.runtime.service import ServiceSpec, full_service_name

SPEC = ServiceSpec(
    name="preprocess",
    full_name=full_service_name(preprocess_pb2, "PreprocessService"),
    build=PreprocessServicer,
    register=preprocess_pb2_grpc.add_PreprocessServiceServicer_to_server,
)
