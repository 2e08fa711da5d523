# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What GPUs, DPUs and network adapters look like in BMC data.

One table per kind of recognition, so that a new GPU family or BlueField part number is a
one-line change here rather than a new branch in the introspection logic.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# PCI vendor ids of GPU and AI accelerator makers.
GPU_VENDOR_IDS = {
    "0x10de": "NVIDIA",
    "0x1002": "AMD",
    "0x1da3": "Intel",  # Habana Labs (Gaudi), now part of Intel
}

# PCI device classes of GPUs and compute accelerators (Redfish DeviceClass, class code).
GPU_DEVICE_CLASSES = ("DisplayController", "ProcessingAccelerator", "ProcessingAccelerators")
GPU_CLASS_CODE_PREFIXES = ("0x03", "0x12")

_GPU_VENDOR_NAMES = (
    ("nvidia", "NVIDIA"),
    ("advanced micro devices", "AMD"),
    ("amd", "AMD"),
    ("habana", "Intel"),
)

# Model names of data-centre GPUs and accelerators, as BMCs print them.
_GPU_MODEL = re.compile(
    r"\b(?:[HAB]100|H200|H800|A800|A30|A40|A10|L40S?|L4|B200|B300|GB200|GB300|GH200|"
    r"RTX|Quadro|Tesla|V100|MI\d{3}[AX]?|Instinct|Gaudi\d?)\b",
    re.IGNORECASE)

_BLUEFIELD = re.compile(r"blue\s*field[\s-]*(\d)?", re.IGNORECASE)

# Part-number prefixes of BlueField cards, for BMCs that report only the part number.
BLUEFIELD_PART_PREFIXES = (
    ("MBF1", "BlueField-1"),
    ("MBF2", "BlueField-2"),
    ("900-9D3B6", "BlueField-3"),
    ("900-9D3B4", "BlueField-3"),
    ("900-9D3D4", "BlueField-3"),
    ("900-9D3C6", "BlueField-3"),
)

_INFINIBAND_HINTS = re.compile(r"infiniband|\b(?:NDR|HDR|EDR|XDR)\b|VPI", re.IGNORECASE)

# ConnectX part numbers that are InfiniBand-only cards: MCX75* (ConnectX-7 NDR) and
# MCX65*/MCX75* single-port OSFP cards ship in InfiniBand mode.
_INFINIBAND_PARTS = re.compile(r"^MCX(?:75|65|55)\d", re.IGNORECASE)

_PLACEHOLDERS = ("", "n/a", "na", "none", "null", "unknown", "not available", "to be filled by o.e.m.")


def clean(value):
    """Return a stripped string, or None for the placeholders BMCs use for 'unknown'."""
    if value is None:
        return None
    text = str(value).strip()
    if text.lower() in _PLACEHOLDERS:
        return None
    return text


def gpu_model_in(text):
    """True when ``text`` contains the model name of a GPU or accelerator."""
    return bool(text) and bool(_GPU_MODEL.search(text))


def is_gpu_vendor_name(text):
    return gpu_vendor_from_name(text) is not None


def gpu_vendor_from_name(text):
    """Return NVIDIA, AMD or Intel when ``text`` names a GPU maker, else None."""
    if not text:
        return None
    lowered = str(text).lower()
    for needle, vendor in _GPU_VENDOR_NAMES:
        if re.search(r"\b%s\b" % re.escape(needle), lowered):
            return vendor
    return None


def gpu_vendor_from_id(vendor_id):
    if not vendor_id:
        return None
    return GPU_VENDOR_IDS.get(str(vendor_id).lower())


def is_gpu_function(function):
    """True for a PCIe function of a GPU vendor with a display or accelerator class."""
    if not isinstance(function, dict) or gpu_vendor_from_id(function.get("VendorId")) is None:
        return False
    if function.get("DeviceClass") in GPU_DEVICE_CLASSES:
        return True
    code = str(function.get("ClassCode") or "").lower()
    # ClassCode is 0xCCSSPP; some BMCs drop the leading zeros of the class byte.
    digits = code[2:] if code.startswith("0x") else code
    digits = digits.rjust(6, "0")
    return ("0x" + digits[:2]) in GPU_CLASS_CODE_PREFIXES


def looks_like_bluefield(text):
    return bool(text) and bool(_BLUEFIELD.search(str(text)))


def bluefield_generation(model=None, part_number=None):
    """Return ``BlueField-N`` from a model name or part number, or None."""
    match = _BLUEFIELD.search(str(model or ""))
    if match and match.group(1):
        return "BlueField-%s" % match.group(1)
    part = str(part_number or "").upper()
    for prefix, generation in BLUEFIELD_PART_PREFIXES:
        if part.startswith(prefix):
            return generation
    if match:
        return "BlueField"
    return None


def link_type_hint(*texts):
    """Return ``infiniband`` when a model, id or part number says so, else None."""
    for text in texts:
        if not text:
            continue
        if _INFINIBAND_HINTS.search(str(text)) or _INFINIBAND_PARTS.search(str(text)):
            return "infiniband"
    return None


def memory_gib_from_model(model):
    """Return the memory size printed in a GPU model name such as ``H100 80GB HBM3``."""
    match = re.search(r"(\d+)\s*GB\b", str(model or ""), re.IGNORECASE)
    return int(match.group(1)) if match else None
