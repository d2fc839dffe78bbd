"""Logging configured once: JSON lines with the record's fields and exception, or plain
text; configuring again replaces the handler instead of adding a second one."""

from __future__ import annotations

import io
import json
import logging

import pytest

from services.runtime.logging import configure_logging


@pytest.fixture
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_fields_and_exception(restore_root_logger):
    stream = io.StringIO()
    configure_logging("trainer", "INFO", "json", stream=stream)
    log = logging.getLogger("test.json")
    log.debug("hidden below the level")
    log.info("job %s started", "j1", extra={"job_iteration": 3})
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("it failed")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert first["message"] == "job j1 started"
    assert (first["level"], first["logger"], first["service"]) == ("INFO", "test.json", "trainer")
    assert first["job_iteration"] == 3
    assert first["time"].endswith("Z")
    assert second["level"] == "ERROR"
    assert "ValueError: boom" in second["exception"]


def test_text_format_and_reconfiguring_replaces_the_handler(restore_root_logger):
    first, second = io.StringIO(), io.StringIO()
    configure_logging("renderer", "WARNING", "json", stream=first)
    configure_logging("renderer", "WARNING", "text", stream=second)
    logging.getLogger("test.text").warning("careful")
    assert first.getvalue() == ""
    assert "WARNING renderer test.text: careful" in second.getvalue()
    with pytest.raises(ValueError, match="log format"):
        configure_logging("renderer", "INFO", "yaml")
