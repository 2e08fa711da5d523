"""A real kube-apiserver and etcd, built from source, as the lab's management cluster.

Start with ``python -m lab.kube up`` or, from Python::

    from lab.kube import start, stop
    info = start("/tmp/lab-kube")      # builds on first use, then starts in seconds
    ...                                # use info.kubeconfig
    stop("/tmp/lab-kube")
"""

from lab.kube.binaries import BuildResult, available, build, cache_root
from lab.kube.cluster import ClusterInfo, start, status, stop
from lab.kube.errors import (
    KubeBuildError,
    KubeStartError,
    KubeStateError,
    KubeUnavailableError,
    LabKubeError,
)

__all__ = [
    "BuildResult", "ClusterInfo", "KubeBuildError", "KubeStartError", "KubeStateError",
    "KubeUnavailableError", "LabKubeError", "available", "build", "cache_root", "start",
    "status", "stop",
]
