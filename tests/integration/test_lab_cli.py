"""`python -m lab up|status|down` in a temporary state directory."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest
import requests
import yaml

from lab.runner import REPO_ROOT
from lab.testing import free_port


def run_lab(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lab", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_lab_module(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                          check=False)


def process_alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def small_factory(tmp_path):
    ports = [free_port(), free_port()]
    control = free_port()
    factory = {
        "control_port": control,
        "bmcs": [
            {"name": "cli-gpu-01", "profile": "hgx-h100", "flavour": "dell", "port": ports[0]},
            {"name": "cli-mgmt-01", "profile": "cpu-mgmt", "flavour": "supermicro", "port": ports[1], "tls": False},
        ],
    }
    path = tmp_path / "factory.yml"
    path.write_text(yaml.safe_dump(factory))
    return path, ports, control


def test_up_status_down(small_factory, tmp_path):
    factory, ports, control = small_factory
    state = tmp_path / "state"
    options = ["-f", str(factory), "--state-dir", str(state)]

    up = run_lab(*options, "up")
    try:
        assert up.returncode == 0, up.stderr
        assert f"https://127.0.0.1:{ports[0]}" in up.stdout
        assert f"http://127.0.0.1:{ports[1]}" in up.stdout
        assert "hgx-h100 (dell)" in up.stdout
        assert "cpu-mgmt (supermicro)" in up.stdout

        for name in ("lab.pid", "lab.log", "endpoints.json", "ca.pem", "server.pem"):
            assert (state / name).is_file(), name
        pid = int((state / "lab.pid").read_text())
        assert process_alive(pid)
        endpoints = json.loads((state / "endpoints.json").read_text())
        assert [e["name"] for e in endpoints] == ["cli-gpu-01", "cli-mgmt-01"]
        assert {"name", "url", "protocol", "profile", "flavour"} <= set(endpoints[0])
        assert endpoints[0]["protocol"] == "redfish"

        root = requests.get(f"https://127.0.0.1:{ports[0]}/redfish/v1", verify=str(state / "ca.pem"), timeout=10)
        assert root.status_code == 200
        assert root.json()["Vendor"] == "Dell"
        plain = requests.get(f"http://127.0.0.1:{ports[1]}/redfish/v1", timeout=10)
        assert plain.json()["Vendor"] == "Supermicro"

        again = run_lab(*options, "up")
        assert again.returncode == 0
        assert "already running" in again.stdout
        assert int((state / "lab.pid").read_text()) == pid

        status = run_lab(*options, "status")
        assert status.returncode == 0
        assert "cli-gpu-01" in status.stdout
        assert "cli-mgmt-01" in status.stdout
        assert f"http://127.0.0.1:{control}" in status.stdout
    finally:
        down = run_lab(*options, "down")

    assert down.returncode == 0
    assert "stopped" in down.stdout
    deadline = time.monotonic() + 10
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not process_alive(pid)
    assert not (state / "lab.pid").exists()
    assert not port_open(ports[0])

    second_down = run_lab(*options, "down")
    assert second_down.returncode == 0
    assert "not running" in second_down.stdout
    stopped_status = run_lab(*options, "status")
    assert stopped_status.returncode == 3
    assert "not running" in stopped_status.stdout


def test_options_after_command(small_factory, tmp_path):
    factory, ports = small_factory[:2]
    state = tmp_path / "state"
    up = run_lab("up", "-f", str(factory), "--state-dir", str(state))
    try:
        assert up.returncode == 0, up.stderr
        assert port_open(ports[0])
    finally:
        down = run_lab("down", "--state-dir", str(state))
    assert down.returncode == 0


def test_unknown_profile_rejected(tmp_path):
    factory = tmp_path / "factory.yml"
    factory.write_text(yaml.safe_dump({"bmcs": [{"name": "x", "profile": "hgx-b300", "port": free_port()}]}))
    result = run_lab("-f", str(factory), "--state-dir", str(tmp_path / "state"), "up")
    assert result.returncode == 2
    assert "hgx-b300" in result.stderr
    assert "hgx-h100" in result.stderr  # the known profiles are listed
    assert "Traceback" not in result.stderr


def test_missing_factory_file(tmp_path):
    result = run_lab("-f", str(tmp_path / "absent.yml"), "--state-dir", str(tmp_path / "state"), "up")
    assert result.returncode == 2
    assert "absent.yml" in result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use_rejected(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        factory = tmp_path / "factory.yml"
        factory.write_text(yaml.safe_dump({"control_port": 0, "bmcs": [{"name": "busy-01", "profile": "cpu-mgmt", "port": port}]}))
        result = run_lab("-f", str(factory), "--state-dir", str(tmp_path / "state"), "up")
    assert result.returncode == 2
    assert str(port) in result.stderr
    assert "busy-01" in result.stderr
    assert not (tmp_path / "state" / "lab.pid").exists()


def test_default_factory_is_valid():
    from lab.factory import load_factory

    factory = load_factory(REPO_ROOT / "lab" / "factory.yml")
    redfish = [spec for spec in factory.bmcs if spec["protocol"] == "redfish"]
    ipmi = [spec for spec in factory.bmcs if spec["protocol"] == "ipmi"]
    names = [spec["name"] for spec in redfish]
    assert names == [
        "gpu-node-01", "gpu-node-02", "gpu-node-03", "gpu-node-04",
        "l40s-node-01", "l40s-node-02", "mgmt-01", "dpu-bmc-01", "dpu-bmc-02",
    ]
    assert [spec["port"] for spec in redfish] == list(range(8443, 8452))
    assert factory.control_port == 8999
    assert all(spec["tls"] for spec in redfish)
    assert [(spec["name"], spec["port"]) for spec in ipmi] == [("legacy-ipmi-01", 6230), ("legacy-ipmi-02", 6231)]


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to inspect the daemon")
def test_api_start_stop(tmp_path):
    from lab import runner

    with runner.running({"control_port": 0, "defaults": {"base_port": 0}, "bmcs": [{"name": "api-01", "profile": "bf3-dpu"}]}, tmp_path) as lab:
        assert lab.endpoint("api-01")["port"] > 0
        assert lab.control("GET", "/lab/v1/requests") == {"api-01": 0}
        pid = lab.pid
        with pytest.raises(runner.LabError, match="already runs"):
            runner.start({"bmcs": [{"name": "api-02", "profile": "bf3-dpu", "port": 0}], "control_port": 0}, tmp_path)
    assert not process_alive(pid)
    assert runner.find(tmp_path) is None


def test_loadtest_prints_figures():
    result = run_lab_module("lab.loadtest", "--bmcs", "3", "--latency-ms", "0", "--threads", "2", "--flavour", "supermicro")
    assert result.returncode == 0, result.stderr
    assert "BMCs                 3 (hgx-h100, supermicro)" in result.stdout
    assert "requests/s" in result.stdout
    assert "daemon CPU" in result.stdout
