"""Local model directories named by clients (a wav2vec2 / HuBERT directory, a BiSeNet
checkpoint). A client names a model relative to the server's models directory; it can't
reach anything outside it ('..', absolute paths, NUL and symlinks out are refused)."""

from __future__ import annotations

from pathlib import Path

from talkinghead.errors import InvalidInputError, NotFoundError


def resolve_model_path(name: str, models_dir: str | Path) -> str:
    """The absolute path of model `name` under `models_dir`."""
    if not name:
        raise InvalidInputError("model name is empty")
    if "\x00" in name or "\\" in name:
        raise InvalidInputError(f"model name {name[:80]!r} contains a NUL or a backslash")
    relative = Path(name)
    if relative.is_absolute() or any(part in ("..", ".") for part in relative.parts):
        raise InvalidInputError(
            f"model name {name[:80]!r} must be a path relative to the models directory, "
            "without '.' or '..'"
        )
    root = Path(models_dir).resolve()
    path = (root / relative).resolve()
    if root != path and root not in path.parents:
        raise InvalidInputError(f"model name {name[:80]!r} leads outside the models directory")
    if not path.exists():
        raise NotFoundError(f"no model {name!r} in the server's models directory")
    return str(path)
