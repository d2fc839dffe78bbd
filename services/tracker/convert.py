"""Mapping between tracker protos and domain values."""

from __future__ import annotations

import numpy as np

from avatar.v1 import common_pb2, tracker_pb2
from talkinghead.tracking.options import TrackOptions
from talkinghead.tracking.params import TrackParams


def options_from_proto(o: tracker_pb2.TrackOptions) -> TrackOptions:
    kwargs = {}
    if o.smoothness:
        kwargs["smoothness"] = o.smoothness
    if o.val_fraction:
        kwargs["val_fraction"] = o.val_fraction
    if o.focal_length_px:
        kwargs["focal_px"] = o.focal_length_px
    return TrackOptions(**kwargs)


def camera_to_proto(p: TrackParams) -> common_pb2.CameraIntrinsics:
    return common_pb2.CameraIntrinsics(focal_length_px=p.focal, cx=p.cx, cy=p.cy,
                                       width=p.width, height=p.height)


def frame_to_proto(p: TrackParams, i: int) -> common_pb2.TrackParams:
    return common_pb2.TrackParams(
        frame_index=i,
        rotation=p.rotation[i].tolist(),
        translation=p.translation[i].tolist(),
        expression=p.expression[i].tolist(),
        blink=float(p.blink[i]),
        interpolated=bool(p.interpolated[i]),
        fit_error_px=float(p.fit_error_px[i]) if np.isfinite(p.fit_error_px[i]) else 0.0,
    )


def live_to_proto(index: int, result, blink: float) -> common_pb2.TrackParams:
    error = result.fit_error_px
    return common_pb2.TrackParams(
        frame_index=index,
        rotation=np.asarray(result.rotation, np.float32).tolist(),
        translation=np.asarray(result.translation, np.float32).tolist(),
        expression=np.asarray(result.expression, np.float32).tolist(),
        blink=blink,
        interpolated=bool(result.interpolated),
        fit_error_px=float(error) if np.isfinite(error) else 0.0,
    )
