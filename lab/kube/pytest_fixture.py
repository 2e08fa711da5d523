"""Pytest fixtures that give a test session one real lab API server.

Use from a test module by importing the fixtures::

    from lab.kube.pytest_fixture import kube_api_client, kube_cluster  # noqa: F401

or for a whole tree with ``pytest_plugins = ["lab.kube.pytest_fixture"]`` in the root
conftest.py (or ``pytest -p lab.kube.pytest_fixture``).

``kube_cluster`` is a ``lab.kube.ClusterInfo`` (``server``, ``kubeconfig``, ``ca_file``...),
``kube_api_client`` a ``kubernetes.client.ApiClient`` authenticated as the admin user. The
server is started once per session (per worker under pytest-xdist) with an empty etcd, and
stopped at the end. Tests that share it should create their objects in their own namespace.

Where the binaries are not cached and cannot be built (no Go, no module proxy), the fixtures
skip the test with the reason, unless AIFACTORY_LAB_REQUIRE_KUBE=1 is set, which turns that
into a failure so that CI cannot pass without having run these tests.
"""

from __future__ import annotations

import os

import pytest
from kubernetes import config

from lab.kube.binaries import available
from lab.kube.cluster import ClusterInfo, start, stop

REQUIRE_ENV = "AIFACTORY_LAB_REQUIRE_KUBE"


def require_kube() -> None:
    """Skip (or fail, with AIFACTORY_LAB_REQUIRE_KUBE=1) when the API server cannot run here."""
    ok, reason = available()
    if ok:
        return
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"lab API server required ({REQUIRE_ENV}=1) but unavailable: {reason}")
    pytest.skip(f"lab API server unavailable: {reason}")


@pytest.fixture(scope="session")
def kube_cluster(tmp_path_factory: pytest.TempPathFactory) -> ClusterInfo:
    """Start one lab API server for the session and stop it afterwards."""
    require_kube()
    state_dir = tmp_path_factory.mktemp("lab-kube")
    info = start(state_dir)
    try:
        yield info
    finally:
        stop(state_dir)


@pytest.fixture(scope="session")
def kube_api_client(kube_cluster: ClusterInfo):
    """Return a kubernetes ApiClient for the session's lab API server (admin, system:masters)."""
    api_client = config.new_client_from_config(config_file=kube_cluster.kubeconfig)
    try:
        yield api_client
    finally:
        api_client.close()
