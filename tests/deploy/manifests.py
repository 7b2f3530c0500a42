"""The Kubernetes manifests under ``deploy/kubernetes``, rendered by ``kubectl kustomize``,
and the validation tools of ``scripts/install-deploy-tools.sh``, for tests/deploy."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("dev", "production")
TOOLS_VENV = ROOT / ".venv-deploy-tools" / "bin"
INSTALL_HINT = "run scripts/install-deploy-tools.sh"

Manifest = dict[str, Any]


def tool(name: str) -> str:
    """A validation tool from the tools' venv (or PATH); the test fails if it is missing,
    never skips: CI installs them all."""
    local = TOOLS_VENV / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: {INSTALL_HINT}")
    return found


def run(
    *argv: str, timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd
    )


@functools.cache
def rendered_text(overlay: str) -> str:
    """``kubectl kustomize`` of an overlay, offline (cached: the manifests do not change
    during a run)."""
    result = run(tool("kubectl"), "kustomize", str(KUBERNETES / "overlays" / overlay))
    assert result.returncode == 0, f"kubectl kustomize overlays/{overlay}:\n{result.stderr}"
    return result.stdout


def rendered(overlay: str) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(rendered_text(overlay)) if doc]


def find(manifests: list[Manifest], kind: str, name: str | None = None) -> list[Manifest]:
    """The objects of ``kind`` (named ``name``: a ConfigMap's carries kustomize's hash)."""
    return [m for m in manifests if m["kind"] == kind and (name is None or _named(m, name))]


def _named(manifest: Manifest, name: str) -> bool:
    actual: str = manifest["metadata"]["name"]
    return actual == name or (manifest["kind"] == "ConfigMap" and actual.startswith(f"{name}-"))


def one(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    found = find(manifests, kind, name)
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def pod_spec(workload: Manifest) -> Manifest:
    """The pod spec of a Deployment, Job or CronJob."""
    if workload["kind"] == "CronJob":
        spec: Manifest = workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return spec
    spec = workload["spec"]["template"]["spec"]
    return spec


def pod_labels(workload: Manifest) -> dict[str, str]:
    if workload["kind"] == "CronJob":
        labels: dict[str, str] = workload["spec"]["jobTemplate"]["spec"]["template"]["metadata"][
            "labels"
        ]
        return labels
    labels = workload["spec"]["template"]["metadata"]["labels"]
    return labels


WORKLOAD_KINDS = ("Deployment", "Job", "CronJob")


def workloads(manifests: list[Manifest]) -> Iterator[Manifest]:
    return (m for m in manifests if m["kind"] in WORKLOAD_KINDS)


def config_data(manifests: list[Manifest]) -> dict[str, str]:
    """The ConfigMap every Spoke pod reads (spoke-config-<hash>)."""
    maps = [m for m in manifests if m["kind"] == "ConfigMap"]
    assert len(maps) == 1, [m["metadata"]["name"] for m in maps]
    data: dict[str, str] = maps[0]["data"]
    return data


def secret_template() -> Manifest:
    loaded: Manifest = yaml.safe_load((KUBERNETES / "base" / "secret.template.yaml").read_text())
    return loaded
