"""Start, find and stop the lab daemon; the Python API behind `python -m lab` and the tests.

    from lab import runner

    with runner.running({"bmcs": [...]}, state_dir=tmp_path) as lab:
        endpoint = lab.endpoint("gpu-node-01")     # name, url, port, profile, flavour ...
        user, password = lab.credentials("gpu-node-01")
        lab.control("GET", "/lab/v1/requests")    # the control API

`start` checks the factory, creates the TLS files, spawns `python -m lab.daemon` in its
own session, records its PID in `<state-dir>/lab.pid` and returns once every BMC port
accepts connections. `stop` sends SIGTERM and waits.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from lab import certs
from lab.factory import Factory, load_factory

LAB_DIR = Path(__file__).resolve().parent
REPO_ROOT = LAB_DIR.parent
DEFAULT_FACTORY = LAB_DIR / "factory.yml"
DEFAULT_STATE_DIR = LAB_DIR / ".run"
PID_FILE = "lab.pid"
LOG_FILE = "lab.log"

# Daemons this process started, so stopping one also reaps it (no zombie left behind).
_children: dict[int, subprocess.Popen] = {}


class LabError(RuntimeError):
    """The lab could not be started or stopped; the message states why and what to do."""


@dataclass
class Lab:
    """A running lab daemon and what it serves."""

    state_dir: Path
    pid: int
    endpoints: list[dict]
    control_url: str
    ca: Path
    factory: Factory | None = field(default=None, repr=False)
    _specs: dict[str, dict] = field(default_factory=dict, repr=False)

    def endpoint(self, name: str) -> dict:
        for endpoint in self.endpoints:
            if endpoint["name"] == name:
                return endpoint
        raise KeyError(f"no BMC named {name!r} in this lab; names: {', '.join(e['name'] for e in self.endpoints)}")

    def url(self, name: str) -> str:
        return self.endpoint(name)["url"]

    def credentials(self, name: str) -> tuple[str, str]:
        """Return the (username, password) the BMC `name` accepts."""
        spec = self._specs.get(name)
        if spec is None:
            raise KeyError(f"no factory entry for BMC {name!r} in this Lab object")
        return spec["username"], spec["password"]

    def control(self, method: str, path: str, body: dict | None = None, timeout: float = 10.0):
        """Call the control API and return the decoded JSON response."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.control_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise LabError(f"control API {method} {path} failed with HTTP {error.code}: {detail}") from None

    def stop(self, timeout: float = 15.0) -> bool:
        return stop(self.state_dir, timeout=timeout)

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state field follows the parenthesised command name; Z is a zombie, X dead.
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def _is_lab_daemon(pid: int) -> bool:
    """Check that `pid` runs `lab.daemon`, so a recycled PID is never signalled."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"lab.daemon" in cmdline


def _read_pid(state_dir: Path) -> int | None:
    try:
        return int((state_dir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def find(state_dir: Path = DEFAULT_STATE_DIR) -> Lab | None:
    """Return the lab running from `state_dir`, or None (a stale PID file is removed)."""
    state_dir = Path(state_dir)
    pid = _read_pid(state_dir)
    if pid is None:
        return None
    if not (_alive(pid) and _is_lab_daemon(pid)):
        (state_dir / PID_FILE).unlink(missing_ok=True)
        return None
    try:
        info = json.loads((state_dir / "lab.json").read_text())
        endpoints = json.loads((state_dir / "endpoints.json").read_text())
    except (OSError, json.JSONDecodeError):
        # Started but not ready yet: report it with what is known.
        return Lab(state_dir=state_dir, pid=pid, endpoints=[], control_url="", ca=certs.paths(state_dir).ca)
    factory = None
    specs = {}
    resolved = state_dir / "factory.resolved.json"
    if resolved.is_file():
        factory = Factory.from_json(resolved.read_text())
        specs = {spec["name"]: spec for spec in factory.bmcs}
    return Lab(state_dir=state_dir, pid=pid, endpoints=endpoints, control_url=info["control_url"], ca=Path(info["ca"]), factory=factory, _specs=specs)


def _check_ports_free(factory: Factory) -> None:
    required = [(spec["port"], spec["name"]) for spec in factory.bmcs]
    required.append((factory.control_port, "control_port"))
    for port, owner in required:
        if not port:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as error:
                raise LabError(f"port {port} for {owner} is not free ({error.strerror}); stop what uses it or change the port in the factory") from None


def _log_tail(state_dir: Path, lines: int = 20) -> str:
    try:
        text = (state_dir / LOG_FILE).read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _wait_ready(state_dir: Path, process: subprocess.Popen, deadline: float) -> tuple[dict, list[dict]]:
    info_path = state_dir / "lab.json"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LabError(f"the lab daemon exited with status {process.returncode} before it was ready; last lines of {state_dir / LOG_FILE}:\n{_log_tail(state_dir)}")
        if info_path.is_file():
            try:
                info = json.loads(info_path.read_text())
                endpoints = json.loads((state_dir / "endpoints.json").read_text())
            except (OSError, json.JSONDecodeError):
                info = None
            if info and info.get("pid") == process.pid:
                return info, endpoints
        time.sleep(0.05)
    raise LabError(f"the lab daemon was not ready within the timeout; see {state_dir / LOG_FILE}")


def _wait_ports(endpoints: list[dict], deadline: float) -> None:
    for endpoint in endpoints:
        if endpoint["protocol"] == "ipmi":
            continue  # UDP: the daemon binds the port before it writes endpoints.json
        while True:
            try:
                with socket.create_connection(("127.0.0.1", endpoint["port"]), timeout=1.0):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise LabError(f"BMC {endpoint['name']} does not accept connections on port {endpoint['port']}") from None
                time.sleep(0.05)


def start(
    factory: Factory | dict | str | Path = DEFAULT_FACTORY,
    state_dir: str | Path = DEFAULT_STATE_DIR,
    *,
    base_dir: Path | None = None,
    timeout: float = 120.0,
    debug: bool = False,
) -> Lab:
    """Start the lab daemon for `factory` and return once every BMC accepts connections.

    Raises LabError when a lab already runs from `state_dir`, a port is taken or the
    daemon fails; FactoryError when the factory is invalid.
    """
    state_dir = Path(state_dir).resolve()
    if not isinstance(factory, Factory):
        factory = load_factory(factory, base_dir=base_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    running_lab = find(state_dir)
    if running_lab is not None:
        raise LabError(f"a lab already runs from {state_dir} (pid {running_lab.pid}); stop it with `python -m lab down`")
    _check_ports_free(factory)
    certs.ensure_certificates(state_dir)

    resolved = state_dir / "factory.resolved.json"
    resolved.write_text(factory.to_json(), encoding="utf-8")
    for stale in ("lab.json", "endpoints.json"):
        (state_dir / stale).unlink(missing_ok=True)

    command = [sys.executable, "-m", "lab.daemon", "--factory", str(resolved), "--state-dir", str(state_dir)]
    if debug:
        command.append("--debug")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    with open(state_dir / LOG_FILE, "ab") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    _children[process.pid] = process
    (state_dir / PID_FILE).write_text(f"{process.pid}\n")

    deadline = time.monotonic() + timeout
    try:
        info, endpoints = _wait_ready(state_dir, process, deadline)
        _wait_ports(endpoints, deadline)
    except LabError:
        stop(state_dir)
        raise
    specs = {spec["name"]: spec for spec in factory.bmcs}
    return Lab(state_dir=state_dir, pid=process.pid, endpoints=endpoints, control_url=info["control_url"], ca=Path(info["ca"]), factory=factory, _specs=specs)


def stop(state_dir: str | Path = DEFAULT_STATE_DIR, timeout: float = 15.0) -> bool:
    """Stop the lab running from `state_dir`; return False when none was running."""
    state_dir = Path(state_dir)
    pid = _read_pid(state_dir)
    if pid is None or not (_alive(pid) and _is_lab_daemon(pid)):
        (state_dir / PID_FILE).unlink(missing_ok=True)
        return False

    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.05)
    child = _children.pop(pid, None)
    if child is not None:
        child.wait()
    (state_dir / PID_FILE).unlink(missing_ok=True)
    return True


@contextlib.contextmanager
def running(factory: Factory | dict | str | Path = DEFAULT_FACTORY, state_dir: str | Path = DEFAULT_STATE_DIR, **options):
    """Run a lab for the duration of a `with` block (or a pytest fixture's yield)."""
    lab = start(factory, state_dir, **options)
    try:
        yield lab
    finally:
        lab.stop()
