"""Redfish query parameters: `$expand`, `$top` and `$skip`.

`$expand` follows DSP0266: `*` expands every reference, `.` the references outside
`Links`, `~` only those inside `Links`, each optionally with `($levels=N)`. Collections
expand their `Members` inline. Only references whose target the store holds are expanded;
anything else stays a reference, as on real services.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass

from lab.redfish.errors import RedfishError

_EXPAND = re.compile(r"^(?P<kind>[*.~])(?:\(\$levels=(?P<levels>[^)]*)\))?$")

# Query parameters a Redfish service may receive; the lab implements the first three.
SUPPORTED = {"$expand", "$top", "$skip"}
KNOWN_UNSUPPORTED = {"$select", "$filter", "only", "excerpt", "includeoriginofcondition"}


@dataclass
class Expand:
    kind: str
    levels: int


def parse_expand(value: str, max_levels: int) -> Expand:
    """Parse a `$expand` value, raising a 400 Redfish error when it is invalid."""
    match = _EXPAND.match(value.strip())
    if match is None:
        raise RedfishError(400, "QueryParameterValueFormatError", value, "$expand")
    levels_text = match.group("levels")
    levels = 1
    if levels_text is not None:
        if not levels_text.isdigit() or int(levels_text) < 1:
            raise RedfishError(400, "QueryParameterValueFormatError", value, "$expand")
        levels = int(levels_text)
    if levels > max_levels:
        raise RedfishError(400, "QueryParameterOutOfRange", levels, "$levels", f"1-{max_levels}")
    return Expand(kind=match.group("kind"), levels=levels)


def _is_reference(value) -> bool:
    return (
        isinstance(value, dict)
        and len(value) == 1
        and isinstance(value.get("@odata.id"), str)
        and "#" not in value["@odata.id"]
    )


def expand(payload: dict, expansion: Expand, lookup: Callable[[str], dict | None]) -> dict:
    """Return a copy of `payload` with its references replaced by the resources."""
    result = copy.deepcopy(payload)
    own_id = payload.get("@odata.id")

    def visit(value, in_links: bool, levels_left: int):
        if isinstance(value, list):
            return [visit(item, in_links, levels_left) for item in value]
        if not isinstance(value, dict):
            return value
        if _is_reference(value) and value["@odata.id"] != own_id:
            wanted = expansion.kind == "*" or (expansion.kind == "~") == in_links
            target = lookup(value["@odata.id"]) if wanted else None
            if target is None:
                return value
            inner = copy.deepcopy(target)
            if levels_left > 1:
                inner = {
                    key: visit(item, key == "Links", levels_left - 1)
                    for key, item in inner.items()
                }
            return inner
        return {key: visit(item, in_links or key == "Links", levels_left) for key, item in value.items()}

    return {key: visit(item, key == "Links", expansion.levels) for key, item in result.items()}


def page(payload: dict, top: str | None, skip: str | None, uri: str) -> dict:
    """Apply `$top`/`$skip` to a collection and add `Members@odata.nextLink` when cut."""
    members = payload.get("Members")
    if not isinstance(members, list):
        return payload
    start = _non_negative(skip, "$skip") if skip is not None else 0
    count = _non_negative(top, "$top") if top is not None else None
    result = dict(payload)
    end = len(members) if count is None else start + count
    result["Members"] = members[start:end]
    result["Members@odata.count"] = len(members)
    if end < len(members):
        next_query = f"$skip={end}" + (f"&$top={count}" if count is not None else "")
        result["Members@odata.nextLink"] = f"{uri}?{next_query}"
    return result


def _non_negative(text: str, name: str) -> int:
    if not text.isdigit():
        raise RedfishError(400, "QueryParameterValueFormatError", text, name)
    return int(text)
