# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Read Metal3 BareMetalHosts from a cluster and turn them into the hardware model.

Two halves: ``read_objects`` talks to the Kubernetes API (kubeconfig, listing, errors that
name the API server), and the pure ``host_from_objects`` maps a BareMetalHost and its
HardwareData to the hardware model of docs/hardware-model.md.  Metal3 reports what Ironic
inspection found: system vendor, BIOS, memory, CPU model, network interfaces and disks.
Everything else stays null or empty, except the GPU count, which comes from the label the
metal3_hosts role writes when the host was discovered over Redfish.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
from urllib.parse import unquote, urlsplit

from ansible_collections.aifactory.infra.plugins.module_utils.errors import AifactoryError
from ansible_collections.aifactory.infra.plugins.module_utils.metal3 import DEFAULT_LABEL_PREFIX

GROUP = "metal3.io"
VERSION = "v1alpha1"
BAREMETALHOSTS = "baremetalhosts"
HARDWAREDATA = "hardwaredata"

# The BMC drivers whose address is a Redfish URL (scheme [+http|+https]://host/redfish/v1/Systems/id).
REDFISH_DRIVERS = ("redfish", "redfish-virtualmedia", "redfish-uefihttp", "idrac-redfish",
                   "idrac-virtualmedia", "ilo5-redfish", "ilo5-virtualmedia")
IPMI_DRIVERS = ("ipmi", "libvirt")

# PCI vendor ids that Ironic puts first in a network interface's model ("0x15b3 0x101d").
NIC_VENDOR_IDS = {
    "0x15b3": "Mellanox",  # NVIDIA networking, the ConnectX and BlueField ids
    "0x8086": "Intel",
    "0x14e4": "Broadcom",
    "0x1077": "QLogic",
    "0x1924": "Solarflare",
}
# PCI device ids of the network functions of BlueField DPUs (vendor 0x15b3).
BLUEFIELD_DEVICE_IDS = {
    "0xa2d2": "BlueField-1",
    "0xa2d6": "BlueField-2",
    "0xa2dc": "BlueField-3",
}

_PCI_FUNCTION = re.compile(r"^(?P<device>(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2})\.[0-7]$")


class KubeAccessError(AifactoryError):
    """The Kubernetes API could not be reached or refused a request."""


# Kubernetes API

def _connection_reason(exc):
    """Return a short reason for a urllib3 connection failure."""
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    if "CERTIFICATE_VERIFY_FAILED" in text or type(reason).__name__ == "SSLError":
        return "TLS error (%s); check the certificate-authority of the kubeconfig" % text
    if "refused" in text.lower():
        return "connection refused"
    if "timed out" in text.lower() or "Timeout" in type(reason).__name__:
        return "no answer in time (%s)" % text
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "the host name does not resolve (%s)" % text
    return text


# Failures that kubernetes.core reports as text: (pattern, short reason, what to do).
_FAILURE_KINDS = (
    (re.compile(r"exact match for metal3\.io|could not find the requested resource", re.IGNORECASE),
     "the cluster does not serve BareMetalHost (metal3.io/v1alpha1)",
     "Install the baremetal-operator CRDs in the cluster."),
    (re.compile(r"refused", re.IGNORECASE), "connection refused",
     "Start the API server, or point the kubeconfig at a running cluster."),
    (re.compile(r"timed out|timeout", re.IGNORECASE), "no answer in time",
     "Check the address and the network path to the API server."),
    (re.compile(r"CERTIFICATE_VERIFY_FAILED|SSLError", re.IGNORECASE), "TLS certificate not trusted",
     "Check the certificate-authority data of the kubeconfig."),
    (re.compile(r"Name or service not known|nodename nor servname|getaddrinfo", re.IGNORECASE),
     "the API server's host name does not resolve", "Check the server URL of the kubeconfig."),
    (re.compile(r"\b401\b|Unauthorized", re.IGNORECASE), "credentials rejected (HTTP 401)",
     "Renew the credentials of the kubeconfig."),
    (re.compile(r"\b403\b|Forbidden", re.IGNORECASE), "permission denied (HTTP 403)",
     "Grant the kubeconfig user the rights on BareMetalHosts, Secrets and the namespace."),
)


def describe_failure(text):
    """Return ``(reason, fix)`` for a kubernetes.core failure message; unknown ones are returned whole."""
    text = str(text or "unknown error")
    for pattern, reason, fix in _FAILURE_KINDS:
        if pattern.search(text):
            return reason, fix
    return text, "Check the kubeconfig and the cluster."


def _api_error(exc, endpoint, request):
    """Turn an ApiException into a KubeAccessError naming the API server and the fix."""
    status = getattr(exc, "status", None)
    try:
        message = json.loads(exc.body).get("message")
    except (TypeError, ValueError, AttributeError):
        message = None
    message = message or getattr(exc, "reason", None) or str(exc)
    hints = {
        401: "The API server rejected the credentials of the kubeconfig; renew them.",
        403: "Grant the user get and list on %s.%s (and %s.%s) in the namespaces read."
             % (BAREMETALHOSTS, GROUP, HARDWAREDATA, GROUP),
        404: "Install baremetal-operator's CRDs in the cluster, or check the namespace.",
    }
    return KubeAccessError("Kubernetes API server %s: %s failed with HTTP %s: %s."
                           % (endpoint, request, status, message), hint=hints.get(status))


def load_client(kubeconfig=None, context=None):
    """Return ``(api_client, endpoint)`` from a kubeconfig file, else the client's defaults.

    Without ``kubeconfig`` the kubernetes library reads ``$KUBECONFIG`` or ``~/.kube/config``,
    and inside a pod the service account.
    """
    try:
        from kubernetes import client, config  # pylint: disable=import-outside-toplevel
        from kubernetes.config.config_exception import ConfigException  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise KubeAccessError("The Python library kubernetes is not installed (%s)." % exc,
                              hint="Install it on the controller: pip install kubernetes.")

    if kubeconfig and not os.path.isfile(kubeconfig):
        raise KubeAccessError("The kubeconfig %s was not found." % kubeconfig,
                              hint="Point the kubeconfig option (or K8S_AUTH_KUBECONFIG) at an existing file.")
    try:
        if kubeconfig or os.environ.get("KUBECONFIG") or os.path.isfile(os.path.expanduser("~/.kube/config")):
            api_client = config.new_client_from_config(config_file=kubeconfig, context=context or None)
        else:
            config.load_incluster_config()
            api_client = client.ApiClient()
    except ConfigException as exc:
        source = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config or the in-cluster service account"
        raise KubeAccessError("Invalid Kubernetes client configuration from %s%s: %s."
                              % (source, " (context %s)" % context if context else "", exc),
                              hint="Check the file and the context name.")
    except (OSError, ValueError, TypeError) as exc:
        raise KubeAccessError("Cannot read the kubeconfig %s: %s." % (kubeconfig or os.environ.get("KUBECONFIG"), exc))
    return api_client, api_client.configuration.host


def _list(api_client, endpoint, plural, namespace, label_selector, timeout):
    """Return the items of one custom resource list, following ``continue`` tokens."""
    from kubernetes import client  # pylint: disable=import-outside-toplevel
    from kubernetes.client.rest import ApiException  # pylint: disable=import-outside-toplevel
    from urllib3.exceptions import HTTPError  # pylint: disable=import-outside-toplevel

    api = client.CustomObjectsApi(api_client)
    where = "namespace %s" % namespace if namespace else "all namespaces"
    items = []
    token = None
    while True:
        kwargs = {"label_selector": label_selector or "", "_request_timeout": timeout,
                  "_preload_content": False, "limit": 500}
        if token:
            kwargs["_continue"] = token
        try:
            if namespace:
                response = api.list_namespaced_custom_object(GROUP, VERSION, namespace, plural, **kwargs)
            else:
                response = api.list_cluster_custom_object(GROUP, VERSION, plural, **kwargs)
            page = json.loads(response.data)
        except ApiException as exc:
            raise _api_error(exc, endpoint, "listing %s.%s in %s" % (plural, GROUP, where))
        except HTTPError as exc:
            raise KubeAccessError("Cannot reach the Kubernetes API server at %s: %s."
                                  % (endpoint, _connection_reason(exc)),
                                  hint="Start the API server, or fix the server URL of the kubeconfig.")
        except ValueError as exc:
            raise KubeAccessError("Kubernetes API server %s returned a body that is not JSON while listing %s: %s."
                                  % (endpoint, plural, exc))
        items.extend(page.get("items") or [])
        token = (page.get("metadata") or {}).get("continue")
        if not token:
            return items


def read_objects(kubeconfig=None, context=None, namespaces=None, label_selector=None,
                 hardware_data=True, timeout=30):
    """Return ``{"endpoint", "baremetalhosts", "hardwaredata", "warnings"}`` read from the cluster.

    A cluster without the HardwareData CRD, or a user not allowed to read it, gives a
    warning and an empty list: BareMetalHosts also carry the inspection data in their status.
    """
    api_client, endpoint = load_client(kubeconfig, context)
    try:
        result = {"endpoint": endpoint, "baremetalhosts": [], "hardwaredata": [], "warnings": []}
        for namespace in namespaces or [None]:
            result["baremetalhosts"].extend(
                _list(api_client, endpoint, BAREMETALHOSTS, namespace, label_selector, timeout))
            if not hardware_data:
                continue
            try:
                result["hardwaredata"].extend(_list(api_client, endpoint, HARDWAREDATA, namespace, None, timeout))
            except KubeAccessError as exc:
                if "HTTP 404" not in str(exc) and "HTTP 403" not in str(exc):
                    raise
                result["warnings"].append("HardwareData not read, status.hardware used instead: %s" % exc.message)
        return result
    finally:
        api_client.close()


# Hardware model

def parse_bmc_address(address):
    """Return ``(driver, bmc_url, system_id, protocol)`` from a BareMetalHost's ``spec.bmc.address``.

    ``bmc_url`` is the URL the redfish inventory would report (``https://host:port`` or
    ``ipmi://host:port``); an address without a scheme is IPMI, as baremetal-operator reads it.
    """
    if not address:
        return None, None, None, None
    text = address if "://" in address else "ipmi://" + address
    parts = urlsplit(text)
    driver, _separator, transport = parts.scheme.partition("+")
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if driver in IPMI_DRIVERS:
        return driver, "ipmi://%s" % netloc, None, "ipmi"

    url = "%s://%s" % (transport or "https", netloc)
    system_id = None
    match = re.search(r"/Systems/([^/]+)/?$", parts.path)
    if match:
        system_id = unquote(match.group(1))
    return driver, url, system_id, "redfish" if driver in REDFISH_DRIVERS else driver


def _number(value):
    """Return an integral float as int, so that 2048.0 GiB reads 2048."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _nic_groups(nics):
    """Group Ironic's interfaces into adapters by PCI device (bus and device, any function)."""
    groups = []
    by_device = {}
    for nic in nics:
        if not isinstance(nic, dict):
            continue
        match = _PCI_FUNCTION.match(nic.get("pciAddress") or "")
        key = match.group("device").lower() if match else None
        if key is None or key not in by_device:
            group = {"location": key or nic.get("name"), "ports": []}
            groups.append(group)
            if key:
                by_device[key] = group
        (by_device[key] if key else groups[-1])["ports"].append(nic)
    return groups


def _port_address(mac):
    """Return a MAC in lowercase, or the port GUID (``xxxx:xxxx:xxxx:xxxx``) of a 20-byte IPoIB address.

    Linux gives IP-over-InfiniBand interfaces a 20-byte hardware address whose last 8 bytes are
    the port GUID; the redfish inventory reports InfiniBand ports by that GUID.
    """
    octets = (mac or "").lower().split(":")
    if len(octets) == 20:
        guid = "".join(octets[12:])
        return ":".join(guid[index:index + 4] for index in range(0, 16, 4))
    return (mac or "").lower()


def _pci_ids(model):
    """Return ``(vendor_id, device_id)`` from Ironic's ``"0x15b3 0x101d"`` model text, else Nones."""
    words = (model or "").lower().split()
    if len(words) == 2 and all(re.match(r"^0x[0-9a-f]{4}$", word) for word in words):
        return words[0], words[1]
    return None, None


def _adapters(nics):
    """Return ``(dpus, nics)`` in the hardware model's shape from Ironic's interface list."""
    dpus, adapters = [], []
    for group in _nic_groups(nics):
        ports = group["ports"]
        first = ports[0]
        vendor_id, device_id = _pci_ids(first.get("model"))
        macs = []
        for port in ports:
            mac = _port_address(port.get("mac"))
            if mac and mac not in macs:
                macs.append(mac)
        speeds = [port.get("speedGbps") for port in ports if port.get("speedGbps")]
        vendor = NIC_VENDOR_IDS.get(vendor_id) if vendor_id else None
        generation = BLUEFIELD_DEVICE_IDS.get(device_id) if vendor_id == "0x15b3" else None
        entry = {"vendor": vendor, "model": first.get("model") or None, "part_number": None,
                 "serial": None, "macs": macs, "location": group["location"]}
        if generation:
            entry["generation"] = generation
            dpus.append(entry)
            continue
        # Ironic does not report the link type, but IP-over-InfiniBand interfaces have 20-byte
        # addresses and kernel names that start with ib.
        infiniband = all((port.get("name") or "").startswith("ib") or len((port.get("mac") or "").split(":")) == 20
                         for port in ports)
        entry.update({
            "port_count": len(ports),
            "link_type": "infiniband" if infiniband else "unknown",
            "speed_gbps": max(speeds) if speeds else None,
        })
        adapters.append(entry)
    return dpus, adapters


def _disks(storage):
    disks = []
    for disk in storage or []:
        if not isinstance(disk, dict):
            continue
        size = disk.get("sizeBytes")
        kind = disk.get("type")
        media = "HDD" if disk.get("rotational") or kind == "HDD" else ("SSD" if kind in ("SSD", "NVME") else None)
        disks.append({
            "model": disk.get("model") or None,
            "serial": disk.get("serialNumber") or None,
            "size_gb": round(size / 1e9, 1) if size else None,
            "media": media,
            # Ironic tells NVMe from the device name; SATA and SAS look the same to it.
            "protocol": "NVMe" if kind == "NVME" else None,
        })
    return disks


def _boot_macs(spec, nics):
    macs = []
    candidates = [spec.get("bootMACAddress")] + [nic.get("mac") for nic in nics if isinstance(nic, dict) and nic.get("pxe")]
    for mac in candidates:
        if mac and mac.lower() not in macs:
            macs.append(mac.lower())
    return macs


def _label_gpu_count(labels, prefix):
    value = (labels or {}).get("%s/gpu-count" % prefix if prefix else "gpu-count")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def hardware_model(bmh, details, label_prefix=DEFAULT_LABEL_PREFIX):
    """Return the hardware model of one BareMetalHost from its inspection ``details``."""
    spec = bmh.get("spec") or {}
    status = bmh.get("status") or {}
    labels = (bmh.get("metadata") or {}).get("labels") or {}
    details = details or {}
    vendor = details.get("systemVendor") or {}
    cpu = details.get("cpu") or {}
    nics = details.get("nics") or []
    ram = details.get("ramMebibytes")
    system_id = parse_bmc_address((spec.get("bmc") or {}).get("address"))[2]
    powered_on = status.get("poweredOn")
    dpus, adapters = _adapters(nics)

    return {
        "kind": "server",
        "system_id": system_id,
        "systems": [system_id] if system_id else [],
        "vendor": vendor.get("manufacturer") or None,
        "model": vendor.get("productName") or None,
        "serial": vendor.get("serialNumber") or None,
        "uuid": None,
        "sku": None,
        "power_state": None if powered_on is None or not status else ("On" if powered_on else "Off"),
        "health": None,
        "bios_version": ((details.get("firmware") or {}).get("bios") or {}).get("version") or None,
        "bmc_firmware_version": None,
        "bmc_model": None,
        # Ironic counts logical CPUs (threads), not sockets or cores, so neither count is known.
        "cpu_count": None,
        "cpu_model": cpu.get("model") or None,
        "cpu_cores": None,
        "memory_gib": _number(round(ram / 1024.0, 1)) if ram else None,
        # NOTE: Metal3 inspection does not list GPUs; the count comes from the label written at
        # registration, and the per-GPU list stays empty.
        "gpu_count": _label_gpu_count(labels, label_prefix),
        "gpus": [],
        "dpus": dpus,
        "nics": adapters,
        "disks": _disks(details.get("storage")),
        "boot_macs": _boot_macs(spec, nics),
        "dpu_mode": None,
    }


def metal3_facts(bmh, hardware_source):
    """Return the ``metal3`` host variable: the BareMetalHost's state, without its spec details."""
    metadata = bmh.get("metadata") or {}
    spec = bmh.get("spec") or {}
    status = bmh.get("status") or {}
    provisioning = status.get("provisioning") or {}
    consumer = spec.get("consumerRef") or {}
    return {
        "name": metadata.get("name"),
        "namespace": metadata.get("namespace"),
        "uid": metadata.get("uid"),
        "labels": dict(metadata.get("labels") or {}),
        "online": spec.get("online"),
        "bmc_address": (spec.get("bmc") or {}).get("address"),
        "boot_mode": spec.get("bootMode"),
        "provisioning_state": provisioning.get("state") if status else None,
        "operational_status": status.get("operationalStatus") or None,
        "powered_on": status.get("poweredOn"),
        "error_type": status.get("errorType") or None,
        "error_message": status.get("errorMessage") or None,
        "consumer": "%s/%s" % (consumer.get("kind"), consumer.get("name")) if consumer.get("name") else None,
        "hardware_source": hardware_source,
    }


def host_from_objects(bmh, hardware_data=None, label_prefix=DEFAULT_LABEL_PREFIX):
    """Return ``{"hardware", "metal3", "bmc_url", "bmc_protocol", "bmc_system_id"}`` for one host.

    The HardwareData object of the same name holds the inspection result; ``status.hardware``
    of the BareMetalHost, which older operators write instead, is read when it is absent.
    """
    details, source = None, None
    if hardware_data and (hardware_data.get("spec") or {}).get("hardware"):
        details, source = hardware_data["spec"]["hardware"], "HardwareData"
    elif ((bmh.get("status") or {}).get("hardware")):
        details, source = bmh["status"]["hardware"], "status"

    _driver, bmc_url, system_id, protocol = parse_bmc_address(((bmh.get("spec") or {}).get("bmc") or {}).get("address"))
    return {
        "hardware": hardware_model(bmh, details, label_prefix),
        "metal3": metal3_facts(bmh, source),
        "bmc_url": bmc_url,
        "bmc_protocol": protocol,
        "bmc_system_id": system_id,
    }


def group_suffix(value):
    """Return ``value`` as a group-name suffix: lowercase, runs of other characters as ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", str(value).lower()).strip("_") or "unknown"
