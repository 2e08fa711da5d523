"""Helpers for integration tests: free ports, background servers, ansible-inventory and ansible-playbook runs."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("AIFACTORY_SHARED", REPO.parent / "shared"))
MOCKUPS = SHARED / "mockups"
BIN = Path(sys.executable).parent

# The lab package lives at the repository root, outside the collection's import path.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BackgroundServer:
    """A server process started for one test and stopped by its PID."""

    def __init__(self, argv, ready_url, log_path, timeout=30):
        self.argv = argv
        self.ready_url = ready_url
        self.log_path = log_path
        self.timeout = timeout
        self.process = None

    def __enter__(self):
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("%s exited with %s; log:\n%s" % (
                    self.argv[0], self.process.returncode, Path(self.log_path).read_text()))
            try:
                urllib.request.urlopen(self.ready_url, timeout=1).read()
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("%s did not answer at %s within %ss" % (self.argv[0], self.ready_url, self.timeout))

    def __exit__(self, *exc_info):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_inventory(config, workdir, extra_args=(), env=None, source=None):
    """Write ``config`` as a redfish inventory file, run ansible-inventory --list on it.

    ``source`` replaces the file as the inventory given to ansible-inventory (a directory
    that holds the file and group_vars, for example).  Returns ``(inventory, completed)``;
    ``inventory`` is None when the command failed.
    """
    workdir = Path(workdir)
    path = workdir / "factory.redfish.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    environment = dict(os.environ)
    environment.update(env or {})
    completed = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(source or path), "--list"] + list(extra_args),
        capture_output=True, text=True, env=environment, cwd=str(workdir), timeout=600,
        check=False)
    inventory = None
    if completed.returncode == 0:
        # With -v, ansible-inventory prints its version and settings before the JSON.
        start = completed.stdout.find("\n{\n") + 1 if not completed.stdout.startswith("{") else 0
        inventory = json.loads(completed.stdout[start:])
    return inventory, completed


def plain(value):
    """Strip ansible-core 2.19's ``__ansible_unsafe`` markers from --list output."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def hostvars(inventory):
    return plain(inventory["_meta"]["hostvars"])


def group_hosts(inventory, group):
    return sorted(inventory.get(group, {}).get("hosts", []))


def run_playbook(plays, workdir, extra_args=(), env=None, inventory="localhost,"):
    """Write ``plays`` (a list of plays) as a playbook and run ansible-playbook on it.

    Returns the completed process; tasks that should report back write their registered
    results to a file with ansible.builtin.copy.
    """
    workdir = Path(workdir)
    path = workdir / "playbook.yml"
    path.write_text(yaml.safe_dump(plays, sort_keys=False), encoding="utf-8")
    environment = dict(os.environ)
    environment.update(env or {})
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", inventory, str(path)] + list(extra_args),
        capture_output=True, text=True, env=environment, cwd=str(workdir), timeout=600, check=False)
