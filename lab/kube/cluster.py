"""Start and stop a real kube-apiserver with its own etcd on 127.0.0.1.

This is the lab's stand-in for a management cluster: the upstream API server with RBAC,
admission, CRD validation (OpenAPI schemas and CEL rules) and the real REST semantics, but no
controller-manager, scheduler or kubelet. Objects are stored and validated; nothing reconciles
them (namespaces stay Terminating, no garbage collection, no pods run).

Everything a start creates lives in one state directory::

    <state_dir>/pki/          CAs, serving and client certificates, service-account keys
    <state_dir>/kubeconfig    admin client-certificate kubeconfig (system:masters)
    <state_dir>/etcd-data/    etcd data, new on each start unless keep_data=True
    <state_dir>/logs/         etcd.log, kube-apiserver.log
    <state_dir>/state.json    PIDs, ports and paths of the running processes
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from lab.kube.binaries import BuildResult, available, build
from lab.kube.errors import KubeStartError, KubeStateError
from lab.kube.pki import PkiPaths, ensure_pki

__all__ = ["ClusterInfo", "available", "build", "start", "status", "stop"]

HOST = "127.0.0.1"
STATE_FILE = "state.json"
READY_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 30.0

# Children started by this Python process, kept so that stop() can reap them: an unreaped
# child stays in the process table as a zombie and would look alive to a PID check.
_CHILDREN: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class ClusterInfo:
    """A running lab API server: where it listens and how to reach it."""

    state_dir: str
    server: str
    kubeconfig: str
    ca_file: str
    apiserver_port: int
    etcd_port: int
    etcd_peer_port: int
    apiserver_pid: int
    etcd_pid: int
    kubernetes_version: str
    etcd_version: str
    started_seconds: float


def _free_port() -> int:
    # The port is released before the server binds it, so another process could take it in
    # between. start() then reports the server's exit together with its log.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            # Field 3 is the state. Z (zombie) and X (dead) processes have exited already.
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _pid_runs(pid: int, binary: str) -> bool:
    """Tell whether ``pid`` is alive and still runs ``binary`` (not a reused PID)."""
    if not _pid_alive(pid):
        return False
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return False
    return exe.removesuffix(" (deleted)") == binary


def _read_state(state_dir: Path) -> dict | None:
    path = state_dir / STATE_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _write_kubeconfig(path: Path, server: str, pki: PkiPaths) -> None:
    def encoded(name: str) -> str:
        return base64.b64encode(pki.file(name).read_bytes()).decode("ascii")

    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "aifactory-lab",
                "cluster": {"server": server, "certificate-authority-data": encoded("ca.crt")},
            }
        ],
        "users": [
            {
                "name": "admin",
                "user": {
                    "client-certificate-data": encoded("admin.crt"),
                    "client-key-data": encoded("admin.key"),
                },
            }
        ],
        "contexts": [
            {"name": "admin@aifactory-lab",
             "context": {"cluster": "aifactory-lab", "user": "admin"}}
        ],
        "current-context": "admin@aifactory-lab",
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)


def _etcd_command(binaries: BuildResult, pki: PkiPaths, data_dir: Path,
                  client_port: int, peer_port: int) -> list[str]:
    client_url = f"https://{HOST}:{client_port}"
    peer_url = f"http://{HOST}:{peer_port}"
    return [
        str(binaries.etcd),
        "--name=lab",
        f"--data-dir={data_dir}",
        f"--listen-client-urls={client_url}",
        f"--advertise-client-urls={client_url}",
        # A single member never talks to peers, but the peer listener still needs a free port.
        f"--listen-peer-urls={peer_url}",
        f"--initial-advertise-peer-urls={peer_url}",
        f"--initial-cluster=lab={peer_url}",
        "--initial-cluster-state=new",
        f"--cert-file={pki.file('etcd-server.crt')}",
        f"--key-file={pki.file('etcd-server.key')}",
        f"--trusted-ca-file={pki.file('etcd-ca.crt')}",
        "--client-cert-auth=true",
        # The data is thrown away after each run, so durability buys nothing and fsync on a
        # shared CI disk costs seconds per CRD apply.
        "--unsafe-no-fsync=true",
        "--log-level=warn",
    ]


def _apiserver_command(binaries: BuildResult, pki: PkiPaths, port: int,
                       etcd_port: int) -> list[str]:
    return [
        str(binaries.kube_apiserver),
        f"--bind-address={HOST}",
        f"--advertise-address={HOST}",
        f"--secure-port={port}",
        f"--tls-cert-file={pki.file('apiserver.crt')}",
        f"--tls-private-key-file={pki.file('apiserver.key')}",
        f"--client-ca-file={pki.file('ca.crt')}",
        "--authorization-mode=Node,RBAC",
        f"--etcd-servers=https://{HOST}:{etcd_port}",
        f"--etcd-cafile={pki.file('etcd-ca.crt')}",
        f"--etcd-certfile={pki.file('apiserver-etcd-client.crt')}",
        f"--etcd-keyfile={pki.file('apiserver-etcd-client.key')}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={pki.file('sa.pub')}",
        f"--service-account-signing-key-file={pki.file('sa.key')}",
        # Never routed: no kube-proxy runs. The API server only needs a range to allocate
        # Service ClusterIPs from.
        "--service-cluster-ip-range=10.96.0.0/16",
        # The endpoint reconciler would publish 127.0.0.1 in the default/kubernetes Endpoints,
        # which validation rejects for loopback addresses, and log that error every 10 s.
        "--endpoint-reconciler-type=none",
        "--profiling=false",
        "--v=1",
    ]


def _spawn(command: list[str], log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        # A new session keeps the servers running after `python -m lab.kube up` returns and
        # keeps a Ctrl-C in the caller's terminal from reaching them.
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )
    _CHILDREN[process.pid] = process
    return process


def _log_tail(path: Path, lines: int = 30) -> str:
    if not path.is_file():
        return "(no log)"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


def _https_context(pki: PkiPaths, ca_name: str, cert_name: str, key_name: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.file(ca_name)))
    context.load_cert_chain(str(pki.file(cert_name)), str(pki.file(key_name)))
    return context


def _get(url: str, context: ssl.SSLContext) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, context=context, timeout=5) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", errors="replace")


def _wait_ready(name: str, url: str, context: ssl.SSLContext, process: subprocess.Popen,
                log_path: Path, deadline: float) -> None:
    last = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise KubeStartError(
                f"{name} exited with code {process.returncode} during start; "
                f"log {log_path}:\n{_log_tail(log_path)}"
            )
        try:
            code, body = _get(url, context)
            if code == 200:
                return
            last = f"HTTP {code}: {body.strip()[-500:]}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.25)
    raise KubeStartError(
        f"timed out waiting for {name} to become ready at {url}; last result: {last}; "
        f"log {log_path}:\n{_log_tail(log_path)}"
    )


def _terminate(pid: int, binary: str, timeout: float) -> None:
    if not _pid_runs(pid, binary):
        _CHILDREN.pop(pid, None)
        return

    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(pid):
        time.sleep(0.1)
    if _pid_alive(pid):
        os.kill(pid, signal.SIGKILL)

    child = _CHILDREN.pop(pid, None)
    if child is not None:
        child.wait(timeout=timeout)
        return
    while _pid_alive(pid) and time.monotonic() < deadline + timeout:
        time.sleep(0.1)


def start(
    state_dir: str | os.PathLike,
    *,
    apiserver_port: int = 0,
    etcd_port: int = 0,
    etcd_peer_port: int = 0,
    keep_data: bool = False,
    timeout: float = READY_TIMEOUT_SECONDS,
) -> ClusterInfo:
    """Start etcd and kube-apiserver on 127.0.0.1 and wait until /readyz returns ok.

    A port of 0 picks a free one. The etcd data directory is created new on every start
    unless ``keep_data`` is true. Builds the binaries first when they are not cached (see
    ``build()`` for the errors that raises). Raises KubeStateError when this state directory
    already has a running server, and KubeStartError when a process exits or the API server
    is not ready within ``timeout`` seconds; both processes are stopped in that case.
    """
    started = time.monotonic()
    state_path = Path(state_dir).resolve()
    previous = _read_state(state_path)
    if previous and (
        _pid_runs(previous["apiserver_pid"], previous["kube_apiserver"])
        or _pid_runs(previous["etcd_pid"], previous["etcd"])
    ):
        raise KubeStateError(
            f"a lab API server from {state_path} is already running at {previous['server']}; "
            f"stop it first with `python -m lab.kube down --state-dir {state_path}`"
        )

    binaries = build()

    state_path.mkdir(parents=True, exist_ok=True)
    pki = ensure_pki(state_path / "pki")
    logs = state_path / "logs"
    logs.mkdir(exist_ok=True)
    data_dir = state_path / "etcd-data"
    if not keep_data and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(mode=0o700, exist_ok=True)

    etcd_port = etcd_port or _free_port()
    etcd_peer_port = etcd_peer_port or _free_port()
    apiserver_port = apiserver_port or _free_port()
    server = f"https://{HOST}:{apiserver_port}"
    deadline = time.monotonic() + timeout

    etcd_log = logs / "etcd.log"
    apiserver_log = logs / "kube-apiserver.log"
    etcd = _spawn(_etcd_command(binaries, pki, data_dir, etcd_port, etcd_peer_port), etcd_log)
    apiserver = None
    try:
        _wait_ready(
            "etcd", f"https://{HOST}:{etcd_port}/health",
            _https_context(pki, "etcd-ca.crt", "apiserver-etcd-client.crt",
                           "apiserver-etcd-client.key"),
            etcd, etcd_log, deadline,
        )
        apiserver = _spawn(
            _apiserver_command(binaries, pki, apiserver_port, etcd_port), apiserver_log
        )

        # The state file is written before the API server is ready so that `down` can stop
        # a start that was interrupted while waiting.
        state = {
            "server": server,
            "kube_apiserver": str(binaries.kube_apiserver),
            "etcd": str(binaries.etcd),
            "apiserver_pid": apiserver.pid,
            "etcd_pid": etcd.pid,
            "apiserver_port": apiserver_port,
            "etcd_port": etcd_port,
            "etcd_peer_port": etcd_peer_port,
            "kubernetes_version": binaries.kubernetes_version,
            "etcd_version": binaries.etcd_version,
        }
        (state_path / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")

        _wait_ready(
            "kube-apiserver", f"{server}/readyz",
            _https_context(pki, "ca.crt", "admin.crt", "admin.key"),
            apiserver, apiserver_log, deadline,
        )
    except BaseException:
        if apiserver is not None:
            _terminate(apiserver.pid, str(binaries.kube_apiserver), STOP_TIMEOUT_SECONDS)
        _terminate(etcd.pid, str(binaries.etcd), STOP_TIMEOUT_SECONDS)
        (state_path / STATE_FILE).unlink(missing_ok=True)
        raise

    kubeconfig = state_path / "kubeconfig"
    _write_kubeconfig(kubeconfig, server, pki)
    return ClusterInfo(
        state_dir=str(state_path),
        server=server,
        kubeconfig=str(kubeconfig),
        ca_file=str(pki.file("ca.crt")),
        apiserver_port=apiserver_port,
        etcd_port=etcd_port,
        etcd_peer_port=etcd_peer_port,
        apiserver_pid=apiserver.pid,
        etcd_pid=etcd.pid,
        kubernetes_version=binaries.kubernetes_version,
        etcd_version=binaries.etcd_version,
        started_seconds=round(time.monotonic() - started, 2),
    )


def stop(state_dir: str | os.PathLike, *, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    """Stop the API server, then etcd, with SIGTERM (SIGKILL after ``timeout`` seconds).

    Only the PIDs recorded in the state directory are signalled, and only while they still
    run the recorded binaries. Returns False when nothing was recorded as running.
    """
    state_path = Path(state_dir).resolve()
    state = _read_state(state_path)
    if state is None:
        return False

    # The API server goes first so that it does not log etcd connection errors while exiting.
    _terminate(state["apiserver_pid"], state["kube_apiserver"], timeout)
    _terminate(state["etcd_pid"], state["etcd"], timeout)
    (state_path / STATE_FILE).unlink()
    return True


def status(state_dir: str | os.PathLike) -> dict:
    """Return the recorded state plus whether each process runs and /readyz returns ok."""
    state_path = Path(state_dir).resolve()
    state = _read_state(state_path)
    if state is None:
        return {"state_dir": str(state_path), "running": False, "ready": False}

    apiserver_running = _pid_runs(state["apiserver_pid"], state["kube_apiserver"])
    etcd_running = _pid_runs(state["etcd_pid"], state["etcd"])
    ready = False
    if apiserver_running:
        pki = PkiPaths(state_path / "pki")
        try:
            code, _ = _get(f"{state['server']}/readyz",
                           _https_context(pki, "ca.crt", "admin.crt", "admin.key"))
            ready = code == 200
        except (urllib.error.URLError, OSError):
            ready = False

    return {
        **state,
        "state_dir": str(state_path),
        "kubeconfig": str(state_path / "kubeconfig"),
        "apiserver_running": apiserver_running,
        "etcd_running": etcd_running,
        "running": apiserver_running and etcd_running,
        "ready": ready,
    }


def info_dict(info: ClusterInfo) -> dict:
    """Return ``info`` as a plain dictionary, for JSON output."""
    return asdict(info)
