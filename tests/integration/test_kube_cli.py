"""Integration tests for `python -m lab.kube`: the commands a developer types."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from lab.kube.pytest_fixture import require_kube

REPO_ROOT = Path(__file__).resolve().parents[2]


def _lab_kube(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lab.kube", *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, **(env or {})},
    )


def test_cli_up_status_down(tmp_path):
    require_kube()
    state_dir = str(tmp_path / "state")

    up = _lab_kube("up", "--state-dir", state_dir, "--lab-crds")
    try:
        ready = _lab_kube("status", "--state-dir", state_dir)
    finally:
        down = _lab_kube("down", "--state-dir", state_dir)
    after = _lab_kube("status", "--state-dir", state_dir)

    assert up.returncode == 0, up.stderr
    started = json.loads(up.stdout)
    assert started["crds_applied"] == len(list((REPO_ROOT / "lab/kube/crds").glob("*.yaml")))
    assert started["server"].startswith("https://127.0.0.1:")
    assert f"export KUBECONFIG={started['kubeconfig']}" in up.stderr
    assert ready.returncode == 0, ready.stdout
    assert json.loads(ready.stdout)["ready"] is True
    assert down.returncode == 0, down.stderr
    assert "stopped" in down.stdout
    assert after.returncode == 3
    assert json.loads(after.stdout)["running"] is False


def test_cli_build_is_noop_when_cached():
    require_kube()

    result = _lab_kube("build")

    assert result.returncode == 0, result.stderr
    assert ": cached, " in result.stdout


def test_cli_reports_unavailable_build(tmp_path):
    # The interpreter is called by absolute path, so an empty PATH only hides Go.
    env = {"AIFACTORY_LAB_CACHE": str(tmp_path / "cache"), "PATH": str(tmp_path / "empty")}

    check = _lab_kube("build", "--check", env=env)
    build = _lab_kube("build", env=env)

    assert check.returncode == 1
    assert check.stdout.startswith("unavailable: the Go toolchain is not on PATH")
    assert build.returncode == 2
    assert "error: cannot build kube-apiserver and etcd: the Go toolchain" in build.stderr
    assert "Traceback" not in build.stderr


def test_cli_down_without_state(tmp_path):
    result = _lab_kube("down", "--state-dir", str(tmp_path / "never-started"))

    assert result.returncode == 0
    assert "no lab API server recorded" in result.stdout
