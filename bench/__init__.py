"""Benchmarks: `make bench` (or `python -m bench [name ...]`) prints speed and memory
figures. Targets are met here, never in timed unit tests."""
