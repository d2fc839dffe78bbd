"""The `avatar` command-line interface: one subcommand per stage, talking to the services
over gRPC. Services without a `--target` are started in-process on loopback (the embedded
default), so the same client code runs against a laptop and a cluster.

Modules, one job each:
- `main`: the parser, global options, and the one place errors become exit codes.
- `argtypes`: argument converters that turn bad input into usage errors (exit 2).
- `store`: the `--store` URL (made absolute) and opening the artifact store.
- `connect`: channels to remote services or embedded ones, started on first use.
- `rpc`: cancelling an in-flight RPC when the command is interrupted or fails.
- `progress`: one bar per stage on a terminal, plain lines otherwise.
- `errors`: the error types of the CLI and the `error: <CODE>: <details>` line.
- `serve_loop`: several services in one event loop (`avatar serve a b`).
- `stream_session`: the client side of RendererService.Stream.
- `commands/<name>`: one module per subcommand; `demo/`: the whole pipeline.

Heavy domain modules (torch, cv2, dlib, transformers, PyAV) are imported inside the
commands that need them, so `avatar --help` stays fast.
"""
