"""Loading of a captured Redfish service (DMTF mockup folder) into a resource store.

A mockup folder contains one `index.json` per URI, the folder path being the URI
(`<dir>/redfish/v1/Systems/1/index.json`). Captures from real BMCs are not tidy, and the
loader keeps them as they are:

- a body's `@odata.id` may differ from its folder (a trailing slash, or another URI the BMC
  also serves); the folder path is the URI served,
- collections may have `"Members": null`,
- a folder may hold an error body the BMC returned; it is served with a matching status,
- a folder name may carry a query (`DellSensors?$skip=50`), served for that exact query.

Addresses inside the payloads (URLs, IP addresses, host names) are data from the original
network; the lab never follows or contacts them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from lab.redfish.store import SERVICE_ROOT, ResourceStore, canonical

log = logging.getLogger("lab.mockup")

# Message key of a captured error body -> HTTP status it came with.
ERROR_STATUS = {
    "ResourceNotFound": 404,
    "InternalError": 500,
    "GeneralError": 400,
    "InsufficientPrivilege": 403,
    "ServiceTemporarilyUnavailable": 503,
    "ActionNotSupported": 400,
}

# The state overlay a capture gets unless its factory entry overrides it. The DPU mode
# behaviour acts only on captures of a BlueField BMC.
DEFAULT_BEHAVIOURS = {"power": {}, "boot_override": {}, "dpu_mode": {}}


class MockupError(ValueError):
    """A mockup folder is missing or is not a Redfish capture."""


def mockup_root(path: Path) -> Path:
    """Return the folder that contains `redfish/v1/index.json`, or raise MockupError."""
    if (path / "redfish" / "v1" / "index.json").is_file():
        return path
    raise MockupError(f"{path} is not a Redfish mockup: {path}/redfish/v1/index.json is missing")


def load(path: Path) -> tuple[ResourceStore, dict]:
    """Load the capture at `path`; return the store and the default behaviours."""
    base = mockup_root(path)
    store = ResourceStore()
    for index in sorted((base / "redfish").rglob("index.json")):
        relative = index.parent.relative_to(base).as_posix()
        uri = "/" + relative
        try:
            payload = json.loads(index.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            log.warning("mockup %s: skipping %s, not JSON: %s", base, index, error)
            continue
        if not isinstance(payload, dict):
            log.warning("mockup %s: skipping %s, not a JSON object", base, index)
            continue
        if canonical(uri) == "/redfish":
            continue

        if "?" in uri:
            path_part, query = uri.split("?", 1)
            store.query_pages[f"{canonical(path_part)}?{query}"] = payload
        elif set(payload) == {"error"}:
            code = str(payload["error"].get("code", ""))
            store.errors[canonical(uri)] = (ERROR_STATUS.get(code.rsplit(".", 1)[-1], 500), payload)
        else:
            store.add(uri, payload)

    if store.get(SERVICE_ROOT) is None:
        raise MockupError(f"{path}: the service root {SERVICE_ROOT} did not load")
    _find_facts(store)
    return store, dict(DEFAULT_BEHAVIOURS)


def _find_facts(store: ResourceStore) -> None:
    """Record which captured resources the state overlay acts on."""
    systems = []
    virtual_media = []
    for uri, payload in store.items():
        odata_type = str(payload.get("@odata.type", ""))
        actions = payload.get("Actions") or {}
        if odata_type.startswith("#ComputerSystem.") and "#ComputerSystem.Reset" in actions:
            systems.append(uri)
        elif odata_type.startswith("#VirtualMedia.") and "#VirtualMedia.InsertMedia" in actions:
            virtual_media.append(uri)
    store.facts["systems"] = sorted(systems)
    store.facts["virtual_media"] = sorted(virtual_media)

    for system in systems:
        oem = store.get(f"{system}/Oem/Nvidia")
        if oem and "#Mode.Set" in (oem.get("Actions") or {}):
            store.facts["dpu"] = {"system": system, "oem": f"{system}/Oem/Nvidia", "bios": f"{system}/Bios"}
