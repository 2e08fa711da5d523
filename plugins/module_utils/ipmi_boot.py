# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The boot device override of an IPMI BMC: read, compare, set and verify.

The override lives in the "boot flags" parameter (5) of the System Boot Options (IPMI 2.0,
section 28.13).  Its first byte contains the valid bit (7), the persistent bit (6) and
the UEFI bit (5), and the second byte the boot device selector in bits 5..2.

Most BMCs clear the valid bit about 60 seconds after it was set unless a chassis reset or
power-on came first, whatever the request to keep it (parameter 3, bit 3).  A clear valid
bit therefore means "no override in effect", and a reset that should use the override
must set it again right before the reset (see ``reassert_boot_override``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_errors import (
    IpmiCommandError,
    IpmiVerifyError,
)

NETFN_CHASSIS = 0x00
CMD_SET_SYSTEM_BOOT_OPTIONS = 0x08
CMD_GET_SYSTEM_BOOT_OPTIONS = 0x09
PARAM_BOOT_INFO_ACKNOWLEDGE = 0x03
PARAM_BOOT_FLAGS = 0x05

# Parameter 3 ("boot flag valid bit clearing"), bit 3: do not clear the valid bit when no
# chassis reset or power-on follows within 60 seconds.
KEEP_VALID_BIT_AFTER_TIMEOUT = 0x08

VALID_BIT = 0x80
PERSISTENT_BIT = 0x40
UEFI_BIT = 0x20

# Module choice -> boot device selector (IPMI 2.0, table 28-14, boot flags data 2).
BOOT_DEVICES = {
    "default": 0x0,
    "network": 0x1,
    "disk": 0x2,
    "cdrom": 0x5,
    "bios_setup": 0x6,
}
_DEVICE_NAMES = {
    0x0: "default",
    0x1: "network",
    0x2: "disk",
    0x3: "disk_safe_mode",
    0x4: "diagnostic",
    0x5: "cdrom",
    0x6: "bios_setup",
    0x7: "remote_floppy",
    0x8: "remote_cdrom",
    0x9: "remote_media",
    0xB: "remote_disk",
    0xF: "floppy",
}


def device_name(selector):
    """Return the name of a boot device selector, or ``selector_0xN`` for reserved values."""
    return _DEVICE_NAMES.get(selector, "selector_0x%X" % selector)


def desired_boot_override(device, persistent=False, uefi=False):
    """Return the override to reach; ``default`` (no override) ignores the two flags."""
    if device not in BOOT_DEVICES:
        raise InvalidInputError("Invalid boot device %r." % (device,),
                                hint="Use one of: %s." % ", ".join(sorted(BOOT_DEVICES)))
    if device == "default":
        return {"device": "default", "persistent": False, "uefi": False}
    return {"device": device, "persistent": bool(persistent), "uefi": bool(uefi)}


def read_boot_flags(client):
    """Return the boot flags as the BMC reports them, with the valid bit."""
    operation = "Get System Boot Options (boot flags)"
    data = client.command(NETFN_CHASSIS, CMD_GET_SYSTEM_BOOT_OPTIONS, (PARAM_BOOT_FLAGS, 0, 0),
                          operation=operation)
    # data[0] is the parameter version and data[1] the parameter selector; the five bytes
    # of the boot flags follow.
    if len(data) < 4 or (data[1] & 0x7F) != PARAM_BOOT_FLAGS:
        raise IpmiCommandError(client.bmc, operation,
                               "the BMC returned %r instead of the boot flags parameter" % bytes(data))
    flags = data[2]
    selector = (data[3] >> 2) & 0x0F
    return {
        "valid": bool(flags & VALID_BIT),
        "persistent": bool(flags & PERSISTENT_BIT),
        "uefi": bool(flags & UEFI_BIT),
        "device": device_name(selector),
        "selector": selector,
    }


def current_boot_override(flags, ignore_valid_bit=False):
    """Return the override in effect according to ``flags`` (from read_boot_flags).

    With ``ignore_valid_bit``, a device selector the BMC reports counts even without the
    valid bit: some BMCs never set that bit in their response (OpenIPMI's ipmi_sim,
    for one), and then the selector is all that can be compared.
    """
    if flags["valid"] or (ignore_valid_bit and flags["selector"]):
        return {"device": flags["device"], "persistent": flags["persistent"], "uefi": flags["uefi"]}
    return {"device": "default", "persistent": False, "uefi": False}


def write_boot_override(client, desired):
    """Send the override to the BMC (no read-back; see apply and reassert below)."""
    # Ask the BMC to keep the valid bit past its 60-second timer.  This is optional in the
    # specification, so a BMC rejecting it is not an error: the re-assertion before a
    # reset covers BMCs that ignore or refuse it.
    try:
        client.command(NETFN_CHASSIS, CMD_SET_SYSTEM_BOOT_OPTIONS,
                       (PARAM_BOOT_INFO_ACKNOWLEDGE, KEEP_VALID_BIT_AFTER_TIMEOUT),
                       operation="Set System Boot Options (valid bit clearing)")
    except IpmiCommandError as exc:
        if exc.code is None:
            raise

    if desired["device"] == "default":
        first = 0x00  # a clear valid bit removes the override
    else:
        first = VALID_BIT
        if desired["persistent"]:
            first |= PERSISTENT_BIT
        if desired["uefi"]:
            first |= UEFI_BIT
    second = BOOT_DEVICES[desired["device"]] << 2
    client.command(NETFN_CHASSIS, CMD_SET_SYSTEM_BOOT_OPTIONS, (PARAM_BOOT_FLAGS, first, second, 0, 0, 0),
                   operation="Set System Boot Options (boot flags)")


def verify_boot_override(client, desired, ignore_valid_bit=False):
    """Read the override back and raise IpmiVerifyError when it is not ``desired``."""
    flags = read_boot_flags(client)
    current = current_boot_override(flags, ignore_valid_bit)
    if current != desired:
        raise IpmiVerifyError(
            client.bmc, "verify the boot override",
            "the BMC accepted boot device %s (persistent: %s, UEFI: %s) but reports %s "
            "(persistent: %s, UEFI: %s, valid bit: %s)"
            % (desired["device"], desired["persistent"], desired["uefi"], current["device"],
               current["persistent"], current["uefi"], "set" if flags["valid"] else "clear"))
    return current


def apply_boot_override(client, desired, check_mode=False, ignore_valid_bit=False):
    """Bring the override to ``desired``; return ``changed``, ``before`` and ``after``."""
    before = current_boot_override(read_boot_flags(client), ignore_valid_bit)
    changed = before != desired
    result = {"changed": changed, "before": before, "after": desired if changed else before}
    if not changed or check_mode:
        return result

    write_boot_override(client, desired)
    result["after"] = verify_boot_override(client, desired, ignore_valid_bit)
    return result


def reassert_boot_override(client, desired, ignore_valid_bit=False):
    """Set the override again and verify it, right before a reset or power-on.

    Called whatever the current flags are, because a once-only override set earlier in the play
    has often expired by then, and setting it again costs one command.
    """
    write_boot_override(client, desired)
    return verify_boot_override(client, desired, ignore_valid_bit)
