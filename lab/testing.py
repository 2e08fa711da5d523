"""Helpers for tests that run against the lab (used by tests/integration/test_lab_*.py)."""

from __future__ import annotations

import socket
from pathlib import Path

import requests

from lab.runner import REPO_ROOT, Lab

# Material every developer has next to the repository: real captures, schemas, cases.
SHARED = REPO_ROOT.parent / "shared"
MOCKUPS = SHARED / "mockups"
CSDL = SHARED / "redfish-schemas" / "csdl"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Client:
    """A small Redfish client for tests: one BMC, TLS verified against the lab CA.

    `verify` is passed on every request because requests lets REQUESTS_CA_BUNDLE in the
    environment override a Session's `verify`.
    """

    def __init__(self, lab: Lab, name: str, auth: tuple[str, str] | None | str = "default") -> None:
        self.base = lab.url(name)
        self.verify = str(lab.ca) if self.base.startswith("https") else True
        self.auth = lab.credentials(name) if auth == "default" else auth
        self.session = requests.Session()
        self.session.trust_env = False

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("auth", self.auth)
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.base + path, verify=self.verify, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body=None, **kwargs) -> requests.Response:
        return self.request("POST", path, json=body, **kwargs)

    def patch(self, path: str, body, **kwargs) -> requests.Response:
        return self.request("PATCH", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def json(self, path: str) -> dict:
        response = self.get(path)
        response.raise_for_status()
        return response.json()

    def members(self, path: str) -> list[dict]:
        """Return the member resources of the collection at `path`."""
        return [self.json(member["@odata.id"]) for member in self.json(path).get("Members") or []]

    def close(self) -> None:
        self.session.close()


def message_ids(response: requests.Response) -> list[str]:
    """Return the MessageIds of a Redfish error response."""
    error = response.json().get("error", {})
    return [info.get("MessageId", "") for info in error.get("@Message.ExtendedInfo", [])]


def listening_address(port: int) -> str | None:
    """Return the local IPv4 address a socket listens on for `port`, from /proc/net/tcp."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state = fields[1], fields[3]
        address_hex, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:
            octets = [str(int(address_hex[i : i + 2], 16)) for i in range(0, 8, 2)]
            return ".".join(reversed(octets))
    return None
