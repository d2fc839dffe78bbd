"""Preprocess: a talking-person video becomes a training dataset in the AD-NeRF /
GaussianTalker layout (see `layout.py`)."""
