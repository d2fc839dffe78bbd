"""The renderer service: `SPEC` tells the runtime how to build and register it."""

from avatar.v1 import renderer_pb2, renderer_pb2_grpc
from services.renderer.servicer import RendererServicer
from services.runtime.service import ServiceSpec, full_service_name

SPEC = ServiceSpec(
    name="renderer",
    full_name=full_service_name(renderer_pb2, "RendererService"),
    build=RendererServicer,
    register=renderer_pb2_grpc.add_RendererServiceServicer_to_server,
)
