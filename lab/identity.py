"""Deterministic synthetic identities (serial numbers, MAC addresses, UUIDs).

Every value derives from the BMC name and a purpose string, so a BMC shows the same
hardware identity on every start and two BMCs never share one.
"""

from __future__ import annotations

import hashlib
import uuid

# Fixed namespace for the lab's name-based UUIDs (uuid5).
_NAMESPACE = uuid.UUID("5f0c8a52-7d8e-4c4f-9a57-2f1f1c3e6a10")
_ALPHANUMERIC = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class Identity:
    """Identity values for one BMC, seeded by its name."""

    def __init__(self, seed: str) -> None:
        self.seed = seed

    def _digest(self, purpose: str) -> bytes:
        return hashlib.sha256(f"{self.seed}/{purpose}".encode()).digest()

    def serial(self, purpose: str, prefix: str = "", length: int = 10, digits_only: bool = False) -> str:
        alphabet = "0123456789" if digits_only else _ALPHANUMERIC
        digest = self._digest(purpose)
        body = "".join(alphabet[byte % len(alphabet)] for byte in digest[:length])
        return prefix + body

    def mac(self, purpose: str) -> str:
        """Return a locally administered unicast MAC, so it can never clash with real hardware."""
        octets = bytearray(self._digest(purpose)[:6])
        octets[0] = (octets[0] & 0xFC) | 0x02
        return ":".join(f"{octet:02x}" for octet in octets)

    def uuid(self, purpose: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.seed}/{purpose}"))

    def guid(self, purpose: str) -> str:
        """Return a 64-bit GUID in Redfish notation (`xxxx:xxxx:xxxx:xxxx`), as InfiniBand ports have."""
        digits = self._digest(purpose)[:8].hex()
        return ":".join(digits[i : i + 4] for i in range(0, 16, 4))

    def number(self, purpose: str, low: int, high: int) -> int:
        value = int.from_bytes(self._digest(purpose)[:4], "big")
        return low + value % (high - low + 1)
