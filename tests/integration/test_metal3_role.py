"""The metal3_hosts role and playbooks/cluster.yml against a real kube-apiserver with Metal3's CRDs.

The lab API server runs no controllers, so the tests check what the API server accepted and
stored, not what baremetal-operator would do with it.
"""

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from kubernetes import client, dynamic

from helpers import BIN, REPO, free_port
from metal3_hosts_data import (
    IPMI_SERVER,
    METAL3_CRDS,
    apply_metal3_crds,
    capture_servers,
    lab_servers,
    play_recap,
    write_inventory,
)

PLAYBOOK = REPO / "playbooks" / "cluster.yml"
USERNAME = "metal3-test-admin"
PASSWORD = "metal3-test-password-4b1d"
NAMESPACE = "metal3-role"

pytestmark = pytest.mark.skipif(not METAL3_CRDS.is_dir(), reason="baremetal-operator CRDs not found")


def run_cluster_playbook(inventory, kubeconfig=None, extra_args=(), env=None):
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("KUBECONFIG", "K8S_AUTH_KUBECONFIG", "K8S_AUTH_CONTEXT")}
    if kubeconfig:
        environment["KUBECONFIG"] = str(kubeconfig)
    environment.update(env or {})
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), str(PLAYBOOK)] + list(extra_args),
        capture_output=True, text=True, env=environment, cwd=str(Path(inventory).parent), timeout=600,
        check=False)


def baremetalhosts(api_client, namespace):
    api = client.CustomObjectsApi(api_client)
    items = api.list_namespaced_custom_object("metal3.io", "v1alpha1", namespace, "baremetalhosts")["items"]
    return {item["metadata"]["name"]: item for item in items}


@pytest.fixture(scope="module")
def servers():
    found = dict(lab_servers())
    found.update(capture_servers())
    found.update(IPMI_SERVER)
    return found


@pytest.fixture(scope="module")
def registered(kube_cluster, kube_api_client, servers, tmp_path_factory):
    """Run check mode, apply, apply again; return the three runs and the inventory."""
    apply_metal3_crds(kube_api_client)
    workdir = tmp_path_factory.mktemp("metal3-role")
    inventory = write_inventory(workdir / "inventory.yml", servers, USERNAME, PASSWORD,
                                {"metal3_hosts_namespace": NAMESPACE})
    client.CoreV1Api(kube_api_client).create_namespace({"metadata": {"name": NAMESPACE}})

    runs = {
        "check": run_cluster_playbook(inventory, kube_cluster.kubeconfig, ["--check", "--diff"]),
        "stored_after_check": baremetalhosts(kube_api_client, NAMESPACE),
        "apply": run_cluster_playbook(inventory, kube_cluster.kubeconfig, ["--diff"]),
        "again": run_cluster_playbook(inventory, kube_cluster.kubeconfig),
    }
    runs["inventory"] = inventory
    return runs


def test_check_mode_shows_diff_and_stores_nothing(registered, servers):
    check = registered["check"]
    assert check.returncode == 0, check.stdout + check.stderr
    assert registered["stored_after_check"] == {}
    assert '"kind": "BareMetalHost"' in check.stdout
    assert '"address": "idrac-virtualmedia://127.0.0.1:8443/redfish/v1/Systems/System.Embedded.1"' in check.stdout
    recap = play_recap(check.stdout)
    for name in servers:
        assert recap[name]["changed"] == 2, name
        assert recap[name]["failed"] == 0, name


def test_every_server_is_accepted(registered, servers, kube_api_client):
    apply = registered["apply"]
    assert apply.returncode == 0, apply.stdout[-5000:] + apply.stderr
    stored = baremetalhosts(kube_api_client, NAMESPACE)
    expected = {name.replace("_", "-") for name in servers}
    assert set(stored) == expected
    recap = play_recap(apply.stdout)
    for name in servers:
        assert recap[name]["changed"] == 2, name


def test_second_run_changes_nothing(registered, servers):
    again = registered["again"]
    assert again.returncode == 0, again.stdout[-5000:] + again.stderr
    recap = play_recap(again.stdout)
    for name in servers:
        assert recap[name]["changed"] == 0, name
        assert recap[name]["failed"] == 0, name


def test_stored_spec_follows_hardware(registered, servers, kube_api_client):
    assert registered["apply"].returncode == 0
    stored = baremetalhosts(kube_api_client, NAMESPACE)

    dell = stored["gpu-node-01"]
    assert dell["spec"]["bmc"]["address"] == "idrac-virtualmedia://127.0.0.1:8443/redfish/v1/Systems/System.Embedded.1"
    assert dell["spec"]["bmc"]["credentialsName"] == "gpu-node-01-bmc-secret"
    assert dell["spec"]["bootMACAddress"] == servers["gpu-node-01"]["hardware"]["boot_macs"][0]
    assert dell["spec"]["online"] is False
    assert dell["spec"]["bootMode"] == "UEFI"
    # The smallest SSD, the 960 GB boot drive, named by serial number.
    boot_disks = [disk for disk in servers["gpu-node-01"]["hardware"]["disks"] if disk["size_gb"] < 1000]
    assert dell["spec"]["rootDeviceHints"] == {"serialNumber": boot_disks[0]["serial"]}
    labels = dell["metadata"]["labels"]
    assert labels["aifactory.io/gpu-count"] == "8"
    assert "H100" in labels["aifactory.io/gpu-model"]
    assert labels["aifactory.io/dpu-generation"] == "BlueField-3"
    assert labels["aifactory.io/dpu-count"] == "2"
    # baremetal-operator's CRD defaults the cleaning mode.
    assert dell["spec"]["automatedCleaningMode"] == "metadata"

    assert stored["gpu-node-02"]["spec"]["bmc"]["address"] == \
        "redfish-virtualmedia://127.0.0.1:8444/redfish/v1/Systems/System_0"
    assert stored["l40s-node-01"]["metadata"]["labels"]["aifactory.io/gpu-count"] == "4"
    assert stored["mgmt-01"]["metadata"]["labels"]["aifactory.io/gpu-count"] == "0"
    assert stored["legacy-ipmi-01"]["spec"]["bmc"]["address"] == "ipmi://127.0.0.1:6230"
    # A capture whose BMC lists no host Ethernet interface gets the network boot driver.
    assert stored["capture-nvidia-gh200"]["spec"]["bmc"]["address"].startswith("redfish://")
    assert "bootMACAddress" not in stored["capture-nvidia-gh200"]["spec"]

    search = "the hardware model has no boot MAC address"
    assert search in registered["apply"].stdout + registered["apply"].stderr


def test_secrets_hold_credentials_and_never_show(registered, kube_api_client):
    secret = client.CoreV1Api(kube_api_client).read_namespaced_secret("gpu-node-01-bmc-secret", NAMESPACE)
    assert base64.b64decode(secret.data["username"]).decode() == USERNAME
    assert base64.b64decode(secret.data["password"]).decode() == PASSWORD
    assert secret.metadata.labels["environment.metal3.io"] == "baremetal"

    encoded = base64.b64encode(PASSWORD.encode()).decode()
    for name in ("check", "apply", "again"):
        output = registered[name].stdout + registered[name].stderr
        assert PASSWORD not in output, name
        assert encoded not in output, name


def test_check_mode_shows_change_without_storing(registered, kube_api_client, kube_cluster):
    before = baremetalhosts(kube_api_client, NAMESPACE)["mgmt-01"]
    completed = run_cluster_playbook(registered["inventory"], kube_cluster.kubeconfig,
                                     ["--check", "--diff", "--limit", "mgmt-01", "-e", "metal3_hosts_online=true"])
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert '+        "online": true' in completed.stdout
    assert play_recap(completed.stdout)["mgmt-01"]["changed"] == 1
    after = baremetalhosts(kube_api_client, NAMESPACE)["mgmt-01"]
    assert after["spec"]["online"] is False
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


def test_conflict_with_other_manager_is_reported(registered, kube_api_client, kube_cluster):
    patch = {"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
             "metadata": {"name": "mgmt-01", "namespace": NAMESPACE}, "spec": {"bootMode": "legacy"}}
    resources = dynamic.DynamicClient(kube_api_client).resources
    resource = resources.get(api_version="metal3.io/v1alpha1", kind="BareMetalHost")
    resource.server_side_apply(body=patch, namespace=NAMESPACE, field_manager="someone-else", force_conflicts=True)

    # -vvv shows module arguments, where the password would show if no_log were missing.
    completed = run_cluster_playbook(registered["inventory"], kube_cluster.kubeconfig, ["--limit", "mgmt-01", "-vvv"])
    assert completed.returncode != 0
    assert PASSWORD not in completed.stdout + completed.stderr
    assert base64.b64encode(PASSWORD.encode()).decode() not in completed.stdout + completed.stderr
    assert "conflict with \\\"someone-else\\\"" in completed.stdout or 'conflict with "someone-else"' in completed.stdout

    forced = run_cluster_playbook(registered["inventory"], kube_cluster.kubeconfig,
                                  ["--limit", "mgmt-01", "-e", "metal3_hosts_force_conflicts=true"])
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert baremetalhosts(kube_api_client, NAMESPACE)["mgmt-01"]["spec"]["bootMode"] == "UEFI"


def test_state_absent_removes_hosts(registered, kube_api_client, kube_cluster):
    limit = ["--limit", "l40s-node-02,capture-dell", "-e", "metal3_hosts_state=absent"]
    completed = run_cluster_playbook(registered["inventory"], kube_cluster.kubeconfig, limit)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    stored = baremetalhosts(kube_api_client, NAMESPACE)
    assert "l40s-node-02" not in stored
    assert "capture-dell" not in stored
    assert "l40s-node-01" in stored
    secrets = {item.metadata.name for item in client.CoreV1Api(kube_api_client).list_namespaced_secret(NAMESPACE).items}
    assert "l40s-node-02-bmc-secret" not in secrets
    assert "l40s-node-01-bmc-secret" in secrets
    assert PASSWORD not in completed.stdout

    again = run_cluster_playbook(registered["inventory"], kube_cluster.kubeconfig, limit)
    assert again.returncode == 0, again.stdout + again.stderr
    assert play_recap(again.stdout)["l40s-node-02"]["changed"] == 0


def test_check_mode_with_new_namespace(registered, kube_api_client, kube_cluster):
    completed = run_cluster_playbook(registered["inventory"], kube_cluster.kubeconfig,
                                     ["--check", "--diff", "--limit", "gpu-node-01",
                                      "-e", "metal3_hosts_namespace=metal3-not-yet"])
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Would create BareMetalHost metal3-not-yet/gpu-node-01" in completed.stdout
    names = {item.metadata.name for item in client.CoreV1Api(kube_api_client).list_namespace().items}
    assert "metal3-not-yet" not in names


def test_render_without_cluster(servers, tmp_path):
    chosen = {name: servers[name] for name in ("gpu-node-01", "capture-nvidia_gh200", "legacy-ipmi-01")}
    inventory = write_inventory(tmp_path / "inventory.yml", chosen, USERNAME, PASSWORD)
    completed = run_cluster_playbook(inventory, extra_args=["-e", "aifactory_report_dir=%s" % (tmp_path / "report")])
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "No management cluster is configured" in completed.stdout

    folder = tmp_path / "report" / "metal3"
    files = sorted(path.name for path in folder.iterdir())
    assert files == ["capture-nvidia-gh200.yaml", "gpu-node-01.yaml", "legacy-ipmi-01.yaml"]
    documents = list(yaml.safe_load_all((folder / "gpu-node-01.yaml").read_text()))
    assert [document["kind"] for document in documents] == ["Secret", "BareMetalHost"]
    assert documents[0]["stringData"]["password"] == "REPLACE-WITH-THE-BMC-PASSWORD"
    assert documents[1]["spec"]["bmc"]["address"].startswith("idrac-virtualmedia://127.0.0.1:8443/")
    for path in folder.iterdir():
        assert PASSWORD not in path.read_text(), path.name
        assert oct(path.stat().st_mode & 0o777) == "0o644"

    removed = run_cluster_playbook(inventory, extra_args=["-e", "aifactory_report_dir=%s" % (tmp_path / "report"),
                                                          "-e", "metal3_hosts_state=absent", "--limit", "gpu-node-01"])
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert sorted(path.name for path in folder.iterdir()) == ["capture-nvidia-gh200.yaml", "legacy-ipmi-01.yaml"]


def test_stopped_api_server_names_endpoint(servers, kube_cluster, tmp_path):
    port = free_port()
    config = yaml.safe_load(Path(kube_cluster.kubeconfig).read_text())
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = "https://127.0.0.1:%d" % port
    kubeconfig = tmp_path / "stopped.kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config))
    inventory = write_inventory(tmp_path / "inventory.yml", {"mgmt-01": servers["mgmt-01"]}, USERNAME, PASSWORD)

    completed = run_cluster_playbook(inventory, kubeconfig)
    assert completed.returncode != 0
    message = "Cannot use the management cluster at https://127.0.0.1:%d" % port
    assert message in completed.stdout + completed.stderr
    assert "connection refused" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr


def test_missing_kubeconfig_is_named(servers, tmp_path):
    inventory = write_inventory(tmp_path / "inventory.yml", {"mgmt-01": servers["mgmt-01"]}, USERNAME, PASSWORD)
    missing = tmp_path / "missing.kubeconfig"
    completed = run_cluster_playbook(inventory, extra_args=["-e", "metal3_hosts_kubeconfig=%s" % missing])
    assert completed.returncode != 0
    assert "The kubeconfig %s (metal3_hosts_kubeconfig) was not found" % missing in completed.stdout


def test_missing_credentials_fail_clearly(servers, kube_cluster, tmp_path):
    inventory = write_inventory(tmp_path / "inventory.yml", {"mgmt-01": servers["mgmt-01"]}, USERNAME, "")
    completed = run_cluster_playbook(inventory, kube_cluster.kubeconfig, env={"AIFACTORY_BMC_PASSWORD": ""})
    assert completed.returncode != 0
    assert "The BMC password for the Secret of mgmt-01 is missing" in completed.stdout


def test_recap_parser_reads_counts():
    output = "PLAY RECAP ***\nhost-a : ok=3    changed=1    unreachable=0    failed=0\n"
    assert play_recap(output) == {"host-a": {"ok": 3, "changed": 1, "unreachable": 0, "failed": 0}}
    assert json.dumps(play_recap("no recap")) == "{}"
