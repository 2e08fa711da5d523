"""Redfish protocol behaviour of the lab's synthetic BMCs: auth, sessions, queries, state."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest

from lab import runner
from lab.testing import CSDL, Client, listening_address, message_ids

EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"

DELL_SYSTEM = "/redfish/v1/Systems/System.Embedded.1"
NVIDIA_SYSTEM = "/redfish/v1/Systems/System_0"
SMC_SYSTEM = "/redfish/v1/Systems/1"

FACTORY = {
    "control_port": 0,
    "defaults": {"base_port": 0},
    "bmcs": [
        {"name": "dell", "profile": "hgx-h100", "flavour": "dell"},
        {"name": "smc", "profile": "l40s-pcie", "flavour": "supermicro"},
        {"name": "nv", "profile": "hgx-h100", "flavour": "nvidia", "tls": False},
        {"name": "dpu", "profile": "bf3-dpu"},
        {"name": "short", "profile": "cpu-mgmt", "flavour": "nvidia", "session_timeout": 1},
        {"name": "ifmatch", "profile": "cpu-mgmt", "flavour": "dell", "behaviours": {"require_if_match": True}},
        {"name": "slowpower", "profile": "cpu-mgmt", "flavour": "nvidia", "behaviours": {"power": {"transition_seconds": 1}}},
        {"name": "off", "profile": "cpu-mgmt", "flavour": "supermicro", "power_state": "Off"},
    ],
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with runner.running(FACTORY, tmp_path_factory.mktemp("lab-redfish")) as running_lab:
        yield running_lab


@pytest.fixture
def client(lab):
    clients = []

    def make(name, auth="default"):
        made = Client(lab, name, auth=auth)
        clients.append(made)
        return made

    yield make
    for made in clients:
        made.close()


def power_state(client, path):
    return client.json(path)["PowerState"]


# --- authentication and sessions ---------------------------------------------------------


def test_service_root_without_auth(client):
    response = client("dell", auth=None).get("/redfish/v1")
    assert response.status_code == 200
    root = response.json()
    assert root["Links"]["Sessions"]["@odata.id"] == "/redfish/v1/SessionService/Sessions"
    assert root["Systems"]["@odata.id"] == "/redfish/v1/Systems"


def test_protected_resource_needs_auth(client):
    response = client("dell", auth=None).get("/redfish/v1/Systems")
    assert response.status_code == 401
    assert message_ids(response) == ["Base.1.18.1.NoValidSession"]
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_basic_auth(client):
    assert client("dell").get("/redfish/v1/Systems").status_code == 200
    assert client("dell", auth=("lab-admin", "wrong")).get("/redfish/v1/Systems").status_code == 401
    assert client("dell", auth=("root", "lab-only-password")).get("/redfish/v1/Systems").status_code == 401


def test_session_login_and_logout(client, lab):
    anonymous = client("smc", auth=None)
    user, password = lab.credentials("smc")
    login = anonymous.post("/redfish/v1/SessionService/Sessions", {"UserName": user, "Password": password})
    assert login.status_code == 201
    token = login.headers["X-Auth-Token"]
    location = login.headers["Location"]
    assert location.startswith("/redfish/v1/SessionService/Sessions/")
    assert login.json()["UserName"] == user

    headers = {"X-Auth-Token": token}
    assert anonymous.get("/redfish/v1/Systems", headers=headers).status_code == 200
    sessions = anonymous.get("/redfish/v1/SessionService/Sessions", headers=headers).json()
    assert {"@odata.id": location} in sessions["Members"]
    assert sessions["Members@odata.count"] == len(sessions["Members"])

    assert anonymous.delete(location, headers=headers).status_code == 204
    assert anonymous.get("/redfish/v1/Systems", headers=headers).status_code == 401
    remaining = client("smc").json("/redfish/v1/SessionService/Sessions")
    assert {"@odata.id": location} not in remaining["Members"]


def test_session_login_rejected(client, lab):
    anonymous = client("smc", auth=None)
    user = lab.credentials("smc")[0]
    wrong = anonymous.post("/redfish/v1/SessionService/Sessions", {"UserName": user, "Password": "nope"})
    assert wrong.status_code == 401
    assert "X-Auth-Token" not in wrong.headers
    missing = anonymous.post("/redfish/v1/SessionService/Sessions", {"UserName": user})
    assert missing.status_code == 400
    assert message_ids(missing) == ["Base.1.18.1.CreateFailedMissingReqProperties"]


def test_session_expires(client, lab):
    anonymous = client("short", auth=None)
    user, password = lab.credentials("short")
    login = anonymous.post("/redfish/v1/SessionService/Sessions", {"UserName": user, "Password": password})
    headers = {"X-Auth-Token": login.headers["X-Auth-Token"]}
    assert anonymous.get("/redfish/v1/Systems", headers=headers).status_code == 200
    time.sleep(2.2)
    expired = anonymous.get("/redfish/v1/Systems", headers=headers)
    assert expired.status_code == 401
    assert message_ids(expired) == ["Base.1.18.1.NoValidSession"]


def test_control_ends_sessions(client, lab):
    anonymous = client("smc", auth=None)
    user, password = lab.credentials("smc")
    token = anonymous.post("/redfish/v1/SessionService/Sessions", {"UserName": user, "Password": password}).headers["X-Auth-Token"]
    assert lab.control("DELETE", "/lab/v1/bmcs/smc/sessions")["dropped"] >= 1
    assert anonymous.get("/redfish/v1/Systems", headers={"X-Auth-Token": token}).status_code == 401


# --- ETags, PATCH and query parameters ---------------------------------------------------


def test_etag_conditional_requests(client):
    dell = client("dell")
    first = dell.get(DELL_SYSTEM)
    etag = first.headers["ETag"]
    assert etag.startswith('"')
    assert dell.get(DELL_SYSTEM, headers={"If-None-Match": etag}).status_code == 304

    stale = dell.patch(DELL_SYSTEM, {"AssetTag": "rack-1"}, headers={"If-Match": '"stale"'})
    assert stale.status_code == 412
    assert message_ids(stale) == ["Base.1.18.1.PreconditionFailed"]
    assert dell.json(DELL_SYSTEM)["AssetTag"] == ""

    fresh = dell.patch(DELL_SYSTEM, {"AssetTag": "rack-1"}, headers={"If-Match": etag})
    assert fresh.status_code == 200
    assert fresh.json()["AssetTag"] == "rack-1"
    assert fresh.headers["ETag"] != etag
    assert dell.get(DELL_SYSTEM).headers["ETag"] == fresh.headers["ETag"]


def test_if_match_required(client):
    strict = client("ifmatch")
    missing = strict.patch(DELL_SYSTEM, {"AssetTag": "x"})
    assert missing.status_code == 428
    assert message_ids(missing) == ["Base.1.18.1.PreconditionRequired"]
    etag = strict.get(DELL_SYSTEM).headers["ETag"]
    assert strict.patch(DELL_SYSTEM, {"AssetTag": "x"}, headers={"If-Match": etag}).status_code == 200


def test_boot_override_patch(client):
    nv = client("nv")
    response = nv.patch(NVIDIA_SYSTEM, {"Boot": {"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Continuous"}})
    assert response.status_code == 200
    boot = nv.json(NVIDIA_SYSTEM)["Boot"]
    assert boot["BootSourceOverrideTarget"] == "Pxe"
    assert boot["BootSourceOverrideEnabled"] == "Continuous"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"Boot": {"BootSourceOverrideTarget": "Floppy"}}, "PropertyValueNotInList"),
        ({"Boot": {"BootSourceOverrideEnabled": "Twice"}}, "PropertyValueNotInList"),
        ({"Boot": {"BootSourceOverrideTarget": 5}}, "PropertyValueTypeError"),
        ({"Model": "other"}, "PropertyNotWritable"),
        ({"Colour": "red"}, "PropertyUnknown"),
        ({"AssetTag": "kept-out", "Model": "other"}, "PropertyNotWritable"),
    ],
)
def test_invalid_patch_changes_nothing(client, body, message):
    nv = client("nv")
    before = nv.json(NVIDIA_SYSTEM)
    response = nv.patch(NVIDIA_SYSTEM, body)
    assert response.status_code == 400
    assert message_ids(response) == [f"Base.1.18.1.{message}"]
    assert nv.json(NVIDIA_SYSTEM) == before


def test_malformed_patch_body(client):
    response = client("nv").request("PATCH", NVIDIA_SYSTEM, data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert message_ids(response) == ["Base.1.18.1.MalformedJSON"]


def test_patch_not_allowed(client):
    response = client("dell").patch("/redfish/v1/Chassis/System.Embedded.1", {"AssetTag": "x"})
    assert response.status_code == 405
    assert "PATCH" not in response.headers["Allow"]
    assert "GET" in response.headers["Allow"]


def test_unknown_resource(client):
    response = client("dell").get("/redfish/v1/Systems/System.Embedded.9")
    assert response.status_code == 404
    assert message_ids(response) == ["Base.1.18.1.ResourceNotFound"]


def test_trailing_slash_same_resource(client):
    dell = client("dell")
    assert dell.json(DELL_SYSTEM + "/") == dell.json(DELL_SYSTEM)


@pytest.mark.parametrize("name", ["dell", "nv"])
@pytest.mark.parametrize("expand", ["*", ".", ".($levels=1)", "*($levels=1)"])
def test_expand_members_inline(client, name, expand):
    bmc = client(name)
    collection = bmc.json(f"/redfish/v1/Systems?$expand={expand}")
    assert collection["Members"]
    for member in collection["Members"]:
        assert "Id" in member
        assert member["@odata.type"].startswith("#ComputerSystem.")


def test_expand_advertised(client):
    dell_root = client("dell").json("/redfish/v1")
    assert dell_root["ProtocolFeaturesSupported"]["ExpandQuery"] == {
        "ExpandAll": True, "Levels": True, "Links": True, "NoLinks": True, "MaxLevels": 1,
    }
    smc_root = client("smc").json("/redfish/v1")
    assert "ExpandQuery" not in smc_root["ProtocolFeaturesSupported"]


def test_expand_links_only(client):
    system = client("dell").json(f"{DELL_SYSTEM}?$expand=~")
    assert system["Links"]["Chassis"][0]["ChassisType"] == "RackMount"
    assert set(system["Processors"]) == {"@odata.id"}


def test_expand_not_supported(client):
    response = client("smc").get("/redfish/v1/Systems?$expand=.($levels=1)")
    assert response.status_code == 400
    assert message_ids(response) == ["Base.1.18.1.QueryNotSupportedOnResource"]


@pytest.mark.parametrize(
    ("value", "message"),
    [(".($levels=2)", "QueryParameterOutOfRange"), ("everything", "QueryParameterValueFormatError"), ("*($levels=0)", "QueryParameterValueFormatError")],
)
def test_expand_invalid(client, value, message):
    response = client("dell").get(f"/redfish/v1/Systems?$expand={value}")
    assert response.status_code == 400
    assert message_ids(response) == [f"Base.1.18.1.{message}"]


def test_top_and_skip(client):
    memory = client("dell").json(f"{DELL_SYSTEM}/Memory?$skip=3&$top=2")
    full = client("dell").json(f"{DELL_SYSTEM}/Memory")
    assert memory["Members"] == full["Members"][3:5]
    assert memory["Members@odata.count"] == len(full["Members"])
    assert memory["Members@odata.nextLink"].endswith("$skip=5&$top=2")


def test_select_not_supported(client):
    response = client("dell").get(f"{DELL_SYSTEM}?$select=Model")
    assert response.status_code == 400
    assert message_ids(response) == ["Base.1.18.1.QueryNotSupported"]


# --- power, boot, virtual media and DPU mode -----------------------------------------------


def reset(client, name, path, reset_type):
    return client(name).post(f"{path}/Actions/ComputerSystem.Reset", {"ResetType": reset_type})


POWER_SEQUENCE = [
    ("ForceOff", "Off"),
    ("On", "On"),
    ("GracefulShutdown", "Off"),
    ("PowerCycle", "On"),
    ("ForceRestart", "On"),
    ("GracefulRestart", "On"),
    ("Nmi", "On"),
    ("ForceOn", "On"),
]


def test_reset_changes_power_state(client, lab):
    # The Supermicro flavour offers every reset type of the sequence.
    for reset_type, expected in POWER_SEQUENCE:
        response = reset(client, "smc", SMC_SYSTEM, reset_type)
        assert response.status_code == 204, (reset_type, response.text)
        assert power_state(client("smc"), SMC_SYSTEM) == expected, reset_type
        state = lab.control("GET", "/lab/v1/bmcs/smc/state")
        assert state["systems"]["1"]["PowerState"] == expected, reset_type


def test_reset_types_from_action_info(client):
    system = client("nv").json(NVIDIA_SYSTEM)
    action = system["Actions"]["#ComputerSystem.Reset"]
    info = client("nv").json(action["@Redfish.ActionInfo"])
    allowed = info["Parameters"][0]["AllowableValues"]
    assert {"On", "ForceOff", "GracefulShutdown", "ForceRestart", "GracefulRestart", "PowerCycle"} <= set(allowed)

    dell_action = client("dell").json(DELL_SYSTEM)["Actions"]["#ComputerSystem.Reset"]
    assert "Nmi" in dell_action["ResetType@Redfish.AllowableValues"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"ResetType": "Explode"}, "ActionParameterValueNotInList"),
        ({}, "ActionParameterMissing"),
        ({"ResetType": "On", "Force": True}, "ActionParameterUnknown"),
    ],
)
def test_reset_rejected(client, body, message):
    response = client("nv").post(f"{NVIDIA_SYSTEM}/Actions/ComputerSystem.Reset", body)
    assert response.status_code == 400
    assert message_ids(response) == [f"Base.1.18.1.{message}"]


def test_dell_no_op_reset_conflict(client):
    assert reset(client, "dell", DELL_SYSTEM, "On").status_code == 409
    assert reset(client, "dell", DELL_SYSTEM, "ForceOff").status_code == 204
    assert reset(client, "dell", DELL_SYSTEM, "ForceOff").status_code == 409
    assert reset(client, "dell", DELL_SYSTEM, "On").status_code == 204
    assert power_state(client("dell"), DELL_SYSTEM) == "On"


def test_restart_while_off_conflict(client):
    assert power_state(client("off"), SMC_SYSTEM) == "Off"
    response = reset(client, "off", SMC_SYSTEM, "ForceRestart")
    assert response.status_code == 409
    assert power_state(client("off"), SMC_SYSTEM) == "Off"


def test_power_transition_window(client):
    assert reset(client, "slowpower", NVIDIA_SYSTEM, "ForceOff").status_code == 204
    assert power_state(client("slowpower"), NVIDIA_SYSTEM) == "PoweringOff"
    assert reset(client, "slowpower", NVIDIA_SYSTEM, "On").status_code == 409
    deadline = time.monotonic() + 5
    while power_state(client("slowpower"), NVIDIA_SYSTEM) != "Off" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert power_state(client("slowpower"), NVIDIA_SYSTEM) == "Off"
    assert client("slowpower").json("/redfish/v1/Chassis/BMC_0")["PowerState"] == "Off"


def test_once_override_used_by_boot(client):
    smc = client("smc")
    smc.patch(SMC_SYSTEM, {"Boot": {"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Once"}})
    assert smc.json(SMC_SYSTEM)["Boot"]["BootSourceOverrideEnabled"] == "Once"
    assert reset(client, "smc", SMC_SYSTEM, "ForceRestart").status_code == 204
    boot = smc.json(SMC_SYSTEM)["Boot"]
    assert boot["BootSourceOverrideEnabled"] == "Disabled"
    assert boot["BootSourceOverrideTarget"] == "Pxe"


def test_baseboard_has_no_reset(client):
    baseboard = client("nv").json("/redfish/v1/Systems/HGX_Baseboard_0")
    assert "Actions" not in baseboard
    assert "Bios" not in baseboard
    response = client("nv").post("/redfish/v1/Systems/HGX_Baseboard_0/Actions/ComputerSystem.Reset", {"ResetType": "On"})
    assert response.status_code == 404


def test_virtual_media_insert_eject(client, lab):
    dell = client("dell")
    media = "/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD"
    insert = f"{media}/Actions/VirtualMedia.InsertMedia"
    assert dell.post(insert, {"Image": "https://images.example.invalid/boot.iso"}).status_code == 204
    inserted = dell.json(media)
    assert inserted["Inserted"] is True
    assert inserted["ImageName"] == "boot.iso"
    assert lab.control("GET", "/lab/v1/bmcs/dell/state")["virtual_media"][media]["Inserted"] is True
    assert dell.post(insert, {"Image": "https://images.example.invalid/other.iso"}).status_code == 409
    assert dell.post(insert.replace("InsertMedia", "InsertMedia"), {}).status_code == 400
    assert dell.post(f"{media}/Actions/VirtualMedia.EjectMedia", {}).status_code == 204
    assert dell.json(media)["Inserted"] is False


def test_dpu_mode_applies_after_reset(client, lab):
    dpu = client("dpu")
    oem = "/redfish/v1/Systems/Bluefield/Oem/Nvidia"
    assert dpu.json(oem)["Mode"] == "DpuMode"
    assert dpu.post(f"{oem}/Actions/Mode.Set", {"Mode": "NicMode"}).status_code == 204
    assert dpu.json(oem)["Mode"] == "DpuMode"
    assert lab.control("GET", "/lab/v1/bmcs/dpu/state")["dpu"] == {"mode": "DpuMode", "pending_mode": "NicMode"}

    assert reset(client, "dpu", "/redfish/v1/Systems/Bluefield", "ForceRestart").status_code == 204
    assert dpu.json(oem)["Mode"] == "NicMode"
    assert dpu.json("/redfish/v1/Systems/Bluefield/Bios")["Attributes"]["NicMode"] == "NicMode"
    assert dpu.post(f"{oem}/Actions/Mode.Set", {"Mode": "SuperMode"}).status_code == 400


# --- control API --------------------------------------------------------------------------


def test_control_sets_state(client, lab):
    document = lab.control("POST", "/lab/v1/bmcs/smc/state", {"systems": {"1": {"PowerState": "Off", "AssetTag": "from-test"}}})
    assert document["systems"]["1"]["PowerState"] == "Off"
    system = client("smc").json(SMC_SYSTEM)
    assert system["PowerState"] == "Off"
    assert system["AssetTag"] == "from-test"
    lab.control("POST", "/lab/v1/bmcs/smc/state", {"systems": {"1": {"PowerState": "On"}}})
    assert power_state(client("smc"), SMC_SYSTEM) == "On"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/lab/v1/bmcs/smc/state", {"systems": {"1": {"PowerState": "Melted"}}}, 400),
        ("/lab/v1/bmcs/smc/state", {"systems": {"9": {"PowerState": "On"}}}, 400),
        ("/lab/v1/bmcs/nobody/state", {"systems": {}}, 404),
        ("/lab/v1/bmcs/smc/faults", {"faults": {"flaky": True}}, 400),
    ],
)
def test_control_rejects_bad_requests(lab, path, body, status):
    with pytest.raises(runner.LabError, match=f"HTTP {status}"):
        lab.control("POST", path, body)


def test_control_counts_requests(client, lab):
    lab.control("POST", "/lab/v1/reset-counters")
    assert set(lab.control("GET", "/lab/v1/requests").values()) == {0}
    dell = client("dell")
    dell.get("/redfish/v1")
    dell.get("/redfish/v1/Systems")
    dell.get("/redfish/v1/Systems")
    counts = lab.control("GET", "/lab/v1/requests")
    assert counts["dell"] == 3
    assert counts["smc"] == 0
    detail = lab.control("GET", "/lab/v1/bmcs/dell/requests")
    assert detail["total"] == 3
    assert detail["by_request"]["GET /redfish/v1/Systems"] == 2


# --- service documents and transport -----------------------------------------------------


def test_metadata_document(client):
    response = client("dell", auth=None).get("/redfish/v1/$metadata")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    namespaces = {include.attrib["Namespace"] for include in root.iter(f"{EDMX}Include")}
    assert {"ComputerSystem", "ComputerSystem.v1_20_0", "Processor.v1_18_0", "ServiceRoot.v1_15_0"} <= namespaces
    assert not any(namespace.startswith("Dell") for namespace in namespaces)

    if CSDL.is_dir():
        for reference in root.iter(f"{EDMX}Reference"):
            filename = reference.attrib["Uri"].rsplit("/", 1)[-1]
            assert (CSDL / filename).is_file(), filename


def test_odata_service_document(client):
    document = client("nv", auth=None).json("/redfish/v1/odata")
    urls = {entry["name"]: entry["url"] for entry in document["value"]}
    assert urls["Systems"] == "/redfish/v1/Systems"
    assert urls["Service"] == "/redfish/v1/"


def test_listens_on_loopback_only(lab):
    for endpoint in lab.endpoints:
        assert endpoint["url"].startswith(("https://127.0.0.1:", "http://127.0.0.1:"))
        assert listening_address(endpoint["port"]) == "127.0.0.1", endpoint["name"]
    control_port = int(lab.control_url.rsplit(":", 1)[1])
    assert listening_address(control_port) == "127.0.0.1"


def test_plain_http_when_tls_off(lab):
    assert lab.url("nv").startswith("http://")
    assert lab.url("dell").startswith("https://")


def test_dell_pcie_device_alias(client):
    dell = client("dell")
    system = dell.json(DELL_SYSTEM)
    link = system["PCIeDevices"][0]["@odata.id"]
    assert link.startswith(f"{DELL_SYSTEM}/PCIeDevices/")
    device = dell.json(link)
    assert device["@odata.id"].startswith("/redfish/v1/Chassis/System.Embedded.1/PCIeDevices/")
    assert dell.json(device["@odata.id"]) == device
