# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""An IPMI-over-LAN client for one BMC, built on pyghmi.

pyghmi does the RMCP+ session (RAKP authentication, integrity, AES encryption) and the
framing of every command.  This class adds what the modules and the inventory need on top:
the cipher suite choice, one deadline per operation, bounded retries while the BMC reports
that it is busy or initialising, and typed errors that name the BMC and the completion code.

pyghmi's session code keeps its own retransmissions and gives up after several seconds
whatever the caller wants, so each pyghmi call runs in a worker thread that the client
stops waiting for once the timeout has passed.  A client whose call timed out refuses
further calls, because its session is in an unknown state.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import hashlib
import struct
import threading

try:
    from pyghmi import exceptions as pyghmi_exceptions
    from pyghmi.ipmi import command as pyghmi_command
    from pyghmi.ipmi.private import session as pyghmi_session
    HAS_PYGHMI = True
    PYGHMI_IMPORT_ERROR = None
except ImportError as import_error:  # reported by the caller through missing_required_lib
    HAS_PYGHMI = False
    PYGHMI_IMPORT_ERROR = import_error

if HAS_PYGHMI:
    class _ClientSession(pyghmi_session.Session):
        """pyghmi's session, without the wait for a response that has already arrived.

        pyghmi's I/O thread may queue a BMC's response before the calling thread starts
        waiting for it.  The caller then sleeps until the retransmission timer fires (0.5 to
        1.5 s per command), so processing the queue first removes that delay.
        """

        def awaitresponse(self, retry, netfn, command):
            self.process_pktqueue()
            if not pyghmi_session.unmatched(self.lastresponse, netfn, command):
                return
            super(_ClientSession, self).awaitresponse(retry, netfn, command)

    class _CipherSuite3Session(_ClientSession):
        """The session above, proposing cipher suite 3 (RAKP-HMAC-SHA1, AES-CBC-128) only.

        pyghmi proposes cipher suite 17 (SHA-256) first and falls back to 3 only when the
        BMC rejects the proposal; some BMCs accept it and then fail the handshake, so
        cipher_suite=3 skips the proposal altogether.
        """

        def _initsession(self):
            super(_CipherSuite3Session, self)._initsession()
            self.attemptedhash = 1

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_endpoints import (
    DEFAULT_PORT,
    format_bmc,
    normalise_cipher_suite,
)
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_errors import (
    BUSY_CODES,
    IpmiAuthError,
    IpmiBusyError,
    IpmiCipherSuiteError,
    IpmiCommandError,
    IpmiConnectionError,
    IpmiError,
    IpmiTimeoutError,
    IpmiUnsupportedError,
    describe_code,
)
from ansible_collections.aifactory.infra.plugins.module_utils.retry import RetryPolicy

# IPMI 2.0 limits: 16 bytes for a user name (pyghmi enforces it too), 20 for a password.
MAX_USERNAME_BYTES = 16
MAX_PASSWORD_BYTES = 20

# Texts pyghmi reports when the BMC rejected the login, rather than a completion code.
_AUTH_FAILURE_TEXTS = (
    "Incorrect password",
    "Unauthorized name",
    "Unauthorized role",
    "Invalid role",
    "wrong Kg",
    "privilege",
)

# pyghmi sometimes raises a completion code's text without the code; these map it back.
_BUSY_TEXTS = (("Node Busy", 0xC0), ("BMC initialization in progress", 0xD2))

# Network functions and commands of the IPMI 2.0 specification that the client sends itself.
NETFN_CHASSIS = 0x00
NETFN_APP = 0x06
CMD_GET_CHASSIS_STATUS = 0x01
CMD_GET_DEVICE_ID = 0x01
CMD_GET_SYSTEM_GUID = 0x37


def decode_kg(kg):
    """Return the Kg key as bytes: ``0x`` followed by hex digits, or the text's UTF-8 bytes.

    BMC web interfaces show Kg as hexadecimal (iDRAC's 40-digit encryption key, for one),
    while ipmitool's ``-k`` option takes text, so both forms are accepted.
    """
    if kg is None or kg == "":
        return None
    if kg[:2].lower() == "0x":
        try:
            return binascii.unhexlify(kg[2:])
        except (binascii.Error, TypeError, ValueError):
            # The value is a secret: the message describes it without repeating it.
            raise InvalidInputError(
                "Invalid kg: it starts with 0x but the rest is not an even number of hexadecimal digits.",
                hint="Give the key as 0x followed by its hexadecimal digits, or as plain text without 0x.")
    return kg.encode("utf-8")


def check_credentials(username, password):
    """Raise InvalidInputError when the credentials exceed what IPMI 2.0 can carry."""
    if not username:
        raise InvalidInputError("The username is missing.", hint="Give the BMC user name.")
    if len(username.encode("utf-8")) > MAX_USERNAME_BYTES:
        raise InvalidInputError("Invalid username %r: IPMI allows at most %d bytes." % (username, MAX_USERNAME_BYTES))
    if password is None:
        raise InvalidInputError("The password is missing.", hint="Give the BMC password.")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise InvalidInputError(
            "Invalid password: it is %d bytes long and IPMI 2.0 allows at most %d."
            % (len(password.encode("utf-8")), MAX_PASSWORD_BYTES),
            hint="Use a shorter password for the BMC's IPMI account.")


class IpmiRetryPolicy(RetryPolicy):
    """The collection's retry policy, retrying only what an IPMI BMC reports as busy."""

    def is_retryable(self, error):
        # IPMI has no Retry-After, so the inherited delay_for backs off exponentially.
        return isinstance(error, IpmiBusyError)


def error_for_code(bmc, operation, code):
    """Return the typed error for a completion code other than success."""
    if code in BUSY_CODES:
        return IpmiBusyError(bmc, operation, "the BMC returned completion code %s" % describe_code(code), code=code)
    if code == 0xD4:
        return IpmiAuthError(bmc, operation, "the BMC returned completion code %s" % describe_code(code), code=code)
    if code in (0xC1, 0xD6):
        return IpmiUnsupportedError(
            bmc, operation, "the BMC returned completion code %s" % describe_code(code), code=code,
            hint="This BMC does not implement the command; use Redfish or the vendor's tool for it.")
    return IpmiCommandError(bmc, operation, "the BMC returned completion code %s" % describe_code(code), code=code)


class IpmiClient:
    """An IPMI session with one BMC; use it as a context manager.

    ``cipher_suite`` is None (17 when the BMC offers it, else 3), 17 (fail when the BMC
    only offers 3) or 3.  ``timeout`` bounds every operation in seconds, opening
    the session included.  ``retry_policy`` decides the retries while the BMC is busy.
    """

    def __init__(self, host, username, password, port=DEFAULT_PORT, kg=None, cipher_suite=None,
                 timeout=20, retry_policy=None):
        cipher_suite = normalise_cipher_suite(cipher_suite)
        if not host:
            raise InvalidInputError("The BMC host is missing.", hint="Give its address or DNS name.")
        if not isinstance(port, int) or not 0 < port < 65536:
            raise InvalidInputError("Invalid port %r: give a UDP port from 1 to 65535." % (port,))
        if timeout is None or timeout <= 0:
            raise InvalidInputError("Invalid timeout %r: give a number of seconds above 0." % (timeout,))
        check_credentials(username, password)
        if not HAS_PYGHMI:
            raise InvalidInputError("The Python library pyghmi is not installed (%s)." % PYGHMI_IMPORT_ERROR,
                                    hint="Install it on the controller: pip install pyghmi.")

        self.host = host
        self.port = port
        self.bmc = format_bmc(host, port)
        self.timeout = float(timeout)
        self.requested_cipher_suite = cipher_suite
        self.cipher_suite = None
        self.retry_policy = retry_policy or IpmiRetryPolicy(attempts=4, budget=60)
        # pyghmi stores credentials encoded but compares them as given when it looks for
        # a session to reuse, so passing bytes keeps both sides equal (see _open).
        self._username = username.encode("utf-8")
        self._password = password.encode("utf-8")
        self._kg = decode_kg(kg)
        self._command = None
        self._abandoned = False

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc_info):
        self.close()

    # Session

    def connect(self):
        """Open the session; raise a typed error naming the BMC when that fails."""
        self._command = self.retry_policy.call(lambda: self._run("open session", self._open))
        self.cipher_suite = self._negotiated_cipher_suite()
        if self.requested_cipher_suite == 17 and self.cipher_suite != 17:
            self.close()
            raise IpmiCipherSuiteError(
                self.bmc, "open session",
                "cipher suite 17 was required but the BMC accepted only cipher suite %s" % self.cipher_suite)

    def _open(self):
        # pyghmi's Command would open a session of pyghmi's own class.  It finds this
        # one, logged in with the same credentials, in pyghmi's session table and reuses it.
        session_class = _CipherSuite3Session if self.requested_cipher_suite == 3 else _ClientSession
        session_class(bmc=self.host, userid=self._username, password=self._password, port=self.port, kg=self._kg)
        return pyghmi_command.Command(bmc=self.host, userid=self._username, password=self._password,
                                      port=self.port, kg=self._kg)

    def _negotiated_cipher_suite(self):
        session = self._command.ipmi_session
        hash_function = getattr(session, "currhashlib", None)
        if hash_function is None:
            return None
        return 17 if hash_function().name == hashlib.sha256().name else 3

    def close(self):
        """Log out of the BMC; errors are ignored because the session ends either way."""
        command, self._command = self._command, None
        if command is None or self._abandoned:
            return
        try:
            self._run("close session", command.ipmi_session.logout, timeout=min(self.timeout, 5))
        except IpmiError:
            pass

    # Calls

    def _run(self, operation, function, timeout=None):
        """Run ``function()`` in a worker thread; raise IpmiTimeoutError after the timeout."""
        if self._abandoned:
            raise IpmiConnectionError(self.bmc, operation,
                                      "an earlier operation timed out and left the session unusable")
        timeout = self.timeout if timeout is None else timeout
        outcome = {}

        def target():
            try:
                outcome["value"] = function()
            except Exception as exc:  # pylint: disable=broad-except
                # Anything pyghmi raises, including its own programming errors on odd
                # responses, becomes a typed error in the calling thread.
                outcome["error"] = exc

        worker = threading.Thread(target=target, name="ipmi %s %s" % (self.bmc, operation))
        worker.daemon = True
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            self._abandoned = True
            raise IpmiTimeoutError(self.bmc, operation, "no response within %gs" % timeout,
                                   hint="Check that the address and port belong to a BMC with IPMI "
                                        "over LAN enabled, or raise the timeout for a slow BMC.")
        if "error" in outcome:
            raise self._translate(outcome["error"], operation)
        return outcome.get("value")

    def _translate(self, error, operation):
        """Return the typed error for anything a pyghmi call raised."""
        if isinstance(error, IpmiError):
            return error
        if HAS_PYGHMI and isinstance(error, pyghmi_exceptions.IpmiException):
            code = getattr(error, "ipmicode", 0) or 0
            text = str(error) if error.args and error.args[0] else ""
            if code and code != 0xFFFF:
                return error_for_code(self.bmc, operation, code)
            for busy_text, busy_code in _BUSY_TEXTS:
                if text.startswith(busy_text):
                    return error_for_code(self.bmc, operation, busy_code)
            if any(marker.lower() in text.lower() for marker in _AUTH_FAILURE_TEXTS):
                return IpmiAuthError(self.bmc, operation, "the BMC rejected the login: %s" % text)
            if not text or text in ("timeout", "Session no longer connected"):
                return IpmiConnectionError(self.bmc, operation, "the BMC did not respond or dropped the session")
            return IpmiCommandError(self.bmc, operation, text)
        if isinstance(error, (struct.error, IndexError, KeyError, TypeError, ValueError, AssertionError)):
            return IpmiConnectionError(
                self.bmc, operation,
                "the BMC sent a response pyghmi could not decode (%s: %s)" % (type(error).__name__, error),
                hint="The BMC firmware may not follow the IPMI 2.0 specification; try cipher_suite 3.")
        return IpmiError(self.bmc, operation, "unexpected %s: %s" % (type(error).__name__, error))

    def command(self, netfn, command, data=(), operation=None):
        """Send one raw IPMI request and return the response data as a bytearray.

        A busy BMC is asked again under the retry policy; any other completion code than
        success raises the matching typed error.
        """
        operation = operation or "command netfn 0x%02X cmd 0x%02X" % (netfn, command)

        def attempt():
            response = self._run(operation, lambda: self._session_command().raw_command(
                netfn=netfn, command=command, data=list(data)))
            code = response.get("code", 0)
            if code and code != 0xFFFF:
                raise error_for_code(self.bmc, operation, code)
            if "error" in response:
                raise IpmiConnectionError(self.bmc, operation, "the BMC did not respond (%s)" % response["error"])
            return bytearray(response.get("data") or b"")

        return self.retry_policy.call(attempt)

    def call(self, operation, function):
        """Run ``function(pyghmi_command)`` under the deadline and the retry policy."""
        return self.retry_policy.call(lambda: self._run(operation, lambda: function(self._session_command())))

    def _session_command(self):
        if self._command is None:
            raise IpmiConnectionError(self.bmc, "command", "the session is not open")
        return self._command

    # Standard reads every caller needs

    def power_state(self):
        """Return ``On`` or ``Off`` from Get Chassis Status."""
        data = self.command(NETFN_CHASSIS, CMD_GET_CHASSIS_STATUS, operation="Get Chassis Status")
        if not data:
            raise IpmiCommandError(self.bmc, "Get Chassis Status", "the BMC returned no data")
        return "On" if data[0] & 0x01 else "Off"

    def device_id(self):
        """Return the Get Device ID fields: ids, firmware revision, IPMI version, device support."""
        data = self.command(NETFN_APP, CMD_GET_DEVICE_ID, operation="Get Device ID")
        if len(data) < 11:
            raise IpmiCommandError(self.bmc, "Get Device ID",
                                   "the BMC returned %d bytes instead of at least 11" % len(data))
        minor = data[3]
        return {
            "device_id": data[0],
            "device_revision": data[1] & 0x0F,
            "firmware_version": "%d.%02X" % (data[2] & 0x7F, minor),
            "ipmi_version": "%d.%d" % (data[4] & 0x0F, data[4] >> 4),
            "manufacturer_id": data[6] | (data[7] << 8) | ((data[8] & 0x0F) << 16),
            "product_id": data[9] | (data[10] << 8),
            "additional_device_support": data[5],
        }

    def system_guid(self):
        """Return the system GUID as a UUID string, or None when the BMC has none.

        The GUID is sent in the byte order of SMBIOS (the first three fields little
        endian), the same order the host's firmware reports it in.
        """
        try:
            data = self.command(NETFN_APP, CMD_GET_SYSTEM_GUID, operation="Get System GUID")
        except IpmiUnsupportedError:
            return None
        except IpmiCommandError as exc:
            if exc.code in (0xCB, 0xCC, 0xD5):
                return None
            raise
        if len(data) < 16 or not any(data[:16]):
            return None
        raw = bytes(data[:16])
        fields = struct.unpack("<IHH", raw[:8])
        tail = binascii.hexlify(raw[8:16]).decode()
        return "%08x-%04x-%04x-%s-%s" % (fields[0], fields[1], fields[2], tail[:4], tail[4:])
