"""Helpers of the IPMI integration tests: the peer tools, ipmitool, playbooks of module tasks."""

import json
import os
import shutil
import socket
import subprocess

import pytest

from helpers import REPO, run_playbook


def ensure_ipmi_peers():
    """Install ipmitool and ipmi_sim when missing (CI runs as root on a fresh machine)."""
    if shutil.which("ipmitool") and shutil.which("ipmi_sim"):
        return
    if os.environ.get("AIFACTORY_SKIP_IPMI_PEERS"):
        pytest.skip("ipmitool or ipmi_sim missing and AIFACTORY_SKIP_IPMI_PEERS is set")
    completed = subprocess.run([str(REPO / "scripts" / "install-test-packages.sh")], capture_output=True,
                               text=True, check=False)
    if completed.returncode != 0:
        pytest.fail("ipmitool and ipmi_sim are needed and could not be installed:\n%s%s"
                    % (completed.stdout, completed.stderr))


def free_udp_port():
    """Return a UDP port on 127.0.0.1 that nothing listens on (the kernel returns ICMP port unreachable)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ipmitool_argv(port, username, *command, cipher_suite=None):
    """Return an ipmitool command line for 127.0.0.1:port; it reads the password from IPMI_PASSWORD."""
    suite = ["-C", str(cipher_suite)] if cipher_suite else []
    return ["ipmitool", "-I", "lanplus"] + suite + ["-H", "127.0.0.1", "-p", str(port), "-U", username,
                                                    "-E"] + list(command)


def ipmitool(port, username, password, *command, cipher_suite=None):
    """Run ipmitool against 127.0.0.1:port; the password goes through the environment."""
    return subprocess.run(ipmitool_argv(port, username, *command, cipher_suite=cipher_suite),
                          capture_output=True, text=True, env=dict(os.environ, IPMI_PASSWORD=password),
                          timeout=60, check=False)


def four_step_play(module, args, observe_argv, observe_password, output):
    """Return a play running ``module`` in the four steps, with ``observe_argv`` after each."""
    tasks = []
    for index, check in enumerate((True, False, True, False), start=1):
        tasks.append({"name": "step %d" % index, module: args, "check_mode": check, "diff": True,
                      "register": "step%d" % index})
        tasks.append({"name": "observe %d" % index, "ansible.builtin.command": {"argv": observe_argv},
                      "environment": {"IPMI_PASSWORD": observe_password}, "register": "observe%d" % index,
                      "changed_when": False})
    tasks.append({"name": "report", "ansible.builtin.copy": {
        "dest": str(output),
        "content": "{{ {'steps': [step1, step2, step3, step4], "
                   "'observed': [observe1.stdout, observe2.stdout, observe3.stdout, observe4.stdout]} | to_json }}"}})
    return [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]


def run_four_steps(tmp_path, module, args, observe_argv, observe_password):
    """Run the four steps (check, apply, check, apply); return their results and observations."""
    output = tmp_path / "report.json"
    completed = run_playbook(four_step_play(module, args, observe_argv, observe_password, output), tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(output.read_text())
    return report["steps"], report["observed"]


def run_tasks(tmp_path, *tasks):
    """Run tasks ``(module, args, check)`` in one playbook; they may fail.

    Returns one ``(result, seconds)`` per task: its registered result and how long it took,
    module start included.
    """
    output = tmp_path / "results.json"
    play_tasks = []
    report = []
    for index, (module, args, check) in enumerate(tasks):
        play_tasks += [
            {"name": "start %d" % index, "ansible.builtin.set_fact": {"started%d" % index: "{{ now().timestamp() }}"}},
            {"name": "task %d" % index, module: args, "check_mode": check, "register": "result%d" % index,
             "ignore_errors": True},
            {"name": "end %d" % index, "ansible.builtin.set_fact": {"ended%d" % index: "{{ now().timestamp() }}"}},
        ]
        report.append("[result%d, started%d | float, ended%d | float]" % (index, index, index))
    play_tasks.append({"name": "report", "ansible.builtin.copy": {
        "dest": str(output), "content": "{{ [%s] | to_json }}" % ", ".join(report)}})

    completed = run_playbook([{"hosts": "localhost", "connection": "local", "gather_facts": False,
                               "tasks": play_tasks}], tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr
    return [(result, ended - started) for result, started, ended in json.loads(output.read_text())]


def run_timed_task(tmp_path, module, args, check=False):
    """Run one task that may fail; return its registered result and the seconds it took."""
    return run_tasks(tmp_path, (module, args, check))[0]


def run_task(tmp_path, module, args, check=False):
    """Run one task that may fail; return its registered result."""
    return run_timed_task(tmp_path, module, args, check)[0]
