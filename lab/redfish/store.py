"""In-memory Redfish resource tree of one emulated BMC.

The store maps canonical URIs to resource payloads and keeps the handlers that give the
tree its behaviour: actions (POST to an action target), PATCH, POST to a collection and
DELETE. Behaviours (power, boot override, virtual media, ...) register handlers here, so a
new behaviour never touches the HTTP layer.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Union

SERVICE_ROOT = "/redfish/v1"


@dataclass
class Reply:
    """The outcome of a handler: HTTP status, optional JSON body and extra headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # The body already encoded as JSON, when the handler had to encode it anyway.
    encoded: bytes | None = None


@dataclass
class Call:
    """One request, as passed to a handler."""

    method: str
    uri: str
    body: Any
    headers: dict[str, str]
    username: str | None = None


Handler = Callable[[Call], Union[Reply, Awaitable[Reply]]]
Provider = Callable[[], dict]


def canonical(uri: str) -> str:
    """Return the store key of `uri`: no query, no fragment, no trailing slash."""
    path = uri.split("?", 1)[0].split("#", 1)[0]
    while "//" in path:
        path = path.replace("//", "/")
    if len(path) > 1:
        path = path.rstrip("/")
    return path


def ref(uri: str) -> dict:
    """Return a Redfish reference object pointing at `uri`."""
    return {"@odata.id": uri}


def refs(uris) -> list[dict]:
    return [ref(uri) for uri in uris]


class ResourceStore:
    """Canonical URI -> payload, aliases, computed resources and request handlers."""

    def __init__(self) -> None:
        self._resources: dict[str, dict] = {}
        self._aliases: dict[str, str] = {}
        self._providers: dict[str, Provider] = {}
        self.actions: dict[str, Handler] = {}
        self.patchers: dict[str, Handler] = {}
        self.creators: dict[str, Handler] = {}
        self.deleters: dict[str, Handler] = {}
        # GET handlers for resources whose status or headers change (task monitors: 202 with
        # Retry-After, then the result, then 404).
        self.getters: dict[str, Handler] = {}
        # Named values behaviours share, such as the system URIs whose power they manage.
        self.facts: dict[str, Any] = {}
        # Captured responses to one exact query ("path?query"), such as a collection's next page.
        self.query_pages: dict[str, dict] = {}
        # Captured error responses: canonical URI -> (HTTP status, Redfish error body).
        self.errors: dict[str, tuple[int, dict]] = {}

    # --- building -------------------------------------------------------------------

    def add(self, uri: str, payload: dict) -> dict:
        """Store `payload` at `uri`, setting its `@odata.id` when missing, and return it."""
        key = canonical(uri)
        payload.setdefault("@odata.id", uri)
        self._resources[key] = payload
        return payload

    def add_collection(self, uri: str, odata_type: str, name: str, members, **extra) -> dict:
        """Store a resource collection whose `Members` reference `members` (URIs)."""
        member_list = list(members)
        payload = {
            "@odata.id": uri,
            "@odata.type": odata_type,
            "Name": name,
            "Members": refs(member_list),
            "Members@odata.count": len(member_list),
        }
        payload.update(extra)
        return self.add(uri, payload)

    def append_member(self, collection_uri: str, member_uri: str) -> None:
        collection = self._resources[canonical(collection_uri)]
        members = collection.get("Members") or []
        members.append(ref(member_uri))
        collection["Members"] = members
        collection["Members@odata.count"] = len(members)

    def alias(self, uri: str, target: str) -> None:
        """Serve the resource at `target` also under `uri`, as some BMCs do."""
        self._aliases[canonical(uri)] = canonical(target)

    def provide(self, uri: str, provider: Provider) -> None:
        """Compute the resource at `uri` on every read (sessions, task monitors)."""
        self._providers[canonical(uri)] = provider

    def remove(self, uri: str) -> None:
        key = canonical(uri)
        self._resources.pop(key, None)
        self._providers.pop(key, None)

    # --- reading --------------------------------------------------------------------

    def resolve(self, uri: str) -> str:
        key = canonical(uri)
        return self._aliases.get(key, key)

    def get(self, uri: str) -> dict | None:
        """Return the live payload at `uri` (not a copy), or None when absent."""
        key = self.resolve(uri)
        provider = self._providers.get(key)
        if provider is not None:
            return provider()
        return self._resources.get(key)

    def snapshot(self, uri: str) -> dict | None:
        payload = self.get(uri)
        return copy.deepcopy(payload) if payload is not None else None

    def __contains__(self, uri: str) -> bool:
        key = self.resolve(uri)
        return key in self._resources or key in self._providers

    def uris(self) -> list[str]:
        return sorted(set(self._resources) | set(self._providers))

    def items(self):
        return self._resources.items()

    def odata_types(self) -> set[str]:
        """Return every `@odata.type` value in the stored payloads, nested ones included."""
        found: set[str] = set()

        def walk(value):
            if isinstance(value, dict):
                odata_type = value.get("@odata.type")
                if isinstance(odata_type, str):
                    found.add(odata_type)
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        for payload in self._resources.values():
            walk(payload)
        for provider in self._providers.values():
            walk(provider())
        return found

    # --- what a URI allows ------------------------------------------------------------

    def allowed_methods(self, uri: str) -> list[str]:
        """Return the HTTP methods the resource at `uri` accepts, for the Allow header."""
        key = self.resolve(uri)
        methods = ["GET", "HEAD"]
        if key in self.creators:
            methods.append("POST")
        if key in self.patchers:
            methods.append("PATCH")
        if key in self.deleters:
            methods.append("DELETE")
        return methods
