"""The BMC side of the RMCP+ session handshake (IPMI 2.0, section 13.28), with two cipher suites.

pyghmi's server session always responds with cipher suite 3, whatever the client proposed,
silently drops a login with an unknown user name, and ignores a wrong RAKP 3.  Real BMCs do
none of this, and IPMI clients depend on the difference: they fall back from cipher suite
17 to 3 only when the BMC rejects 17 in the Open Session response.  This subclass answers
the way the specification says:

* the Open Session response accepts cipher suite 17 (RAKP-HMAC-SHA256, HMAC-SHA256-128,
  AES-CBC-128) or 3 (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128) when the BMC offers it, and
  rejects any other proposal with status 11h (no matching cipher suite);
* RAKP 2 carries status 0Dh (unauthorized name) for an unknown user;
* RAKP 4 carries status 0Fh (invalid integrity check value) for a wrong RAKP 3.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct

from pyghmi.ipmi.private import constants
from pyghmi.ipmi.private import serversession

# Cipher suite id -> (authentication, integrity, confidentiality) algorithm numbers.
CIPHER_SUITES = {
    17: (0x03, 0x04, 0x01),
    3: (0x01, 0x01, 0x01),
}
# Cipher suite id -> (hash of RAKP and integrity, length of the integrity check value).
SUITE_HASHES = {
    17: (hashlib.sha256, 16),
    3: (hashlib.sha1, 12),
}

STATUS_NO_CIPHER_SUITE_MATCH = 0x11
STATUS_UNAUTHORIZED_NAME = 0x0D
STATUS_INVALID_INTEGRITY_CHECK = 0x0F


def _algorithm(request: bytes, offset: int) -> int | None:
    """Return the algorithm of one payload record of an Open Session request, None for "any"."""
    if len(request) < offset + 5 or request[offset + 3] == 0:
        return None
    return request[offset + 4] & 0x3F


def choose_cipher_suite(request: bytes, offered: list[int]) -> int | None:
    """Return the offered cipher suite that matches the request's algorithms, or None."""
    wanted = (_algorithm(request, 8), _algorithm(request, 16), _algorithm(request, 24))
    for suite in offered:
        algorithms = CIPHER_SUITES[suite]
        if all(want is None or want == have for want, have in zip(wanted, algorithms)):
            return suite
    return None


class LabServerSession(serversession.ServerSession):
    """One client's session with a lab BMC (``self.bmc``, a lab.ipmi.bmc.LabBmc)."""

    suite = 3

    def create_open_session_response(self, request):
        request = bytes(request)
        tag = request[0]
        self.clientsessionid = bytearray(request[4:8])
        suite = choose_cipher_suite(request, self.bmc.cipher_suites)
        if suite is None:
            self.bmc.log("open session rejected: no offered cipher suite matches the proposal")
            return bytearray([tag, STATUS_NO_CIPHER_SUITE_MATCH, 0, 0]) + self.clientsessionid

        self.suite = suite
        self.currhashlib, self.currhashlen = SUITE_HASHES[suite]
        self.managedsessionid = bytearray(os.urandom(4))
        self.privlevel = 4
        authentication, integrity, confidentiality = CIPHER_SUITES[suite]
        return (bytearray([tag, 0, self.privlevel, 0]) + self.clientsessionid + self.managedsessionid
                + bytearray([0, 0, 0, 8, authentication, 0, 0, 0,
                             1, 0, 0, 8, integrity, 0, 0, 0,
                             2, 0, 0, 8, confidentiality, 0, 0, 0]))

    def _got_rakp1(self, data):
        data = bytes(data)
        tag = data[0]
        self.Rm = data[8:24]
        self.rolem = data[24]
        self.maxpriv = self.rolem & 0b111
        self.username = data[28:28 + data[27]]
        password = None
        if not self.bmc.faults.get("reject_credentials"):
            password = self.authdata.get(self.username.decode("utf-8", errors="replace"))
        if password is None:
            self.bmc.log("RAKP 1 rejected: unknown user name")
            self.send_payload(bytearray([tag, STATUS_UNAUTHORIZED_NAME, 0, 0]) + self.clientsessionid,
                              constants.payload_types["rakp2"], retry=False)
            return

        self.uuiddata = self.uuid.bytes
        self.Rc = os.urandom(16)
        self.kuid = password.encode("utf-8")
        hmacdata = (bytes(self.clientsessionid) + bytes(self.managedsessionid) + self.Rm + self.Rc
                    + self.uuiddata + bytes([self.rolem, len(self.username)]) + self.username)
        authcode = hmac.new(self.kuid, hmacdata, self.currhashlib).digest()
        message = bytearray([tag, 0, 0, 0]) + self.clientsessionid + self.Rc + self.uuiddata + authcode
        self.send_payload(message, constants.payload_types["rakp2"], retry=False)

    def _got_rakp3(self, data):
        data = bytes(data)
        tag = data[0]
        if data[1] != 0:
            return  # the client rejected RAKP 2 (for example a wrong password on its side)

        expected = hmac.new(self.kuid, self.Rc + bytes(self.clientsessionid)
                            + struct.pack("2B", self.rolem, len(self.username)) + self.username,
                            self.currhashlib).digest()
        if not hmac.compare_digest(expected, data[8:8 + len(expected)]):
            self.bmc.log("RAKP 3 rejected: wrong integrity check value")
            self._send_rakp4(tag, STATUS_INVALID_INTEGRITY_CHECK)
            return

        # The BMC key (Kg) keys the session integrity keys; without one, the password does.
        kg = self.bmc.kg or self.kuid
        self.sik = hmac.new(kg, self.Rm + self.Rc + struct.pack("2B", self.rolem, len(self.username))
                            + self.username, self.currhashlib).digest()
        self.k1 = hmac.new(self.sik, b"\x01" * 20, self.currhashlib).digest()
        self.k2 = hmac.new(self.sik, b"\x02" * 20, self.currhashlib).digest()
        self.aeskey = self.k2[0:16]
        self.localsid = struct.unpack("<I", bytes(self.managedsessionid))[0]
        self.ipmicallback = self.handle_client_request
        self._send_rakp4(tag, 0)
        self.bmc.log("session opened with cipher suite %d" % self.suite)
        self.bmc.sessions_opened += 1

    def _send_rakp4(self, tag, status):
        payload = bytearray([tag, status, 0, 0]) + self.clientsessionid
        if status == 0:
            icv = hmac.new(self.sik, self.Rm + bytes(self.managedsessionid) + self.uuiddata,
                           self.currhashlib).digest()[:self.currhashlen]
            payload += icv
        self.send_payload(payload, constants.payload_types["rakp4"], retry=False)
        if status != 0:
            return
        self.confalgo = "aes"
        self.integrityalgo = self.suite
        self.sequencenumber = 1
        self.sessionid = struct.unpack("<I", bytes(self.clientsessionid))[0]
