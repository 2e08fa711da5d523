"""The OData documents of a Redfish service: `$metadata` (CSDL) and the service document.

`$metadata` references one DMTF schema file per namespace the service's payloads use, so a
client or validator can find every `@odata.type`. OEM namespaces (types that only occur
inside `Oem` objects or under `/Oem/` URIs) are left out: the lab serves no OEM schema
files, and DMTF publishes none for them.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from lab.redfish.store import SERVICE_ROOT, ResourceStore

DMTF_SCHEMA_BASE = "http://redfish.dmtf.org/schemas/v1/"

# Namespaces every service uses through common types and error bodies.
ALWAYS = {"Resource", "Resource.v1_0_0", "RedfishExtensions.v1_0_0", "Message", "Message.v1_1_1"}


def _namespaces(store: ResourceStore) -> set[str]:
    """Return the DMTF namespaces (versioned and unversioned) used by the store."""
    found: set[str] = set()

    def walk(value, in_oem: bool) -> None:
        if isinstance(value, dict):
            odata_type = value.get("@odata.type")
            if isinstance(odata_type, str) and odata_type.startswith("#") and not in_oem:
                qualified = odata_type[1:].rsplit(".", 1)[0]
                found.add(qualified)
                found.add(qualified.split(".", 1)[0])
            for key, item in value.items():
                walk(item, in_oem or key == "Oem")
        elif isinstance(value, list):
            for item in value:
                walk(item, in_oem)

    for uri in store.uris():
        payload = store.get(uri)
        if payload is not None:
            walk(payload, "/Oem/" in uri)
    return found | ALWAYS


def metadata_document(store: ResourceStore) -> str:
    """Render the `$metadata` CSDL document for the store's resource types."""
    by_file: dict[str, set[str]] = {}
    for namespace in _namespaces(store):
        schema = namespace.split(".", 1)[0]
        by_file.setdefault(f"{schema}_v1.xml", set()).add(namespace)

    root = store.get(SERVICE_ROOT) or {}
    root_type = str(root.get("@odata.type", "#ServiceRoot.v1_0_0.ServiceRoot"))[1:].rsplit(".", 1)[0]

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">',
    ]
    for filename in sorted(by_file):
        lines.append(f"  <edmx:Reference Uri={quoteattr(DMTF_SCHEMA_BASE + filename)}>")
        for namespace in sorted(by_file[filename]):
            lines.append(f"    <edmx:Include Namespace={quoteattr(namespace)}/>")
        lines.append("  </edmx:Reference>")
    lines += [
        "  <edmx:DataServices>",
        '    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Service">',
        f"      <EntityContainer Name=\"Service\" Extends={quoteattr(root_type + '.ServiceContainer')}/>",
        "    </Schema>",
        "  </edmx:DataServices>",
        "</edmx:Edmx>",
        "",
    ]
    return "\n".join(lines)


def service_document(store: ResourceStore) -> dict:
    """Build the OData service document listing the service root's top-level resources."""
    root = store.get(SERVICE_ROOT) or {}
    value = [{"name": "Service", "kind": "Singleton", "url": SERVICE_ROOT + "/"}]
    for name, item in root.items():
        if name in ("Links", "Oem") or name.startswith("@"):
            continue
        if isinstance(item, dict) and isinstance(item.get("@odata.id"), str):
            value.append({"name": name, "kind": "Singleton", "url": item["@odata.id"]})
    return {"@odata.context": SERVICE_ROOT + "/$metadata", "value": value}
