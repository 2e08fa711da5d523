"""Real captured Redfish services served through the lab, with its auth and state overlay."""

from __future__ import annotations

import pytest

from lab import runner
from lab.testing import MOCKUPS, Client, message_ids

pytestmark = pytest.mark.skipif(not MOCKUPS.is_dir(), reason=f"captures folder {MOCKUPS} is missing (expected next to the repository)")

DELL_SYSTEM = "/redfish/v1/Systems/System.Embedded.1"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    factory = {
        "control_port": 0,
        "defaults": {"base_port": 0},
        "bmcs": [
            {"name": "r750", "mockup": str(MOCKUPS / "dell")},
            {"name": "bluefield", "mockup": str(MOCKUPS / "nvidia_dpu")},
            {"name": "gh200", "mockup": str(MOCKUPS / "nvidia_gh200"), "tls": False},
            {"name": "sr670", "mockup": str(MOCKUPS / "lenovo_sr670")},
            {"name": "flaky-r750", "mockup": str(MOCKUPS / "dell"), "latency_ms": 20, "faults": {"error_burst": {"count": 1, "retry_after": 2}}},
        ],
    }
    with runner.running(factory, tmp_path_factory.mktemp("lab-mockup")) as running_lab:
        yield running_lab


@pytest.fixture
def r750(lab):
    client = Client(lab, "r750")
    yield client
    client.close()


def test_capture_values(r750):
    system = r750.json(DELL_SYSTEM)
    assert system["Model"] == "PowerEdge R750"
    assert system["SerialNumber"] == "CNIVC0014M0388"
    assert system["Manufacturer"] == "Dell Inc."
    gpu = r750.json(f"{DELL_SYSTEM}/Processors/Video.Slot.2-1")
    assert gpu["ProcessorType"] == "GPU"
    assert gpu["Model"] == "NVIDIA H100 PCIe"
    manager = r750.json("/redfish/v1/Managers/iDRAC.Embedded.1")
    assert manager["@odata.type"].startswith("#Manager.")


def test_capture_needs_auth(lab, r750):
    assert Client(lab, "r750", auth=None).get(DELL_SYSTEM).status_code == 401
    user, password = lab.credentials("r750")
    login = Client(lab, "r750", auth=None).post("/redfish/v1/SessionService/Sessions", {"UserName": user, "Password": password})
    assert login.status_code == 201
    sessions = r750.json("/redfish/v1/SessionService/Sessions")
    # Only live sessions show, not the ones recorded in the capture.
    assert sessions["Members"] == [{"@odata.id": login.headers["Location"]}]


def test_capture_power_overlay(lab, r750):
    target = f"{DELL_SYSTEM}/Actions/ComputerSystem.Reset"
    assert r750.post(target, {"ResetType": "ForceOff"}).status_code == 204
    assert r750.json(DELL_SYSTEM)["PowerState"] == "Off"
    assert lab.control("GET", "/lab/v1/bmcs/r750/state")["systems"]["System.Embedded.1"]["PowerState"] == "Off"
    rejected = r750.post(target, {"ResetType": "ForceOn"})
    assert rejected.status_code == 400
    assert message_ids(rejected) == ["Base.1.18.1.ActionParameterValueNotInList"]
    assert r750.post(target, {"ResetType": "On"}).status_code == 204
    assert r750.json(DELL_SYSTEM)["PowerState"] == "On"


def test_capture_boot_override(r750):
    response = r750.patch(DELL_SYSTEM, {"Boot": {"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Once"}})
    assert response.status_code == 200
    boot = r750.json(DELL_SYSTEM)["Boot"]
    assert boot["BootSourceOverrideTarget"] == "Pxe"
    assert boot["BootSourceOverrideEnabled"] == "Once"
    assert r750.patch(DELL_SYSTEM, {"Boot": {"BootSourceOverrideTarget": "Usb"}}).status_code == 400


def test_capture_read_only(r750):
    assert r750.patch(DELL_SYSTEM, {"AssetTag": "x"}).status_code == 400
    assert r750.patch("/redfish/v1/Managers/iDRAC.Embedded.1", {"DateTime": "x"}).status_code == 405


def test_capture_body_names_other_uri(lab):
    # The folder path is the URI served, even where the body names another URI.
    interface = Client(lab, "bluefield").json("/redfish/v1/Systems/Bluefield/EthernetInterfaces/eth0")
    assert interface["@odata.id"] == "/redfish/v1/Managers/Bluefield_BMC/EthernetInterfaces/eth0"


def test_capture_quirks(r750):
    # A captured error body keeps an error status.
    assert r750.get("/redfish/v1/AccountService/ExternalAccountProviders").status_code == 400
    # A folder named with a query serves that page.
    page = r750.get(f"{DELL_SYSTEM}/Oem/Dell/DellSensors?$skip=50")
    assert page.status_code == 200
    assert page.json()["@odata.id"].endswith("DellSensors")


def test_capture_expand(r750):
    systems = r750.json("/redfish/v1/Systems?$expand=.($levels=1)")
    assert systems["Members"][0]["Model"] == "PowerEdge R750"


def test_null_members_collection(lab):
    bluefield = Client(lab, "bluefield")
    storage = bluefield.json("/redfish/v1/Systems/Bluefield/Storage")
    assert storage["Members"] is None
    expanded = bluefield.json("/redfish/v1/Systems/Bluefield/Storage?$expand=*")
    assert expanded["Members"] is None


def test_capture_dpu_mode(lab):
    bluefield = Client(lab, "bluefield")
    oem = "/redfish/v1/Systems/Bluefield/Oem/Nvidia"
    assert bluefield.json(oem)["Mode"] == "DpuMode"
    assert bluefield.post(f"{oem}/Actions/Mode.Set", {"Mode": "NicMode"}).status_code == 204
    assert bluefield.json(oem)["Mode"] == "DpuMode"
    assert bluefield.post("/redfish/v1/Systems/Bluefield/Actions/ComputerSystem.Reset", {"ResetType": "PowerCycle"}).status_code == 204
    assert bluefield.json(oem)["Mode"] == "NicMode"


def test_capture_trailing_slash_ids(lab):
    gh200 = Client(lab, "gh200")
    assert lab.url("gh200").startswith("http://")
    service = gh200.json("/redfish/v1/SessionService")
    assert service["@odata.id"] == "/redfish/v1/SessionService/"
    assert gh200.json("/redfish/v1/SessionService/") == service
    systems = [member["@odata.id"] for member in gh200.json("/redfish/v1/Systems")["Members"]]
    assert systems == ["/redfish/v1/Systems/System_0", "/redfish/v1/Systems/HGX_Baseboard_0"]
    # Only the host system has a Reset action, so only it gets the power overlay.
    assert list(lab.control("GET", "/lab/v1/bmcs/gh200/state")["systems"]) == ["System_0"]


def test_capture_root_with_trailing_slash(lab):
    sr670 = Client(lab, "sr670")
    assert sr670.json("/redfish/v1")["@odata.id"] == "/redfish/v1/"
    user, password = lab.credentials("sr670")
    login = Client(lab, "sr670", auth=None).post("/redfish/v1/SessionService/Sessions", {"UserName": user, "Password": password})
    assert login.status_code == 201


def test_capture_faults_and_latency(lab):
    flaky = Client(lab, "flaky-r750")
    first = flaky.get(DELL_SYSTEM)
    assert first.status_code == 503
    assert first.headers["Retry-After"] == "2"
    assert flaky.json(DELL_SYSTEM)["Model"] == "PowerEdge R750"
