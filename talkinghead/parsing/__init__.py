"""Parsing of talking-head frames into background / head / neck / torso, from the 68
landmarks plus person-vs-background segmentation that uses the static camera; optionally
a local BiSeNet face-parsing checkpoint for the head/neck split (see `bisenet`, loaded
lazily because it needs torch)."""

from talkinghead.parsing.background_model import BackgroundModel
from talkinghead.parsing.colors import (
    BACKGROUND,
    HEAD,
    NECK,
    PARSING_COLORS,
    TORSO,
    labels_to_parsing_png,
    parsing_png_to_labels,
    read_parsing_png,
    write_parsing_png,
)
from talkinghead.parsing.parse import FrameParser, parse_frame, split_regions
from talkinghead.parsing.person_segmentation import person_mask

__all__ = [
    "BACKGROUND",
    "HEAD",
    "NECK",
    "TORSO",
    "PARSING_COLORS",
    "BackgroundModel",
    "FrameParser",
    "labels_to_parsing_png",
    "parse_frame",
    "parsing_png_to_labels",
    "person_mask",
    "read_parsing_png",
    "split_regions",
    "write_parsing_png",
]
