"""Integration tests for the lab management cluster: a real kube-apiserver and etcd.

The upstream CRDs of Metal3, Cluster API, k0rdent, k0smotron, k0s and the GPU operators are
loaded from the shared test data next to the repository, so schema and CEL validation here is
what a real management cluster enforces.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import NameOID
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from lab.kube import (
    KubeStateError,
    KubeUnavailableError,
    LabKubeError,
    available,
    build,
    start,
    status,
    stop,
)
from lab.kube.binaries import etcd_version, kubernetes_version
from lab.kube.customresources import LAB_CRDS_DIR, apply_crds, crd_documents
from lab.kube.pytest_fixture import kube_api_client, kube_cluster, require_kube  # noqa: F401  pylint: disable=unused-import

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_CRDS = REPO_ROOT.parent / "shared" / "crds"
BMH_GROUP, BMH_VERSION, BMH_PLURAL = "metal3.io", "v1alpha1", "baremetalhosts"


def _valid_host(name: str) -> dict:
    return {
        "apiVersion": "metal3.io/v1alpha1",
        "kind": "BareMetalHost",
        "metadata": {"name": name},
        "spec": {
            "online": True,
            "bootMACAddress": "52:54:00:a1:b2:c3",
            "bootMode": "UEFI",
            "bmc": {
                "address": "redfish-virtualmedia+https://127.0.0.1:8443/redfish/v1/Systems/1",
                "credentialsName": f"{name}-bmc-secret",
            },
        },
    }


def _invalid_host(name: str) -> dict:
    # Four independent schema violations: online missing, BMC credentials missing, a MAC
    # with dashes, and a boot mode outside the enum.
    return {
        "apiVersion": "metal3.io/v1alpha1",
        "kind": "BareMetalHost",
        "metadata": {"name": name},
        "spec": {
            "bootMACAddress": "52-54-00-a1-b2-c3",
            "bootMode": "BIOS",
            "bmc": {"address": "ipmi://127.0.0.1:6230"},
        },
    }


def _create_namespace(api_client: client.ApiClient) -> str:
    name = f"test-{uuid.uuid4().hex[:8]}"
    client.CoreV1Api(api_client).create_namespace(
        client.V1Namespace(metadata=client.V1ObjectMeta(name=name))
    )
    return name


def _rejection(exc_info: pytest.ExceptionInfo[ApiException]) -> str:
    assert exc_info.value.status == 422, exc_info.value.body
    return json.loads(exc_info.value.body)["message"]


def _pid_gone(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return True
    # A zombie has exited already and only waits for its parent to reap it.
    return stat.read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")


@pytest.fixture(scope="module")
def shared_crd_names(kube_api_client):  # noqa: F811
    if not SHARED_CRDS.is_dir():
        pytest.skip(f"upstream CRD test data not found at {SHARED_CRDS}")
    return apply_crds(kube_api_client, [SHARED_CRDS])


def test_build_second_call_is_cached():
    require_kube()
    first = build()
    second = build()

    assert second.cached
    assert second.bin_dir == first.bin_dir
    assert os.access(second.kube_apiserver, os.X_OK)
    assert os.access(second.etcd, os.X_OK)


def test_binaries_report_pinned_versions():
    require_kube()
    binaries = build()

    apiserver = subprocess.run([binaries.kube_apiserver, "--version"],
                               capture_output=True, text=True, check=True)
    etcd = subprocess.run([binaries.etcd, "--version"], capture_output=True, text=True,
                          check=True)

    assert apiserver.stdout.strip() == f"Kubernetes {kubernetes_version()}"
    assert f"etcd Version: {etcd_version().removeprefix('v')}" in etcd.stdout


def test_serving_and_admin_certificates(kube_cluster):  # noqa: F811
    pki = Path(kube_cluster.state_dir) / "pki"
    serving = x509.load_pem_x509_certificate((pki / "apiserver.crt").read_bytes())
    admin = x509.load_pem_x509_certificate((pki / "admin.crt").read_bytes())
    sans = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value

    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
    assert admin.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "admin"
    assert (admin.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
            == "system:masters")
    assert oct((pki / "admin.key").stat().st_mode & 0o777) == "0o600"


def test_kubeconfig_authenticates_as_admin(kube_api_client):  # noqa: F811
    review = client.AuthenticationV1Api(kube_api_client).create_self_subject_review(
        client.V1SelfSubjectReview()
    )

    assert review.status.user_info.username == "admin"
    assert "system:masters" in review.status.user_info.groups


def test_anonymous_request_forbidden_by_rbac(kube_cluster):  # noqa: F811
    context = ssl.create_default_context(cafile=kube_cluster.ca_file)

    with pytest.raises(urllib.error.HTTPError) as exc_info:
        urllib.request.urlopen(f"{kube_cluster.server}/api/v1/namespaces", context=context,
                               timeout=10)

    assert exc_info.value.code == 403
    assert "system:anonymous" in exc_info.value.read().decode()


def test_listens_on_loopback_only(kube_cluster):  # noqa: F811
    listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
    ports = {kube_cluster.apiserver_port, kube_cluster.etcd_port, kube_cluster.etcd_peer_port}
    seen = {}
    for line in listening:
        fields = line.split()
        address, port = fields[1].split(":")
        if fields[3] == "0A" and int(port, 16) in ports:  # 0A = LISTEN
            seen[int(port, 16)] = address

    assert set(seen) == ports
    # 0100007F is 127.0.0.1 in the little-endian hex that /proc/net/tcp uses.
    assert set(seen.values()) == {"0100007F"}


def test_every_shared_crd_established(kube_api_client, shared_crd_names):  # noqa: F811
    documents = crd_documents([SHARED_CRDS])
    expected = {doc["metadata"]["name"] for unused_path, doc in documents}
    crd_files = {path for path, unused_doc in documents}
    yaml_files = set(SHARED_CRDS.rglob("*.yaml"))
    served = json.loads(
        client.ApiextensionsV1Api(kube_api_client)
        .list_custom_resource_definition(_preload_content=False).data
    )["items"]
    established = {
        item["metadata"]["name"]
        for item in served
        if any(c["type"] == "Established" and c["status"] == "True"
               for c in item.get("status", {}).get("conditions", []))
    }

    # Every YAML file is a CRD except the GPU operator's chart values.
    assert yaml_files - crd_files == {SHARED_CRDS / "gpu-operator" / "values.yaml"}
    assert set(shared_crd_names) == expected
    assert expected <= established
    for group in ("metal3.io", "cluster.x-k8s.io", "k0rdent.mirantis.com", "k0smotron.io",
                  "nvidia.com", "amd.com", "k0s.k0sproject.io"):
        assert any(name.endswith("." + group) for name in expected), group


def test_valid_baremetalhost_accepted(kube_api_client, shared_crd_names):  # noqa: F811
    namespace = _create_namespace(kube_api_client)
    api = client.CustomObjectsApi(kube_api_client)

    api.create_namespaced_custom_object(BMH_GROUP, BMH_VERSION, namespace, BMH_PLURAL,
                                        _valid_host("gpu-node-01"))
    stored = api.get_namespaced_custom_object(BMH_GROUP, BMH_VERSION, namespace, BMH_PLURAL,
                                              "gpu-node-01")

    assert stored["spec"]["bootMACAddress"] == "52:54:00:a1:b2:c3"
    assert stored["spec"]["bmc"]["credentialsName"] == "gpu-node-01-bmc-secret"
    # Set by the CRD's schema default, which only a real API server applies.
    assert stored["spec"]["automatedCleaningMode"] == "metadata"


def test_invalid_baremetalhost_rejected(kube_api_client, shared_crd_names):  # noqa: F811
    namespace = _create_namespace(kube_api_client)
    api = client.CustomObjectsApi(kube_api_client)

    with pytest.raises(ApiException) as exc_info:
        api.create_namespaced_custom_object(BMH_GROUP, BMH_VERSION, namespace, BMH_PLURAL,
                                            _invalid_host("bad-host"))
    message = _rejection(exc_info)

    assert 'BareMetalHost.metal3.io "bad-host" is invalid' in message
    assert "spec.online: Required value" in message
    assert "spec.bmc.credentialsName: Required value" in message
    assert 'spec.bootMode: Unsupported value: "BIOS"' in message
    assert 'spec.bootMACAddress: Invalid value: "52-54-00-a1-b2-c3"' in message
    with pytest.raises(ApiException) as missing:
        api.get_namespaced_custom_object(BMH_GROUP, BMH_VERSION, namespace, BMH_PLURAL,
                                         "bad-host")
    assert missing.value.status == 404


def test_credential_region_immutable_cel(kube_api_client, shared_crd_names):  # noqa: F811
    namespace = _create_namespace(kube_api_client)
    api = client.CustomObjectsApi(kube_api_client)
    credential = {
        "apiVersion": "k0rdent.mirantis.com/v1beta1",
        "kind": "Credential",
        "metadata": {"name": "lab-credential"},
        "spec": {
            "region": "rack-a",
            "identityRef": {"apiVersion": "v1", "kind": "Secret", "name": "lab-identity"},
        },
    }
    api.create_namespaced_custom_object("k0rdent.mirantis.com", "v1beta1", namespace,
                                        "credentials", credential)

    with pytest.raises(ApiException) as exc_info:
        api.patch_namespaced_custom_object(
            "k0rdent.mirantis.com", "v1beta1", namespace, "credentials", "lab-credential",
            {"spec": {"region": "rack-b"}},
        )

    # The rule is an x-kubernetes-validations CEL expression, not an OpenAPI keyword.
    assert "Region is immutable" in _rejection(exc_info)


def test_lab_crds_accept_demo_objects(tmp_path):
    require_kube()
    info = start(tmp_path / "state")
    try:
        with config.new_client_from_config(config_file=info.kubeconfig) as api_client:
            names = apply_crds(api_client, [LAB_CRDS_DIR])
            namespace = _create_namespace(api_client)
            api = client.CustomObjectsApi(api_client)
            api.create_namespaced_custom_object(BMH_GROUP, BMH_VERSION, namespace, BMH_PLURAL,
                                                _valid_host("demo-node"))
            api.create_namespaced_custom_object(
                "k0rdent.mirantis.com", "v1beta1", namespace, "clusterdeployments",
                {
                    "apiVersion": "k0rdent.mirantis.com/v1beta1",
                    "kind": "ClusterDeployment",
                    "metadata": {"name": "tenant-a"},
                    "spec": {"template": "metal3-standalone-cp", "credential": "lab",
                             "config": {"controlPlaneNumber": 1, "workersNumber": 2}},
                },
            )
            with pytest.raises(ApiException) as exc_info:
                api.create_namespaced_custom_object(BMH_GROUP, BMH_VERSION, namespace,
                                                    BMH_PLURAL, _invalid_host("bad-demo"))
            message = _rejection(exc_info)
            deployment = api.get_namespaced_custom_object(
                "k0rdent.mirantis.com", "v1beta1", namespace, "clusterdeployments", "tenant-a"
            )
    finally:
        stop(info.state_dir)

    assert "baremetalhosts.metal3.io" in names
    assert "clusterdeployments.k0rdent.mirantis.com" in names
    assert "spec.online: Required value" in message
    assert 'spec.bootMACAddress: Invalid value: "52-54-00-a1-b2-c3"' in message
    assert deployment["spec"]["config"] == {"controlPlaneNumber": 1, "workersNumber": 2}
    assert deployment["spec"]["propagateCredentials"] is True


def test_lab_crds_marked_lab_only():
    for path in sorted(LAB_CRDS_DIR.glob("*.yaml")):
        text = path.read_text()
        document = yaml.safe_load(text)

        assert text.startswith("# LAB-ONLY STAND-IN."), path.name
        assert document["metadata"]["labels"]["aifactory.lab/stand-in"] == "true", path.name


def test_start_stop_lifecycle(tmp_path):
    require_kube()
    state_dir = tmp_path / "state"
    info = start(state_dir)
    try:
        first_status = status(state_dir)
        with pytest.raises(KubeStateError, match="already running"):
            start(state_dir)
    finally:
        stopped = stop(state_dir)

    assert first_status["ready"] is True
    assert first_status["running"] is True
    assert stopped is True
    assert _pid_gone(info.apiserver_pid)
    assert _pid_gone(info.etcd_pid)
    assert not (state_dir / "state.json").exists()
    assert status(state_dir)["running"] is False
    assert stop(state_dir) is False
    for port in (info.apiserver_port, info.etcd_port):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2)


def test_restart_keeps_data_when_asked(tmp_path):
    require_kube()
    state_dir = tmp_path / "state"

    info = start(state_dir)
    try:
        with config.new_client_from_config(config_file=info.kubeconfig) as api_client:
            namespace = _create_namespace(api_client)
    finally:
        stop(state_dir)

    info = start(state_dir, keep_data=True)
    try:
        with config.new_client_from_config(config_file=info.kubeconfig) as api_client:
            kept_namespace = client.CoreV1Api(api_client).read_namespace(namespace).metadata.name
    finally:
        stop(state_dir)

    info = start(state_dir)
    try:
        with config.new_client_from_config(config_file=info.kubeconfig) as api_client:
            with pytest.raises(ApiException) as exc_info:
                client.CoreV1Api(api_client).read_namespace(namespace)
    finally:
        stop(state_dir)

    assert kept_namespace == namespace
    assert exc_info.value.status == 404


def test_unavailable_without_go(tmp_path, monkeypatch):
    monkeypatch.setenv("AIFACTORY_LAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))

    ok, reason = available()
    with pytest.raises(KubeUnavailableError) as exc_info:
        build()
    with pytest.raises(LabKubeError):
        start(tmp_path / "state")

    assert ok is False
    assert "Go toolchain is not on PATH" in reason
    assert "Go toolchain is not on PATH" in str(exc_info.value)


def test_unavailable_without_proxy(tmp_path, monkeypatch):
    if shutil.which("go") is None:
        pytest.skip("Go is not installed, so the proxy check is never reached")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    monkeypatch.setenv("AIFACTORY_LAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GOMODCACHE", str(tmp_path / "empty-modcache"))
    monkeypatch.setenv("GOPROXY", f"http://127.0.0.1:{closed_port}")

    ok, reason = available()
    with pytest.raises(KubeUnavailableError):
        build()

    assert ok is False
    assert "Go module proxy is not reachable" in reason
    assert f"127.0.0.1:{closed_port}" in reason
