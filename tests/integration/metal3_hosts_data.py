"""Servers for the Metal3 tests: the lab's, read by the redfish inventory, and the captures of real BMCs.

Each server is a dict of the host variables the metal3_hosts role reads (hardware, bmc_url,
bmc_protocol, bmc_system_id), keyed by inventory host name.
"""

import json
import re
import sys
from pathlib import Path

import yaml

from helpers import MOCKUPS, REPO, hostvars
from lab_snapshot import current_output

from lab.kube.customresources import apply_crds

sys.path.insert(0, str(REPO / "tests" / "unit"))
sys.path.insert(0, str(REPO / "tests"))

from captures import EXPECTED  # noqa: E402 pylint: disable=wrong-import-position
from recorded import RecordedBmc  # noqa: E402 pylint: disable=wrong-import-position
from ansible_collections.aifactory.infra.plugins.module_utils.introspection import build_hosts  # noqa: E402
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.snapshot import take_snapshot  # noqa: E402

METAL3_CRDS = MOCKUPS.parent / "crds" / "baremetal-operator"
HOST_VARS = ("hardware", "bmc_url", "bmc_protocol", "bmc_system_id")

# The hardware model the redfish inventory builds for an IPMI-only BMC: what IPMI cannot
# report is null or empty.
IPMI_SERVER = {
    "legacy-ipmi-01": {
        "bmc_url": "ipmi://127.0.0.1:6230", "bmc_protocol": "ipmi", "bmc_system_id": None,
        "hardware": {
            "kind": "server", "vendor": "Supermicro", "model": "SYS-1029U-TRT", "serial": "S1029TRT01",
            "uuid": "4c4c4544-0000-1000-8000-000000000001", "power_state": "On", "health": "OK",
            "bmc_firmware_version": "3.10", "system_id": None, "sku": None, "bios_version": None,
            "bmc_model": None, "cpu_count": None, "cpu_model": None, "cpu_cores": None, "memory_gib": None,
            "gpu_count": None, "dpu_mode": None, "systems": [], "gpus": [], "dpus": [], "nics": [],
            "disks": [], "boot_macs": [],
        },
    },
}


def lab_servers():
    """Return the servers of the demo lab as the redfish inventory of inventories/lab reports them."""
    inventory = json.loads(current_output())
    variables = hostvars(inventory)
    names = inventory.get("servers", {}).get("hosts", [])
    return {name: {key: variables[name].get(key) for key in HOST_VARS} for name in names}


def capture_servers():
    """Return every server of the captures of real BMCs, as the redfish inventory would build it."""
    servers = {}
    for capture in sorted(EXPECTED):
        snapshot = take_snapshot(RecordedBmc(MOCKUPS / capture))
        hosts = [host for host in build_hosts(snapshot.resources) if host["kind"] == "server"]
        for index, hardware in enumerate(hosts):
            name = "capture-%s%s" % (capture, "-%d" % index if index else "")
            servers[name] = {"hardware": hardware, "bmc_url": "https://192.0.2.%d" % (10 + len(servers)),
                             "bmc_protocol": "redfish", "bmc_system_id": hardware["system_id"]}
    return servers


def write_inventory(path, servers, username, password, extra_vars=None):
    """Write a YAML inventory with ``servers`` in the servers group and the role's credentials."""
    group_vars = {"metal3_hosts_bmc_username": username, "metal3_hosts_bmc_password": password,
                  "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    group_vars.update(extra_vars or {})
    inventory = {"all": {"children": {"servers": {"hosts": servers}}, "vars": group_vars}}
    Path(path).write_text(yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
    return Path(path)


def apply_metal3_crds(api_client):
    """Load baremetal-operator's CRDs (BareMetalHost, HardwareData, ...) into the lab API server."""
    return apply_crds(api_client, [METAL3_CRDS])


def play_recap(output):
    """Return ``{host: {"ok": n, "changed": n, "failed": n, ...}}`` from ansible-playbook's PLAY RECAP."""
    recap = {}
    text = output.split("PLAY RECAP", 1)[-1]
    for match in re.finditer(r"^(\S+)\s+:\s+(.*)$", text, re.MULTILINE):
        recap[match.group(1)] = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return recap
