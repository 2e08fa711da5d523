"""Sessions and credential checks of one emulated BMC."""

from __future__ import annotations

import base64
import binascii
import hmac
import itertools
import secrets
import time
from dataclasses import dataclass


@dataclass
class Session:
    id: str
    token: str
    username: str
    last_used: float


class SessionTable:
    """Live sessions of one BMC, expired after `timeout_s` seconds without a request."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._by_token: dict[str, Session] = {}
        self._ids = itertools.count(1)

    def create(self, username: str) -> Session:
        session = Session(
            id=str(next(self._ids)),
            token=secrets.token_hex(16),
            username=username,
            last_used=time.monotonic(),
        )
        self._by_token[session.token] = session
        return session

    def lookup(self, token: str) -> Session | None:
        """Return the session of `token` and renew it, or None when unknown or expired."""
        self.expire()
        session = self._by_token.get(token)
        if session is not None:
            session.last_used = time.monotonic()
        return session

    def delete(self, session_id: str) -> Session | None:
        for token, session in list(self._by_token.items()):
            if session.id == session_id:
                del self._by_token[token]
                return session
        return None

    def expire(self) -> list[Session]:
        """Drop the sessions idle for longer than the timeout and return them."""
        now = time.monotonic()
        expired = [s for s in self._by_token.values() if now - s.last_used > self.timeout_s]
        for session in expired:
            del self._by_token[session.token]
        return expired

    def all(self) -> list[Session]:
        self.expire()
        return sorted(self._by_token.values(), key=lambda s: int(s.id))

    def clear(self) -> None:
        self._by_token.clear()


def parse_basic(header: str) -> tuple[str, str] | None:
    """Return (username, password) from an `Authorization: Basic` header, else None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, separator, password = decoded.partition(":")
    if not separator:
        return None
    return username, password


def credentials_match(username: str, password: str, expected_user: str, expected_password: str) -> bool:
    """Compare credentials in constant time so the lab shows the habit it tests for."""
    user_ok = hmac.compare_digest(username.encode(), expected_user.encode())
    password_ok = hmac.compare_digest(password.encode(), expected_password.encode())
    return user_ok and password_ok
