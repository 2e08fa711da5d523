"""PATCH of emulated resources, property by property.

Behaviours declare which property paths of a resource are writable and how a value is
checked. One handler per resource then applies a request all-or-nothing: an unknown
property, a read-only one or a bad value rejects the whole request with the Base registry
message a BMC sends, and nothing changes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from lab.redfish.errors import RedfishError
from lab.redfish.store import Call, Reply, ResourceStore

# A check gets the requested value and the live resource, and returns the value to store
# or raises RedfishError.
Check = Callable[[Any, dict, str], Any]


def one_of(values_from: Callable[[dict], list | None]) -> Check:
    """Accept a value listed by `values_from(resource)`; None there means any string."""

    def check(value, resource, name):
        allowed = values_from(resource)
        if not isinstance(value, str):
            raise RedfishError(400, "PropertyValueTypeError", value, name)
        if allowed is not None and value not in allowed:
            raise RedfishError(400, "PropertyValueNotInList", value, name)
        return value

    return check


def text(max_length: int = 255, nullable: bool = False) -> Check:
    def check(value, resource, name):
        if value is None and nullable:
            return None
        if not isinstance(value, str) or len(value) > max_length:
            raise RedfishError(400, "PropertyValueTypeError", value, name)
        return value

    return check


def boolean() -> Check:
    def check(value, resource, name):
        if not isinstance(value, bool):
            raise RedfishError(400, "PropertyValueTypeError", value, name)
        return value

    return check


def _lookup(resource: dict, path: tuple[str, ...]):
    value = resource
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _assign(resource: dict, path: tuple[str, ...], value) -> None:
    target = resource
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


class PatchRules:
    """Writable property paths per resource, and the PATCH handler that enforces them."""

    def __init__(self, store: ResourceStore) -> None:
        self.store = store
        self._rules: dict[str, dict[tuple[str, ...], Check]] = {}

    def allow(self, uri: str, path: tuple[str, ...], check: Check) -> None:
        key = self.store.resolve(uri)
        if key not in self._rules:
            self._rules[key] = {}
            self.store.patchers[key] = self.handle
        self._rules[key][path] = check

    def apply(self, uri: str, changes: dict) -> dict:
        """Validate `changes` (a PATCH body) against the rules of `uri` and apply them."""
        key = self.store.resolve(uri)
        resource = self.store.get(key)
        rules = self._rules.get(key, {})
        if resource is None:
            raise RedfishError(404, "ResourceNotFound", "Resource", key.rsplit("/", 1)[-1])
        if not isinstance(changes, dict) or not changes:
            raise RedfishError(400, "UnrecognizedRequestBody")

        accepted: list[tuple[tuple[str, ...], Any]] = []
        self._collect(changes, (), rules, resource, accepted)
        for path, value in accepted:
            _assign(resource, path, value)
        return resource

    def _collect(self, body: dict, prefix, rules, resource, accepted) -> None:
        for name, value in body.items():
            path = (*prefix, name)
            dotted = "/".join(path)
            if name.startswith("@"):
                # Annotations such as @odata.etag carry no change.
                continue
            if path in rules:
                accepted.append((path, rules[path](value, resource, dotted)))
                continue
            deeper = any(rule[: len(path)] == path and len(rule) > len(path) for rule in rules)
            if deeper and isinstance(value, dict):
                self._collect(value, path, rules, resource, accepted)
                continue
            exists, _ = _lookup(resource, path)
            if exists:
                raise RedfishError(400, "PropertyNotWritable", dotted)
            raise RedfishError(400, "PropertyUnknown", dotted)

    def handle(self, call: Call) -> Reply:
        resource = self.apply(call.uri, call.body)
        return Reply(200, copy.deepcopy(resource))
