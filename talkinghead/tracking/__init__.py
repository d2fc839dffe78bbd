"""Tracking: one static camera, person-specific 3D landmark shape and expression basis,
and per-frame head pose, expression and blink, fitted jointly over a whole clip."""
