# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Typed exceptions of the IPMI client.

Every message names the BMC as ``host:port``, the operation and the IPMI completion code
when the BMC returned one, and the hint tells what to check.  No message ever contains the
password or the Kg key.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import AifactoryError

# Completion codes from the IPMI 2.0 specification, table 5-2, with the names used in
# messages.  The codes missing here are reported by number.
COMPLETION_CODES = {
    0xC0: "node busy",
    0xC1: "invalid command",
    0xC2: "command invalid for given LUN",
    0xC3: "timeout while processing command",
    0xC4: "out of space",
    0xC5: "reservation canceled or invalid reservation ID",
    0xC6: "request data truncated",
    0xC7: "request data length invalid",
    0xC8: "request data field length limit exceeded",
    0xC9: "parameter out of range",
    0xCA: "cannot return number of requested data bytes",
    0xCB: "requested sensor, data, or record not present",
    0xCC: "invalid data field in request",
    0xCD: "command illegal for specified sensor or record type",
    0xCE: "command response could not be provided",
    0xCF: "cannot execute duplicated request",
    0xD0: "SDR repository in update mode",
    0xD1: "device in firmware update mode",
    0xD2: "BMC initialization or initialization agent in progress",
    0xD3: "destination unavailable",
    0xD4: "insufficient privilege level",
    0xD5: "command not supported in present state",
    0xD6: "command sub-function disabled or unavailable",
    0xFF: "unspecified error",
}

# Completion codes that mean "busy, ask again later".
BUSY_CODES = (0xC0, 0xD2)


def describe_code(code):
    """Return ``0xD2 (BMC initialization ... in progress)`` for a completion code."""
    name = COMPLETION_CODES.get(code)
    if name:
        return "0x%02X (%s)" % (code, name)
    return "0x%02X" % code


class IpmiError(AifactoryError):
    """An IPMI operation on one BMC failed.

    ``bmc`` is ``host:port``, ``operation`` what was attempted (``Get Chassis Status``,
    ``open session``) and ``code`` the completion code, or None when the BMC sent none.
    """

    default_hint = None

    def __init__(self, bmc, operation, reason, code=None, hint=None):
        self.bmc = bmc
        self.operation = operation
        self.reason = reason
        self.code = code
        message = "BMC %s (IPMI): %s failed: %s." % (bmc, operation, str(reason).rstrip("."))
        super(IpmiError, self).__init__(message, hint or self.default_hint)


class IpmiConnectionError(IpmiError):
    """No IPMI session could be opened: the BMC did not respond or broke the session."""

    default_hint = ("Check the address and port (IPMI over LAN uses UDP 623), that IPMI over "
                    "LAN is enabled on the BMC, and that no firewall drops UDP to it.")


class IpmiTimeoutError(IpmiConnectionError):
    """The BMC did not respond within the configured timeout."""


class IpmiAuthError(IpmiError):
    """The BMC rejected the user name, the password, the Kg key or the privilege level."""

    default_hint = ("Check the username and password, the Kg key when the BMC has one set, "
                    "and that the account has the administrator or operator privilege on "
                    "the LAN channel.")


class IpmiCipherSuiteError(IpmiError):
    """The BMC does not offer the cipher suite that was required."""

    default_hint = ("Leave cipher_suite unset to accept cipher suite 3 from a BMC without "
                    "cipher suite 17, or enable cipher suite 17 on the BMC.")


class IpmiCommandError(IpmiError):
    """The BMC returned a completion code other than success."""


class IpmiBusyError(IpmiCommandError):
    """The BMC is busy or still initialising (completion code 0xC0 or 0xD2)."""

    default_hint = ("The BMC may still be starting after a reset or an AC power cycle; run "
                    "again in a minute, or raise retries.")


class IpmiUnsupportedError(IpmiCommandError):
    """The BMC does not implement the command or the parameter (0xC1, 0xCC on a read)."""


class IpmiVerifyError(IpmiError):
    """The BMC accepted a change but reports a different state when read back."""

    default_hint = ("The BMC may ignore this setting; check its firmware release notes, or "
                    "set the value once in the BMC's web interface.")
