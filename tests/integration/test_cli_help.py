"""`avatar --help` lists every stage's subcommand with its one-line description, each
subcommand has its own --help, and the CLI imports no heavy domain module (torch, cv2,
dlib, transformers, PyAV) until a command needs it, so help is fast."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from services.cli.main import main
from tests.integration.test_cli_support import ROOT, cli_env, run_cli

# Ground truth: the foundation issue's list of subcommands.
SUBCOMMANDS = ("sample", "preprocess", "track", "train", "render", "stream", "serve", "demo")
HEAVY_MODULES = ("torch", "cv2", "dlib", "transformers", "av")


def test_help_lists_every_subcommand_with_a_description(tmp_path):
    result = run_cli(["--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for name in SUBCOMMANDS:
        # argparse prints "    <name>   <description>" (the description may wrap).
        entry = [line for line in lines if line.strip().split(" ")[0] == name]
        assert entry, f"{name} missing from --help:\n{result.stdout}"
        assert len(entry[0].split()) > 1, f"{name} has no description: {entry[0]!r}"
    for option in ("--store", "--log-level"):
        assert option in result.stdout


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_help(name, capsys):
    assert main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: avatar {name}")
    assert "--store" in out  # global options are accepted after the subcommand too


def test_stage_subcommands_take_a_target(capsys):
    for name in ("preprocess", "track", "train", "render", "stream"):
        main([name, "--help"])
        assert "--target HOST:PORT" in capsys.readouterr().out, name
    main(["demo", "--help"])
    out = capsys.readouterr().out
    for service in ("preprocess", "tracker", "trainer", "renderer"):
        assert f"--{service}-target" in out


def test_building_the_parser_imports_no_heavy_module(tmp_path):
    probe = (
        "import json, sys\n"
        "from services.cli.main import build_parser\n"
        "build_parser().format_help()\n"
        f"print(json.dumps([m for m in {list(HEAVY_MODULES)!r} if m in sys.modules]))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, timeout=30, env=cli_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []

