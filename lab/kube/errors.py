"""Exceptions raised by the lab Kubernetes API server helpers."""

from __future__ import annotations


class LabKubeError(Exception):
    """Base class: every failure of lab.kube raises a subclass of this."""


class KubeUnavailableError(LabKubeError):
    """The binaries are not cached and cannot be built here (no Go, Go too old, no proxy).

    Callers that can run without a real API server catch this one to fall back.
    """


class KubeBuildError(LabKubeError):
    """``go build`` ran and failed; the message carries the end of the build log."""


class KubeStartError(LabKubeError):
    """etcd or kube-apiserver exited during start, or did not become ready in time."""


class KubeStateError(LabKubeError):
    """The state directory does not match the request (already running, or not started)."""
