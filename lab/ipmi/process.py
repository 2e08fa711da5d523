"""Running ``python -m lab.ipmi`` as a child process, for tests and experiments.

    with IpmiLabProcess({"bmcs": [{"name": "node-1"}]}, tmp_path) as lab:
        port = lab.port("node-1")         # the UDP port the kernel picked
        lab.state("node-1")["boots"]      # what the BMC did, from its state file
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


class IpmiLabProcess:
    """The lab's IPMI BMCs in a child process, started and stopped by its PID."""

    def __init__(self, config: dict, workdir: Path) -> None:
        self.config = config
        self.workdir = Path(workdir)
        self.process: subprocess.Popen | None = None
        self.endpoints: dict[str, dict] = {}

    @property
    def state_dir(self) -> Path:
        return self.workdir / "ipmi-state"

    def __enter__(self) -> "IpmiLabProcess":
        config_path = self.workdir / "ipmi-lab.yml"
        config_path.write_text(yaml.safe_dump(self.config), encoding="utf-8")
        log = open(self.workdir / "ipmi-lab.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lab.ipmi", str(config_path), "--state-dir", str(self.state_dir), "--debug",
             # A test run killed without cleanup must not leave the BMCs running.
             "--exit-with-parent"],
            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, cwd=str(REPO_ROOT))
        log.close()

        # The first line of output lists the endpoints once every port is bound.  A process
        # that fails to start exits, so the read ends with an empty line.
        line = self.process.stdout.readline()
        if not line:
            self.__exit__()
            raise RuntimeError("lab.ipmi did not start; log:\n%s" % (self.workdir / "ipmi-lab.log").read_text())
        self.endpoints = {endpoint["name"]: endpoint for endpoint in json.loads(line)["endpoints"]}
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()

    def port(self, name: str) -> int:
        return self.endpoints[name]["port"]

    def state(self, name: str) -> dict:
        return json.loads((self.state_dir / ("ipmi-%s.json" % name)).read_text(encoding="utf-8"))
