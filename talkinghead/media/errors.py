"""The error every media function raises for a file it cannot use."""

from __future__ import annotations

from talkinghead.errors import InvalidInputError


class MediaError(InvalidInputError):
    """A video or audio file (or frames/samples handed to the encoder) that can't be used:
    unreadable, truncated, missing a track, over a size limit. The message names the file
    by its base name only (never a server path) and says what is wrong with it."""
