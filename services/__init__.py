"""gRPC adapters over the `talkinghead` domain library.

`services.runtime` is the shared server runtime (settings, logging, metrics, error mapping,
health, reflection, graceful shutdown, embedded mode); `services.<name>` holds one service
each (preprocess, tracker, trainer, renderer) and `services.cli` the `avatar` command.
"""
