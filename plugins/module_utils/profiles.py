# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Hardware profiles: what a host is expected to have, compared with what it reports.

A profile is a plain mapping, usually kept in group vars:

    kind: server
    gpu_model: H100            # substring of every GPU's model
    gpu_count: 8
    dpu_generation: BlueField-3
    dpu_count: 2
    infiniband_nics: 8         # minimum number of InfiniBand adapters
    min_memory_gib: 1024
    min_firmware:
      bios_version: "2.1.0"
      bmc_firmware_version: "7.00.00"

Every key is optional; a missing key is not checked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError

PROFILE_KEYS = ("name", "kind", "gpu_model", "gpu_count", "dpu_generation", "dpu_count",
                "infiniband_nics", "min_memory_gib", "min_firmware")
FIRMWARE_FIELDS = ("bios_version", "bmc_firmware_version")


def version_key(text):
    """Return a tuple that orders firmware versions such as ``1.10.2`` after ``1.9``.

    Numbers compare as numbers and other runs of characters as text, so vendor formats
    like ``6.00.30.00`` and ``BF-24.10-10`` order sensibly among themselves.
    """
    parts = re.findall(r"\d+|[A-Za-z]+", str(text or ""))
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in parts)


def _mismatch(field, expected, actual, message):
    return {"field": field, "expected": expected, "actual": actual, "message": message}


def check_profile(profile):
    """Raise InvalidInputError for keys that are not part of a hardware profile."""
    if not isinstance(profile, dict):
        raise InvalidInputError("Invalid hardware profile %r: expected a mapping." % (profile,))
    unknown = sorted(set(profile) - set(PROFILE_KEYS))
    if unknown:
        raise InvalidInputError("Unknown hardware profile keys: %s." % ", ".join(unknown),
                                hint="Use only %s." % ", ".join(PROFILE_KEYS))
    firmware = profile.get("min_firmware") or {}
    unknown = sorted(set(firmware) - set(FIRMWARE_FIELDS))
    if unknown:
        raise InvalidInputError("Unknown min_firmware keys: %s." % ", ".join(unknown),
                                hint="Use only %s." % ", ".join(FIRMWARE_FIELDS))


def compare(hardware, profile):
    """Return the list of ways ``hardware`` differs from ``profile`` (empty when it fits)."""
    check_profile(profile)
    found = []

    kind = profile.get("kind")
    if kind and hardware.get("kind") != kind:
        found.append(_mismatch("kind", kind, hardware.get("kind"),
                               "expected a %s, found a %s" % (kind, hardware.get("kind"))))

    gpus = hardware.get("gpus") or []
    if profile.get("gpu_count") is not None and len(gpus) != profile["gpu_count"]:
        found.append(_mismatch("gpu_count", profile["gpu_count"], len(gpus),
                               "expected %s GPUs, found %s" % (profile["gpu_count"], len(gpus))))
    model = profile.get("gpu_model")
    if model:
        wrong = sorted(set(str(g.get("model")) for g in gpus if model.lower() not in str(g.get("model") or "").lower()))
        if wrong:
            found.append(_mismatch("gpu_model", model, wrong,
                                   "expected every GPU to be a %s, found %s" % (model, ", ".join(wrong))))

    dpus = hardware.get("dpus") or []
    if profile.get("dpu_count") is not None and len(dpus) != profile["dpu_count"]:
        found.append(_mismatch("dpu_count", profile["dpu_count"], len(dpus),
                               "expected %s DPUs, found %s" % (profile["dpu_count"], len(dpus))))
    generation = profile.get("dpu_generation")
    if generation:
        wrong = sorted(set(str(d.get("generation")) for d in dpus if d.get("generation") != generation))
        if wrong or not dpus:
            found.append(_mismatch("dpu_generation", generation, wrong or None,
                                   "expected %s DPUs, found %s" % (generation, ", ".join(wrong) or "none")))

    minimum = profile.get("infiniband_nics")
    if minimum is not None:
        count = len([n for n in hardware.get("nics") or [] if n.get("link_type") == "infiniband"])
        if count < minimum:
            found.append(_mismatch("infiniband_nics", minimum, count,
                                   "expected at least %s InfiniBand adapters, found %s" % (minimum, count)))

    memory = profile.get("min_memory_gib")
    if memory is not None and (hardware.get("memory_gib") or 0) < memory:
        found.append(_mismatch("memory_gib", memory, hardware.get("memory_gib"),
                               "expected at least %s GiB of memory, found %s" % (memory, hardware.get("memory_gib"))))

    for field, minimum_version in sorted((profile.get("min_firmware") or {}).items()):
        actual = hardware.get(field)
        if actual is None or version_key(actual) < version_key(minimum_version):
            found.append(_mismatch(field, minimum_version, actual,
                                   "%s %s is older than the required %s" % (field, actual, minimum_version)))
    return found


def report_entry(name, hostvars):
    """Return one host's entry of the discovery report."""
    hardware = hostvars.get("hardware")
    if hardware is None:
        return {"host": name, "bmc_url": hostvars.get("bmc_url"), "status": "unreachable",
                "error": hostvars.get("bmc_error_reason"), "mismatches": []}
    profile = hostvars.get("hardware_profile")
    mismatches = compare(hardware, profile) if profile else []
    return {
        "host": name,
        "bmc_url": hostvars.get("bmc_url"),
        "status": "mismatch" if mismatches else ("ok" if profile else "no profile"),
        "profile": (profile or {}).get("name"),
        "kind": hardware.get("kind"),
        "vendor": hardware.get("vendor"),
        "model": hardware.get("model"),
        "serial": hardware.get("serial"),
        "power_state": hardware.get("power_state"),
        "health": hardware.get("health"),
        "firmware": {field: hardware.get(field) for field in FIRMWARE_FIELDS},
        "gpus": hardware.get("gpus") or [],
        "dpus": hardware.get("dpus") or [],
        "nics": hardware.get("nics") or [],
        "warnings": hostvars.get("bmc_warnings") or [],
        "mismatches": mismatches,
    }


def build_report(hostvars_by_name, names):
    """Return the discovery report for ``names`` (hosts in the order to show them)."""
    hosts = [report_entry(name, hostvars_by_name[name]) for name in names]
    summary = {"hosts": len(hosts)}
    for status in ("ok", "mismatch", "no profile", "unreachable"):
        summary[status.replace(" ", "_")] = len([h for h in hosts if h["status"] == status])
    summary["gpus"] = sum(len(h.get("gpus") or []) for h in hosts)
    summary["dpus"] = sum(len(h.get("dpus") or []) for h in hosts) + len(
        [h for h in hosts if h.get("kind") == "dpu"])
    return {"summary": summary, "hosts": hosts}
