"""Build kube-apiserver and etcd from upstream Go source into a cache keyed by version.

The Go module next to this file (``go.mod``, ``go.sum``, ``cmd/``) pins k8s.io/kubernetes and
the etcd server. ``build()`` compiles both binaries once per pinned version and source hash.
Later calls find them in the cache and return at once, without needing Go at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from lab.kube.errors import KubeBuildError, KubeUnavailableError

MODULE_DIR = Path(__file__).resolve().parent
CACHE_ENV = "AIFACTORY_LAB_CACHE"
BINARIES = ("kube-apiserver", "etcd")

# A cold build takes longer than this on a 2-core machine only when something is wrong.
BUILD_TIMEOUT_SECONDS = 3600
PROXY_PROBE_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class BuildResult:
    """Paths of the built binaries, their versions, and whether this call used the cache."""

    bin_dir: Path
    kube_apiserver: Path
    etcd: Path
    kubernetes_version: str
    etcd_version: str
    cached: bool
    seconds: float


def _read_go_mod() -> str:
    return (MODULE_DIR / "go.mod").read_text(encoding="utf-8")


def _required_version(module: str) -> str:
    match = re.search(rf"^\s*{re.escape(module)}\s+(v\S+)", _read_go_mod(), re.MULTILINE)
    if not match:
        raise KubeBuildError(f"{MODULE_DIR / 'go.mod'} does not require {module}")
    return match.group(1)


def kubernetes_version() -> str:
    """Return the k8s.io/kubernetes version pinned in go.mod, for example ``v1.37.2``."""
    return _required_version("k8s.io/kubernetes")


def etcd_version() -> str:
    """Return the go.etcd.io/etcd/server/v3 version pinned in go.mod."""
    return _required_version("go.etcd.io/etcd/server/v3")


def _required_go() -> tuple[int, ...]:
    match = re.search(r"^go\s+(\d+(?:\.\d+)*)", _read_go_mod(), re.MULTILINE)
    return _version_tuple(match.group(1)) if match else (1, 0)


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def cache_root() -> Path:
    """Return the lab cache directory: ``$AIFACTORY_LAB_CACHE``, else ``lab/.cache``.

    A cold build takes about six minutes on two cores (lab/kube/README.md has the figures),
    short enough to keep the cache inside the checkout by default. A machine that runs many
    fresh clones, such as CI, points AIFACTORY_LAB_CACHE at a directory that outlives them.
    """
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return MODULE_DIR.parent / ".cache"


def _source_digest() -> str:
    digest = hashlib.sha256()
    sources = [MODULE_DIR / "go.mod", MODULE_DIR / "go.sum"]
    sources += sorted((MODULE_DIR / "cmd").rglob("*.go"))
    for path in sources:
        digest.update(path.relative_to(MODULE_DIR).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def bin_dir() -> Path:
    """Return the cache directory of the binaries built from this source (may not exist yet)."""
    key = f"kubernetes-{kubernetes_version()}-etcd-{etcd_version()}-{_source_digest()}"
    return cache_root() / "kube" / "bin" / key


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    root = cache_root()

    # A user's own Go caches are reused when set explicitly. Otherwise both stay inside the lab
    # cache, so deleting one directory removes everything the lab downloaded or compiled.
    env.setdefault("GOCACHE", str(root / "go" / "build"))
    env.setdefault("GOMODCACHE", str(root / "go" / "mod"))

    # go.mod names a minimum Go release; without this Go would try to download a newer
    # toolchain, which fails where only the module proxy is reachable.
    env.setdefault("GOTOOLCHAIN", "local")
    return env


def _cached_binaries(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in BINARIES)


def _go_env_values(go: str, env: dict[str, str], *names: str) -> dict[str, str]:
    completed = subprocess.run(
        [go, "env", "-json", *names],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    if completed.returncode != 0:
        raise KubeUnavailableError(f"`go env` failed: {completed.stderr.strip()}")
    return json.loads(completed.stdout)


def _probe_proxy(goproxy: str, module: str, version: str) -> tuple[bool, str]:
    failures = []
    for entry in re.split(r"[,|]", goproxy):
        entry = entry.strip()
        if entry == "off":
            break
        if entry == "direct":
            return True, "GOPROXY falls back to version control directly (not probed)"
        if not entry.startswith(("http://", "https://")):
            continue

        url = f"{entry.rstrip('/')}/{module}/@v/{version}.info"
        try:
            with urllib.request.urlopen(url, timeout=PROXY_PROBE_TIMEOUT_SECONDS) as response:
                response.read()
        except (urllib.error.URLError, OSError) as exc:
            failures.append(f"{url}: {exc}")
            continue
        return True, f"Go module proxy {entry} serves {module} {version}"

    if not failures:
        return False, f"GOPROXY={goproxy!r} names no usable proxy and the modules are not cached"
    return False, "the Go module proxy is not reachable (" + "; ".join(failures) + ")"


def available() -> tuple[bool, str]:
    """Tell whether ``build()`` can succeed here, and why not when it cannot.

    Returns ``(True, reason)`` when the binaries are already cached (Go is then not needed) or
    when Go is recent enough and the module proxy, or the module cache, has the sources.
    """
    directory = bin_dir()
    if _cached_binaries(directory):
        return True, f"binaries cached in {directory}"

    go = shutil.which("go")
    if go is None:
        return False, (
            "the Go toolchain is not on PATH; install Go "
            f"{'.'.join(map(str, _required_go()))} or newer to build kube-apiserver and etcd"
        )

    env = _go_env()
    try:
        values = _go_env_values(go, env, "GOVERSION", "GOPROXY", "GOMODCACHE")
    except (OSError, subprocess.SubprocessError, KubeUnavailableError) as exc:
        return False, f"cannot run {go}: {exc}"

    found = _version_tuple(values["GOVERSION"])
    needed = _required_go()
    if found < needed and env.get("GOTOOLCHAIN", "local") == "local":
        return False, (
            f"{go} is {values['GOVERSION']} but {MODULE_DIR / 'go.mod'} needs go"
            f" {'.'.join(map(str, needed))} or newer; install a newer Go or set"
            " GOTOOLCHAIN=auto to let Go download one"
        )

    version = kubernetes_version()
    downloaded = (
        Path(values["GOMODCACHE"]) / "cache" / "download" / "k8s.io" / "kubernetes" / "@v"
        / f"{version}.zip"
    )
    if downloaded.is_file():
        return True, f"{values['GOVERSION']}, k8s.io/kubernetes {version} already downloaded"

    ok, reason = _probe_proxy(values["GOPROXY"], "k8s.io/kubernetes", version)
    return ok, f"{values['GOVERSION']}, {reason}"


@contextlib.contextmanager
def _build_lock(root: Path):
    # Parallel test workers and a CLI call may build at once; one builds, the rest wait and
    # then find the binaries in the cache.
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "build.lock", "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ldflags() -> str:
    version = kubernetes_version()
    major, minor = _version_tuple(version)[:2]
    package = "k8s.io/component-base/version"

    # Without these the binary reports v0.0.0-master, and clients that read /version would
    # see a version that does not match the pinned release.
    return " ".join(
        [
            "-s", "-w",
            f"-X {package}.gitVersion={version}",
            f"-X {package}.gitMajor={major}",
            f"-X {package}.gitMinor={minor}",
            f"-X {package}.gitTreeState=clean",
        ]
    )


def _log_tail(path: Path, lines: int = 40) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


def build(*, force: bool = False) -> BuildResult:
    """Build kube-apiserver and etcd, or return the cached binaries for this source.

    Raises KubeUnavailableError when the binaries are not cached and Go or the module proxy is
    missing, and KubeBuildError when ``go build`` itself fails.
    """
    started = time.monotonic()
    directory = bin_dir()

    def result(cached: bool) -> BuildResult:
        return BuildResult(
            bin_dir=directory,
            kube_apiserver=directory / "kube-apiserver",
            etcd=directory / "etcd",
            kubernetes_version=kubernetes_version(),
            etcd_version=etcd_version(),
            cached=cached,
            seconds=time.monotonic() - started,
        )

    if not force and _cached_binaries(directory):
        return result(cached=True)

    ok, reason = available()
    if not ok:
        raise KubeUnavailableError(f"cannot build kube-apiserver and etcd: {reason}")

    kube_cache = cache_root() / "kube"
    with _build_lock(kube_cache):
        if not force and _cached_binaries(directory):
            return result(cached=True)

        log_dir = kube_cache / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"build-{directory.name}.log"
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=kube_cache))
        os.chmod(staging, 0o755)

        command = [
            shutil.which("go") or "go", "build",
            # readonly: a build must never rewrite the committed go.mod or go.sum.
            "-mod=readonly",
            "-trimpath",
            # modcacherw: leave the module cache deletable with plain rm -rf.
            "-modcacherw",
            f"-ldflags={_ldflags()}",
            "-o", str(staging) + os.sep,
            "./cmd/kube-apiserver", "./cmd/etcd",
        ]
        try:
            with open(log_path, "w", encoding="utf-8") as log:
                log.write(" ".join(command) + "\n")
                log.flush()
                completed = subprocess.run(
                    command, cwd=MODULE_DIR, env=_go_env(), stdout=log,
                    stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_SECONDS, check=False,
                )
        except subprocess.TimeoutExpired as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise KubeBuildError(
                f"go build timed out after {BUILD_TIMEOUT_SECONDS} s; log: {log_path}"
            ) from exc
        if completed.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise KubeBuildError(
                f"go build failed with exit code {completed.returncode}; log: {log_path}\n"
                + _log_tail(log_path)
            )

        info = {
            "kubernetes_version": kubernetes_version(),
            "etcd_version": etcd_version(),
            "build_seconds": round(time.monotonic() - started, 1),
        }
        (staging / "build-info.json").write_text(json.dumps(info, indent=2) + "\n")

        # Rename into place so that a killed build never leaves a half-filled cache entry.
        if directory.exists():
            shutil.rmtree(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, directory)
        return result(cached=False)
