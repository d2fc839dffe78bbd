"""One module per `avatar` subcommand. Each defines HELP (the one line `avatar --help`
shows), DESCRIPTION, `add_arguments(parser)` and `run(args) -> int`; the client functions
the demo reuses (upload, track, train, render) are public here too."""
