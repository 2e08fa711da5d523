"""Payload pieces every flavour shares: service root, session service, status objects."""

from __future__ import annotations

from lab.redfish.store import SERVICE_ROOT, ResourceStore, ref


def status(health: str | None = "OK", state: str = "Enabled", rollup: bool = False) -> dict:
    result = {"State": state}
    if health is not None:
        result["Health"] = health
        if rollup:
            result["HealthRollup"] = health
    return result


def expand_features(max_levels: int = 1) -> dict:
    """ProtocolFeaturesSupported.ExpandQuery of a service that implements `$expand`."""
    return {"ExpandAll": True, "Levels": True, "Links": True, "NoLinks": True, "MaxLevels": max_levels}


def service_root(
    store: ResourceStore,
    odata_type: str,
    *,
    redfish_version: str,
    uuid: str,
    vendor: str,
    product: str,
    expand: bool,
    manager_uri: str | None = None,
    oem: dict | None = None,
    extra_services: dict[str, str] | None = None,
) -> dict:
    """Store the service root; `expand` decides whether ExpandQuery is advertised."""
    features: dict = {
        "FilterQuery": False,
        "SelectQuery": False,
        "ExcerptQuery": False,
        "OnlyMemberQuery": False,
        "DeepOperations": {"DeepPATCH": False, "DeepPOST": False},
    }
    if expand:
        features["ExpandQuery"] = expand_features()
    links: dict = {"Sessions": ref(SERVICE_ROOT + "/SessionService/Sessions")}
    if manager_uri:
        links["ManagerProvidingService"] = ref(manager_uri)
    payload = {
        "@odata.type": odata_type,
        "Id": "RootService",
        "Name": "Root Service",
        "RedfishVersion": redfish_version,
        "UUID": uuid,
        "Vendor": vendor,
        "Product": product,
        "Systems": ref(SERVICE_ROOT + "/Systems"),
        "Chassis": ref(SERVICE_ROOT + "/Chassis"),
        "Managers": ref(SERVICE_ROOT + "/Managers"),
        "SessionService": ref(SERVICE_ROOT + "/SessionService"),
        "Links": links,
        "ProtocolFeaturesSupported": features,
    }
    for name, uri in (extra_services or {}).items():
        payload[name] = ref(uri)
    if oem:
        payload["Oem"] = oem
    return store.add(SERVICE_ROOT, payload)


def session_service(store: ResourceStore, odata_type: str, timeout_s: int) -> None:
    """Store the SessionService; the BMC serves the Sessions collection itself."""
    store.add(
        SERVICE_ROOT + "/SessionService",
        {
            "@odata.type": odata_type,
            "Id": "SessionService",
            "Name": "Session Service",
            "Description": "Session Service",
            "ServiceEnabled": True,
            "SessionTimeout": timeout_s,
            "Sessions": ref(SERVICE_ROOT + "/SessionService/Sessions"),
            "Status": status(),
        },
    )


def action_info(store: ResourceStore, uri: str, odata_type: str, parameter: str, values: list[str]) -> None:
    """Store an ActionInfo resource describing one required string parameter."""
    store.add(
        uri,
        {
            "@odata.type": odata_type,
            "Id": uri.rsplit("/", 1)[-1],
            "Name": f"{uri.rsplit('/', 1)[-1]} Action Info",
            "Parameters": [
                {"Name": parameter, "Required": True, "DataType": "String", "AllowableValues": list(values)}
            ],
        },
    )


def gib_to_mib(gib: float) -> int:
    return int(gib * 1024)
