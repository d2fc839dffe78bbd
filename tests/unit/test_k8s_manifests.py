"""The Kubernetes manifests render with kustomize (every component combination) and hold
what a GPU microservice deployment needs: gRPC probes on the gRPC port, a hardened
security context, requests and limits, GPUs only where they are used."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SERVICES = {"preprocess": 50051, "tracker": 50052, "trainer": 50053, "renderer": 50054}
GPU_SERVICES = {"trainer", "renderer"}
COMPONENTS = sorted(p.name for p in (K8S / "components").iterdir() if p.is_dir())


def _render(components: tuple[str, ...], tmp_path: Path) -> list[dict]:
    """Render the base plus the given components with `kubectl kustomize`, or, where
    kubectl is missing, read the base files alone (components need kustomize)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        if components:
            pytest.skip("kubectl is not installed: component combinations need kustomize")
        docs = []
        for f in sorted((K8S / "base").glob("*.yaml")):
            if f.name != "kustomization.yaml":
                docs += [d for d in yaml.safe_load_all(f.read_text()) if d]
        return docs
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                # kustomize takes only relative paths.
                "resources": [os.path.relpath(K8S / "base", overlay)],
                "components": [os.path.relpath(K8S / "components" / c, overlay) for c in components],
            }
        )
    )
    out = subprocess.run(
        [kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(overlay)],
        check=True,
        capture_output=True,
        text=True,
    )
    return [d for d in yaml.safe_load_all(out.stdout) if d]


COMBOS = [c for n in range(len(COMPONENTS) + 1) for c in itertools.combinations(COMPONENTS, n)]


@pytest.mark.parametrize("components", COMBOS, ids=lambda c: "+".join(c) or "base")
def test_every_combination_renders_a_complete_deployment(components, tmp_path: Path) -> None:
    docs = _render(components, tmp_path)
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    accounts = {d["metadata"]["name"] for d in docs if d["kind"] == "ServiceAccount"}
    assert set(SERVICES) <= set(deployments)
    for name, port in SERVICES.items():
        dep = deployments[name]
        spec = dep["spec"]["template"]["spec"]
        assert spec["serviceAccountName"] == name and name in accounts
        assert spec["securityContext"]["runAsNonRoot"] is True
        (c,) = spec["containers"]
        assert c["readinessProbe"]["grpc"]["port"] == port
        assert c["livenessProbe"]["grpc"]["port"] == port
        assert c["securityContext"]["allowPrivilegeEscalation"] is False
        assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        assert env["AVATAR_GRPC_PORT"] == str(port)
        assert {"requests", "limits"} <= set(c["resources"])
        gpus = c["resources"]["limits"].get("nvidia.com/gpu")
        assert (gpus == "1") == (name in GPU_SERVICES)
        svc_ports = {p["name"]: p["targetPort"] for p in services[name]["spec"]["ports"]}
        assert svc_ports["grpc"] == port
        if "gpu-pool" in components and name in GPU_SERVICES:
            assert spec["tolerations"][0]["key"] == "nvidia.com/gpu"
        if "minio" in components:
            assert {"secretRef": {"name": "minio-credentials"}} in c["envFrom"]
    if "minio" in components:
        assert any(d["kind"] == "StatefulSet" and d["metadata"]["name"] == "minio" for d in docs)
