"""Limits that refuse absurd input from its header, before any frame is decoded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaLimits:
    """Largest input the decoders accept. A file declaring more is refused up front, and
    decoding stops with an error if its timestamps later run past `max_duration_s`."""

    max_width: int = 8192
    max_height: int = 8192
    max_duration_s: float = 2 * 3600.0


DEFAULT_LIMITS = MediaLimits()
