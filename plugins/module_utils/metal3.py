# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Metal3 BareMetalHost and BMC credentials Secret manifests, rendered from the hardware model.

Pure functions: they take a host's hardware model (docs/hardware-model.md) and its BMC
endpoint and return plain dicts that kubernetes.core applies, or that are written out as
YAML.  Invalid input raises InvalidInputError naming the host and the value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import math
import re
from collections import Counter

from urllib.parse import quote, urlsplit

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError

API_VERSION = "metal3.io/v1alpha1"
KIND = "BareMetalHost"

BOOT_METHODS = ("virtualmedia", "network", "uefihttp")
BOOT_MODES = ("UEFI", "UEFISecureBoot", "legacy")
CLEANING_MODES = ("metadata", "disabled")
ROOT_DEVICE_POLICIES = ("smallest", "none")

# The BMC drivers of baremetal-operator this collection writes, mapped to True where the
# driver needs bootMACAddress.  The virtual media and UEFI HTTP drivers create the Ironic port
# from it, because inspection cannot find the MAC before the host has booted.
DRIVERS = {
    "ipmi": False,
    "redfish": False,
    "redfish-virtualmedia": True,
    "redfish-uefihttp": True,
    "idrac-redfish": False,
    "idrac-virtualmedia": True,
    "ilo5-redfish": False,
    "ilo5-virtualmedia": True,
}

# Vendor quirks of driver choice: (pattern on the system vendor and BMC model, driver per
# boot method, reason).  Hosts that match no row use the generic Redfish drivers.
VENDOR_DRIVERS = (
    (re.compile(r"\bdell\b", re.IGNORECASE),
     {"virtualmedia": "idrac-virtualmedia", "network": "idrac-redfish"},
     "iDRAC needs the idrac driver's own virtual media and power interfaces"),
    (re.compile(r"\biLO\s*5\b", re.IGNORECASE),
     {"virtualmedia": "ilo5-virtualmedia", "network": "ilo5-redfish"},
     "iLO 5 firmware works with Ironic's ilo5 driver; iLO 6 and later use plain Redfish"),
)
GENERIC_DRIVERS = {"virtualmedia": "redfish-virtualmedia", "network": "redfish",
                   "uefihttp": "redfish-uefihttp"}

IPMI_DEFAULT_PORT = 623
DEFAULT_LABEL_PREFIX = "aifactory.io"
DEFAULT_ROOT_MIN_SIZE_GB = 100
# The label that baremetal-operator's Secret cache selects on.  The operator adds it itself
# when it adopts a Secret, and writing it up front gives the field no second owner.
SECRET_ENVIRONMENT_LABEL = ("environment.metal3.io", "baremetal")
# baremetal-operator leaves a host with this annotation alone (no registration, no power).
PAUSED_ANNOTATION = "baremetalhost.metal3.io/paused"

_MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


# Names, labels and annotations

def resource_name(text):
    """Return ``text`` as a Kubernetes object name (a lowercase RFC 1123 subdomain).

    Inventory host names such as ``GPU_Node_01`` become ``gpu-node-01``; anything that
    leaves no letter or digit raises InvalidInputError.
    """
    name = re.sub(r"[^a-z0-9.-]+", "-", str(text or "").lower())
    # Each dot-separated part must start and end with a letter or digit.
    parts = [re.sub(r"-{2,}", "-", part).strip("-") for part in name.split(".")]
    name = ".".join(part for part in parts if part)[:253].strip("-.")
    if not name or not _DNS_SUBDOMAIN.match(name):
        raise InvalidInputError("Cannot make a Kubernetes object name from %r." % (text,),
                                hint="Set metal3_hosts_name to a name of lowercase letters, digits and '-'.")
    return name


def label_value(text):
    """Return ``text`` as a valid label value: 63 characters of [A-Za-z0-9_.-], alphanumeric ends."""
    value = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text if text is not None else ""))
    value = re.sub(r"-{2,}", "-", value)
    value = value[:63]
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", value)


def check_labels(labels, kind="label"):
    """Raise InvalidInputError for the first label key or value Kubernetes would reject."""
    for key, value in (labels or {}).items():
        check_label_key(key, kind)
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            raise InvalidInputError(
                "Invalid value %r of %s %s." % (value, kind, key),
                hint="Label values are strings of at most 63 letters, digits, '-', '_' or '.', "
                     "beginning and ending with a letter or digit; quote numbers in YAML.")


def check_label_key(key, kind="label"):
    """Raise InvalidInputError unless ``key`` is ``[prefix/]name`` as Kubernetes accepts it."""
    prefix, _separator, name = str(key).rpartition("/")
    if (not isinstance(key, str) or not name or len(name) > 63 or not _LABEL_NAME.match(name)
            or (prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)))):
        raise InvalidInputError(
            "Invalid %s key %r." % (kind, key),
            hint="Keys are an optional DNS subdomain prefix and '/', then a name of at most "
                 "63 letters, digits, '-', '_' or '.'.")


def _most_common(values):
    """Return the value seen most often (the first seen on a tie), or None."""
    values = [value for value in values if value]
    if not values:
        return None
    counts = Counter(values)
    best = max(counts.values())
    return next(value for value in values if counts[value] == best)


def hardware_labels(hardware, prefix=DEFAULT_LABEL_PREFIX):
    """Return the labels host selectors use: GPU count, vendor and model, DPU count and generation.

    A host with GPUs of several models is labelled with the model of most of them.
    """
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        raise InvalidInputError("Invalid label prefix %r." % (prefix,),
                                hint="Give a DNS subdomain such as aifactory.io.")
    key = (lambda name: "%s/%s" % (prefix, name)) if prefix else (lambda name: name)

    gpus = hardware.get("gpus") or []
    dpus = hardware.get("dpus") or []
    gpu_count = hardware.get("gpu_count")
    labels = {}
    if gpu_count is not None or gpus:
        labels[key("gpu-count")] = str(gpu_count if gpu_count is not None else len(gpus))
    candidates = {
        "gpu-vendor": _most_common(gpu.get("vendor") for gpu in gpus),
        "gpu-model": _most_common(gpu.get("model") for gpu in gpus),
        "dpu-generation": _most_common(dpu.get("generation") for dpu in dpus),
    }
    # A null gpu_count means the source lists no devices at all (an IPMI BMC), so an empty DPU
    # list says nothing either.
    if dpus or gpu_count is not None:
        labels[key("dpu-count")] = str(len(dpus))
    for name, text in candidates.items():
        value = label_value(text) if text else ""
        if value:
            labels[key(name)] = value
    return labels


def host_description(name, hardware):
    """Return a one-line description such as ``Dell Inc. PowerEdge XE9680, 8 x NVIDIA H100``."""
    parts = [" ".join(part for part in (hardware.get("vendor"), hardware.get("model")) if part)]
    gpus = hardware.get("gpus") or []
    if gpus:
        parts.append("%d x %s" % (len(gpus), _most_common(gpu.get("model") for gpu in gpus) or "GPU"))
    dpus = hardware.get("dpus") or []
    if dpus:
        parts.append("%d x %s" % (len(dpus), _most_common(dpu.get("generation") for dpu in dpus) or "DPU"))
    text = ", ".join(part for part in parts if part)
    return text or "discovered server %s" % name


# BMC address

def select_driver(hardware, protocol="redfish", boot_method="virtualmedia", driver="auto"):
    """Return the baremetal-operator driver for a host: ``driver`` itself unless it is ``auto``."""
    if boot_method not in BOOT_METHODS:
        raise InvalidInputError("Invalid boot method %r." % (boot_method,),
                                hint="Use one of %s." % ", ".join(BOOT_METHODS))
    if driver and driver != "auto":
        if driver not in DRIVERS:
            raise InvalidInputError("Unknown Metal3 BMC driver %r." % (driver,),
                                    hint="Use auto or one of %s." % ", ".join(sorted(DRIVERS)))
        if (driver == "ipmi") != (protocol == "ipmi"):
            raise InvalidInputError(
                "The BMC driver %s does not fit a BMC reached over %s." % (driver, protocol),
                hint="Use driver ipmi for ipmi:// endpoints and a Redfish driver for https:// ones.")
        return driver

    if protocol == "ipmi":
        return "ipmi"
    if protocol != "redfish":
        raise InvalidInputError("Unknown BMC protocol %r." % (protocol,), hint="Use redfish or ipmi.")

    text = " ".join(str(hardware.get(field) or "") for field in ("vendor", "bmc_model"))
    for pattern, drivers, _reason in VENDOR_DRIVERS:
        if pattern.search(text) and boot_method in drivers:
            return drivers[boot_method]
    return GENERIC_DRIVERS[boot_method]


def bmc_address(bmc_url, driver, system_id=None):
    """Return the ``spec.bmc.address`` URL for ``driver`` from a BMC URL and a Redfish system id.

    Redfish drivers get ``<driver>[+http]://host[:port]/redfish/v1/Systems/<id>`` (HTTPS is
    the drivers' default, so only plain HTTP is spelled out); IPMI gets ``ipmi://host[:port]``.
    """
    if not isinstance(bmc_url, str) or "://" not in bmc_url:
        raise InvalidInputError("Invalid BMC URL %r." % (bmc_url,),
                                hint="Give the URL the inventory reports in bmc_url, such as https://10.0.0.5.")
    parts = urlsplit(bmc_url.strip())
    if "@" in parts.netloc:
        raise InvalidInputError("Invalid BMC URL %s://***@%s: credentials in the URL are not supported."
                                % (parts.scheme, parts.netloc.rsplit("@", 1)[1]))
    if not parts.hostname:
        raise InvalidInputError("Invalid BMC URL %r: it has no host." % (bmc_url,))
    try:
        port = parts.port
    except ValueError:
        raise InvalidInputError("Invalid BMC URL %r: the port is not a number from 1 to 65535." % (bmc_url,))
    host = "[%s]" % parts.hostname if ":" in parts.hostname else parts.hostname

    if driver == "ipmi":
        if parts.scheme != "ipmi":
            raise InvalidInputError("The BMC URL %s is not an ipmi:// endpoint." % bmc_url)
        return "ipmi://%s%s" % (host, ":%d" % port if port and port != IPMI_DEFAULT_PORT else "")

    if parts.scheme not in ("https", "http"):
        raise InvalidInputError("The BMC URL %s does not fit the Redfish driver %s." % (bmc_url, driver),
                                hint="Redfish drivers need an https:// (or http://) BMC URL.")
    if not system_id:
        raise InvalidInputError("The Redfish system id of BMC %s is missing." % bmc_url,
                                hint="Set bmc_system_id, or hardware.system_id from the redfish inventory.")
    scheme = driver + ("+http" if parts.scheme == "http" else "")
    netloc = host + (":%d" % port if port else "")
    return "%s://%s/redfish/v1/Systems/%s" % (scheme, netloc, quote(str(system_id), safe=""))


def boot_mac_address(hardware, override=None):
    """Return the boot MAC: ``override`` when given, else the first of ``hardware.boot_macs``."""
    mac = override or next(iter(hardware.get("boot_macs") or []), None)
    if mac is None:
        return None
    if not isinstance(mac, str) or not _MAC.match(mac):
        raise InvalidInputError("Invalid boot MAC address %r." % (mac,),
                                hint="Give six colon-separated hexadecimal bytes, such as 0c:42:a1:00:00:01.")
    return mac.lower()


# Root device

def _gib_at_least(size_gb):
    """Return whole GiB that a disk of ``size_gb`` decimal GB (rounded to 0.1) surely holds."""
    # Ironic's size hint counts GiB rounded down from bytes; the hardware model rounds bytes to
    # 0.1 GB, so 0.05 GB is taken off before converting to stay at or below the true size.
    return max(0, int(math.floor((size_gb - 0.05) * 1e9 / 2 ** 30)))


def root_device_hints(disks, policy="smallest", min_size_gb=DEFAULT_ROOT_MIN_SIZE_GB):
    """Return ``rootDeviceHints`` for the disk the OS should go to, or None to leave it to Ironic.

    ``smallest`` picks the smallest solid-state disk of at least ``min_size_gb`` (a rotating
    one only when there is no SSD), the usual boot pair next to large data drives, and names
    it by serial number, else by model and minimum size.
    """
    if policy not in ROOT_DEVICE_POLICIES:
        raise InvalidInputError("Invalid root device policy %r." % (policy,),
                                hint="Use one of %s." % ", ".join(ROOT_DEVICE_POLICIES))
    if policy == "none":
        return None

    sized = [disk for disk in disks or [] if isinstance(disk, dict)
             and isinstance(disk.get("size_gb"), (int, float)) and disk["size_gb"] >= min_size_gb]
    solid = [disk for disk in sized if disk.get("media") != "HDD"]
    candidates = solid or sized
    if not candidates:
        return None
    # min() keeps the first of equal sizes, which is the BMC's order.
    disk = min(candidates, key=lambda item: item["size_gb"])
    if disk.get("serial"):
        return {"serialNumber": disk["serial"]}
    hints = {"minSizeGigabytes": _gib_at_least(disk["size_gb"])}
    if disk.get("model"):
        hints["model"] = disk["model"]
    if disk.get("media") in ("SSD", "HDD"):
        hints["rotational"] = disk["media"] == "HDD"
    return hints


# Manifests

def _secret_metadata(name, namespace, labels):
    all_labels = dict(labels or {})
    all_labels[SECRET_ENVIRONMENT_LABEL[0]] = SECRET_ENVIRONMENT_LABEL[1]
    check_labels(all_labels)
    return {"name": resource_name(name), "namespace": namespace, "labels": all_labels}


def bmc_secret(name, namespace, username, password, labels=None):
    """Return the Secret with the BMC credentials that ``spec.bmc.credentialsName`` points at."""
    for field, value in (("username", username), ("password", password)):
        if not isinstance(value, str) or not value:
            raise InvalidInputError(
                "The BMC %s for Secret %s/%s is missing." % (field, namespace, name),
                hint="Set metal3_hosts_bmc_%s (or AIFACTORY_BMC_%s in the environment)." % (field, field.upper()))
    # data, not stringData: the API server stores data, so the applied and the stored object
    # compare equal and a second run reports no change.
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": _secret_metadata(name, namespace, labels),
        "data": {
            "username": base64.b64encode(username.encode("utf-8")).decode("ascii"),
            "password": base64.b64encode(password.encode("utf-8")).decode("ascii"),
        },
    }


PASSWORD_PLACEHOLDER = "REPLACE-WITH-THE-BMC-PASSWORD"


def bmc_secret_template(name, namespace, username=None, labels=None):
    """Return the credentials Secret for a manifest file, with a placeholder instead of the password.

    It uses ``stringData`` so that a person can fill it in before ``kubectl apply``.
    """
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": _secret_metadata(name, namespace, labels),
        "stringData": {"username": username or "REPLACE-WITH-THE-BMC-USER", "password": PASSWORD_PLACEHOLDER},
    }


def baremetalhost(name, namespace, hardware, bmc_url, protocol="redfish", system_id=None,
                  credentials_name=None, driver="auto", boot_method="virtualmedia", boot_mode="UEFI",
                  online=False, disable_certificate_verification=False, boot_mac=None,
                  root_hints=None, root_policy="smallest", root_min_size_gb=DEFAULT_ROOT_MIN_SIZE_GB,
                  labels=None, annotations=None, label_prefix=DEFAULT_LABEL_PREFIX, paused=False,
                  automated_cleaning_mode=None, description=None, warnings=None):
    """Return the BareMetalHost of one discovered server.

    ``labels`` and ``annotations`` are added to the hardware labels (a key in both wins
    here).  ``root_hints`` replaces the hints computed by ``root_policy``.  A host without a
    boot MAC gets the network boot driver of its vendor when ``driver`` is ``auto``, and a
    message in ``warnings`` (a list) says so.
    """
    if not isinstance(hardware, dict):
        raise InvalidInputError("Host %s has no hardware model (got %s)." % (name, type(hardware).__name__),
                                hint="Run it through the aifactory.infra.redfish inventory, which sets hardware.")
    if hardware.get("kind") not in (None, "server"):
        raise InvalidInputError("Host %s is a %s, not a server; only servers become BareMetalHosts."
                                % (name, hardware.get("kind")))
    if boot_mode not in BOOT_MODES:
        raise InvalidInputError("Invalid boot mode %r for host %s." % (boot_mode, name),
                                hint="Use one of %s." % ", ".join(BOOT_MODES))
    if automated_cleaning_mode and automated_cleaning_mode not in CLEANING_MODES:
        raise InvalidInputError("Invalid automated cleaning mode %r for host %s." % (automated_cleaning_mode, name),
                                hint="Use one of %s, or leave it empty for the cluster's default."
                                % ", ".join(CLEANING_MODES))

    object_name = resource_name(name)
    mac = boot_mac_address(hardware, boot_mac)
    chosen = select_driver(hardware, protocol, boot_method, driver)
    if mac is None and DRIVERS[chosen]:
        if driver and driver != "auto":
            raise InvalidInputError(
                "Host %s has no boot MAC address, which the %s driver needs." % (name, chosen),
                hint="Set metal3_hosts_boot_mac_address, or choose a network boot driver.")
        # Some BMCs (GH200 OpenBMC, some XCC firmware) list no host Ethernet interfaces.  The
        # network boot drivers let Ironic inspection find the MACs, so the host still registers.
        fallback = select_driver(hardware, protocol, "network")
        if warnings is not None:
            warnings.append("Host %s: the hardware model has no boot MAC address, which the %s driver "
                            "needs; using %s (network boot) instead. Set metal3_hosts_boot_mac_address "
                            "to boot it from virtual media." % (name, chosen, fallback))
        chosen = fallback
    address = bmc_address(bmc_url, chosen, system_id or hardware.get("system_id"))

    all_labels = hardware_labels(hardware, label_prefix)
    all_labels.update(labels or {})
    check_labels(all_labels)
    all_annotations = dict(annotations or {})
    if paused:
        all_annotations[PAUSED_ANNOTATION] = "true"
    for key, value in all_annotations.items():
        check_label_key(key, "annotation")
        if not isinstance(value, str):
            raise InvalidInputError("Invalid value %r of annotation %s: annotations are strings." % (value, key),
                                    hint="Quote numbers and booleans in YAML.")

    bmc = {"address": address, "credentialsName": resource_name(credentials_name or object_name + "-bmc-secret")}
    if disable_certificate_verification:
        bmc["disableCertificateVerification"] = True
    spec = {
        "online": bool(online),
        "bootMode": boot_mode,
        "bmc": bmc,
        "description": description or host_description(object_name, hardware),
    }
    if mac:
        spec["bootMACAddress"] = mac
    hints = root_hints if root_hints else root_device_hints(hardware.get("disks"), root_policy, root_min_size_gb)
    if hints:
        spec["rootDeviceHints"] = hints
    if automated_cleaning_mode:
        spec["automatedCleaningMode"] = automated_cleaning_mode

    metadata = {"name": object_name, "namespace": namespace, "labels": all_labels}
    if all_annotations:
        metadata["annotations"] = all_annotations
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": spec}


def check_namespace(namespace):
    """Raise InvalidInputError unless ``namespace`` is a valid namespace name."""
    if not isinstance(namespace, str) or len(namespace) > 63 or not _DNS_LABEL.match(namespace):
        raise InvalidInputError("Invalid namespace %r." % (namespace,),
                                hint="Namespaces are at most 63 lowercase letters, digits and '-'.")
    return namespace
