"""The generated code in avatar/v1 is what `make proto` makes from protos/ now: the protos
are compiled again into a temporary directory with the Makefile's command and flags, and
every output is compared byte for byte. The comparison itself is shown to fail for a
changed proto and for a missing generated file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = ROOT / "protos"
PACKAGE = Path("avatar/v1")
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")
FIX = "generated code is stale: run `make proto` and commit avatar/v1"


def compile_protos(proto_root: Path, out_dir: Path) -> None:
    """`make proto`'s command: protoc -I <root> --python_out --pyi_out --grpc_python_out."""
    protos = sorted(str(p.relative_to(proto_root)) for p in (proto_root / PACKAGE).glob("*.proto"))
    assert protos, f"no .proto files under {proto_root / PACKAGE}"
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "grpc_tools.protoc", "-I", str(proto_root),
        f"--python_out={out_dir}", f"--pyi_out={out_dir}", f"--grpc_python_out={out_dir}",
        *protos,
    ]  # fmt: skip
    # Run from the proto root like the Makefile, so paths inside the output match.
    subprocess.run(command, cwd=proto_root, check=True, capture_output=True, text=True)


def generated_files(root: Path) -> set[str]:
    """Names of the generated files in <root>/avatar/v1."""
    return {
        path.name for path in (root / PACKAGE).glob("*") if path.name.endswith(GENERATED_SUFFIXES)
    }


def staleness(proto_root: Path, generated_root: Path, scratch: Path) -> list[str]:
    """Differences between compiling `proto_root` now and the code in `generated_root`:
    empty when current, else one line per missing, extra or different file."""
    fresh_root = scratch / "fresh"
    compile_protos(proto_root, fresh_root)
    fresh, committed = generated_files(fresh_root), generated_files(generated_root)
    problems = [f"missing {PACKAGE / name}" for name in sorted(fresh - committed)]
    problems += [f"no proto makes {PACKAGE / name}" for name in sorted(committed - fresh)]
    for name in sorted(fresh & committed):
        if (fresh_root / PACKAGE / name).read_bytes() != (
            generated_root / PACKAGE / name
        ).read_bytes():
            problems.append(f"differs {PACKAGE / name}")
    return problems


def test_generated_code_is_current(tmp_path):
    problems = staleness(PROTO_ROOT, ROOT, tmp_path)
    assert not problems, FIX + ":\n" + "\n".join(problems)


def test_a_changed_proto_is_reported(tmp_path):
    protos = tmp_path / "protos"
    shutil.copytree(PROTO_ROOT, protos)
    trainer = protos / PACKAGE / "trainer.proto"
    text = trainer.read_text()
    assert "message ListJobsRequest {}" in text
    trainer.write_text(
        text.replace(
            "message ListJobsRequest {}", "message ListJobsRequest {\n  uint32 limit = 1;\n}"
        )
    )
    problems = staleness(protos, ROOT, tmp_path / "scratch")
    assert "differs avatar/v1/trainer_pb2.py" in problems
    assert "differs avatar/v1/trainer_pb2.pyi" in problems
    assert not any("preprocess" in problem for problem in problems)


def test_a_new_proto_without_generated_code_is_reported(tmp_path):
    protos = tmp_path / "protos"
    shutil.copytree(PROTO_ROOT, protos)
    (protos / PACKAGE / "extra.proto").write_text(
        'syntax = "proto3";\npackage avatar.v1;\nmessage Extra { string id = 1; }\n'
    )
    problems = staleness(protos, ROOT, tmp_path / "scratch")
    assert "missing avatar/v1/extra_pb2.py" in problems
    assert "missing avatar/v1/extra_pb2_grpc.py" in problems


def test_a_missing_generated_file_is_reported(tmp_path):
    generated = tmp_path / "generated"
    shutil.copytree(ROOT / PACKAGE, generated / PACKAGE)
    (generated / PACKAGE / "renderer_pb2_grpc.py").unlink()
    problems = staleness(PROTO_ROOT, generated, tmp_path / "scratch")
    assert problems == ["missing avatar/v1/renderer_pb2_grpc.py"]
