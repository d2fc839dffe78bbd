"""Shared gRPC runtime of the four services.

Modules, one job each:
- `settings`: the frozen `Settings`, parsed once from `AVATAR_*` environment variables.
- `catalog`: the table of the four services (names, default ports, where their spec lives).
- `service`: `ServiceSpec` (how a service is built and registered) and `ServiceContext`
  (what a servicer receives: settings, metrics registry, store, shutdown flag).
- `logging`, `metrics`, `errors`, `interceptors`, `health`: cross-cutting concerns.
- `server`: `start_server` / `ServiceServer` (in-process) and `main` / `run_forever` (process).
- `embedded`: several services in one background event loop on loopback.
"""
