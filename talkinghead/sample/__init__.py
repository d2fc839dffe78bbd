"""Synthetic talking-head samples with exact ground truth, for tests and the demo: a real
photo animated by espeak-ng speech (mouth), random blinks and small 3D head motion.
See `generator.py` for the files written."""

from talkinghead.sample.generator import generate_sample
from talkinghead.sample.ground_truth import SampleInfo

__all__ = ["SampleInfo", "generate_sample"]
