"""redfish_firmware on scripted BMCs: method choice, task monitors, inventory confirmation."""

import json

import pytest

from lifecycle_bmc import FakeClock, client, routes, sent
from scripted_bmc import ROOT, ScriptedBmc, collection, ok
from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishResponseError,
    WaitTimeoutError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.firmware import (
    UpdateOptions,
    update_firmware,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.task_monitor import TaskFailedError

SERVICE_URI = "/redfish/v1/UpdateService"
INVENTORY_URI = SERVICE_URI + "/FirmwareInventory"
SIMPLE_URI = SERVICE_URI + "/Actions/UpdateService.SimpleUpdate"
PUSH_URI = SERVICE_URI + "/update-multipart"
MONITOR_URI = "/redfish/v1/TaskService/TaskMonitors/7"
TASK_URI = "/redfish/v1/TaskService/Tasks/7"


def params(**extra):
    values = {"image_uri": None, "image_path": None, "targets": None, "version": None, "apply_time": None,
              "transfer_protocol": None, "method": "auto", "image_username": None, "image_password": None,
              "wait": True, "wait_timeout": 60, "poll_interval": 5.0, "timeout": 10, "validate_certs": True,
              "ca_path": None}
    values.update(extra)
    return values


class Firmware:
    """An UpdateService with a BMC firmware component whose version changes when the task ends."""

    def __init__(self, simple_update=True, multipart=False, simple_extra=None, monitor=None):
        self.version = "1.0"
        self.service = {"@odata.id": SERVICE_URI, "FirmwareInventory": {"@odata.id": INVENTORY_URI}, "Actions": {}}
        if simple_update:
            action = {"target": SIMPLE_URI}
            action.update(simple_extra or {})
            self.service["Actions"]["#UpdateService.SimpleUpdate"] = action
        if multipart:
            self.service["MultipartHttpPushUri"] = PUSH_URI
        self.monitor = list(monitor or [])

    def routes(self):
        accepted = (202, {"@odata.id": TASK_URI, "@odata.type": "#Task.v1_4_3.Task", "TaskState": "New"},
                    {"Location": MONITOR_URI})
        return {
            ("GET", "/redfish/v1/"): [ok(dict(ROOT, UpdateService={"@odata.id": SERVICE_URI}))],
            ("GET", SERVICE_URI): [ok(self.service)],
            ("GET", INVENTORY_URI): [ok(collection(INVENTORY_URI, [INVENTORY_URI + "/BMC"]))],
            ("GET", INVENTORY_URI + "/BMC"): [self.inventory],
            ("POST", SIMPLE_URI): [accepted],
            ("POST", PUSH_URI): [accepted],
            ("GET", MONITOR_URI): [self.poll],
        }

    def inventory(self, *request):
        return ok({"@odata.id": INVENTORY_URI + "/BMC", "Id": "BMC", "Name": "BMC firmware",
                   "Version": self.version, "Updateable": True})

    def poll(self, *request):
        answer = self.monitor.pop(0) if len(self.monitor) > 1 else self.monitor[0]
        if answer[0] == 200 and answer[1].get("TaskState") == "Completed" or answer[0] == 404:
            self.version = "2.0"
        return answer


def running(percent, retry_after=None):
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return (202, {"@odata.id": TASK_URI, "TaskState": "Running", "PercentComplete": percent}, headers)


COMPLETED = (200, {"@odata.id": TASK_URI, "TaskState": "Completed", "PercentComplete": 100}, {})
GONE = (404, {"error": {"code": "Base.1.12.ResourceMissingAtURI", "message": "gone"}}, {})


def run(firmware, parameters, check_mode=False, clock=None, extra=None):
    fake = clock or FakeClock()
    table = firmware.routes()
    table.update(extra or {})
    options = UpdateOptions(wait=parameters["wait"], timeout=parameters["wait_timeout"],
                            interval=parameters["poll_interval"], sleep=fake.sleep, clock=fake.clock)
    with ScriptedBmc(routes(extra=table)) as bmc:
        with client(bmc) as redfish:
            outcome = update_firmware(redfish, parameters, check_mode, options)
    return bmc, outcome


def test_firmware_inventory_only():
    _bmc, outcome = run(Firmware(), params())
    assert not outcome.changed
    assert outcome.result["inventory"][0]["version"] == "1.0"
    assert outcome.result["inventory"][0]["id"] == "BMC"


def test_nested_allowable_values():
    # A BlueField-3 BMC nests the allowed protocols: [["SCP"]].
    firmware = Firmware(simple_extra={"TransferProtocol@Redfish.AllowableValues": [["SCP"]]},
                        monitor=[COMPLETED])
    bmc, outcome = run(firmware, params(image_uri="scp://10.0.0.9/fw/bf3.bfb", targets=["BMC"]))
    body = json.loads(sent(bmc, "POST", SIMPLE_URI)[0][3])
    assert body["TransferProtocol"] == "SCP"
    assert body["Targets"] == [INVENTORY_URI + "/BMC"]
    assert outcome.changed

    with pytest.raises(InvalidInputError) as caught:
        run(Firmware(simple_extra={"TransferProtocol@Redfish.AllowableValues": [["SCP"]]}),
            params(image_uri="http://10.0.0.9/fw/bf3.bfb"))
    assert "takes SCP" in str(caught.value)


def test_task_monitor_honours_retry_after():
    fake = FakeClock()
    firmware = Firmware(monitor=[running(20, 3), running(60, 3), COMPLETED])
    _bmc, outcome = run(firmware, params(image_uri="https://files/fw.bin", version="2.0"), clock=fake)
    assert fake.sleeps == [3.0, 3.0]
    assert outcome.result["task_state"] == "Completed"
    assert outcome.result["task_uri"] == TASK_URI
    assert outcome.after == {"versions": {"BMC": "2.0"}}


def test_task_monitor_gone_confirmed_by_inventory():
    firmware = Firmware(monitor=[running(50), GONE])
    extra = {("GET", TASK_URI): [GONE]}
    _bmc, outcome = run(firmware, params(image_uri="https://files/fw.bin", version="2.0"), extra=extra)
    assert outcome.changed
    assert outcome.result["confirmed_by"] == "inventory"
    assert outcome.warnings == []


def test_task_monitor_gone_without_new_version_fails():
    firmware = Firmware(monitor=[GONE])
    firmware.poll = lambda *request: GONE
    with pytest.raises(RedfishResponseError) as caught:
        run(firmware, params(image_uri="https://files/fw.bin", version="2.0"))
    assert "does not show version 2.0" in str(caught.value)


def test_task_monitor_timeout_message():
    firmware = Firmware(monitor=[running(40)])
    with pytest.raises(WaitTimeoutError) as caught:
        run(firmware, params(image_uri="https://files/fw.bin", wait_timeout=12))
    message = str(caught.value)
    assert "did not finish within 12s" in message
    assert "Running, 40% complete" in message
    assert TASK_URI in message


def test_task_failure_names_message():
    failed = (200, {"@odata.id": TASK_URI, "TaskState": "Exception", "Messages": [
        {"MessageId": "Update.1.0.VerificationFailed", "Message": "Image signature is invalid"}]}, {})
    with pytest.raises(TaskFailedError) as caught:
        run(Firmware(monitor=[failed]), params(image_uri="https://files/fw.bin"))
    assert "Image signature is invalid" in str(caught.value)
    assert "Update.1.0.VerificationFailed" in str(caught.value)


def test_multipart_push_when_no_simple_update(tmp_path):
    image = tmp_path / "bmc-2.0.fwpkg"
    image.write_bytes(b"FIRMWARE-IMAGE-BYTES")
    firmware = Firmware(simple_update=False, multipart=True, monitor=[COMPLETED])
    firmware.service["@Redfish.OperationApplyTimeSupport"] = {"SupportedValues": ["Immediate", "OnReset"]}
    bmc, outcome = run(firmware, params(image_path=str(image), targets=["BMC"], apply_time="on_reset"))
    post = sent(bmc, "POST", PUSH_URI)[0]
    assert post[2]["Content-Type"].startswith("multipart/form-data")
    assert b"FIRMWARE-IMAGE-BYTES" in post[3]
    assert b'"@Redfish.OperationApplyTime": "OnReset"' in post[3]
    assert b'"Targets": ["/redfish/v1/UpdateService/FirmwareInventory/BMC"]' in post[3]
    assert outcome.result["method"] == "multipart"
    assert outcome.result["reboot_required"] is True


def test_image_uri_pushed_when_only_multipart():
    firmware = Firmware(simple_update=False, multipart=True, monitor=[COMPLETED])
    extra = {("GET", "/images/fw.bin"): [(200, b"DOWNLOADED-IMAGE", {})]}
    table = firmware.routes()
    table.update(extra)
    with ScriptedBmc(routes(extra=table)) as bmc:
        parameters = params(image_uri=bmc.url + "/images/fw.bin")
        fake = FakeClock()
        with client(bmc) as redfish:
            outcome = update_firmware(redfish, parameters, False, UpdateOptions(sleep=fake.sleep, clock=fake.clock))
    assert b"DOWNLOADED-IMAGE" in sent(bmc, "POST", PUSH_URI)[0][3]
    assert outcome.result["method"] == "multipart"


def test_version_already_installed_is_unchanged():
    firmware = Firmware(monitor=[COMPLETED])
    firmware.version = "2.0"
    bmc, outcome = run(firmware, params(image_uri="https://files/fw.bin", version="2.0", targets=["BMC"]))
    assert not outcome.changed
    assert sent(bmc, "POST", SIMPLE_URI) == []


def test_check_mode_sends_no_update():
    bmc, outcome = run(Firmware(monitor=[COMPLETED]), params(image_uri="https://files/fw.bin"), check_mode=True)
    assert outcome.changed
    assert sent(bmc, "POST", SIMPLE_URI) == []


def test_unknown_target_lists_inventory():
    with pytest.raises(InvalidInputError) as caught:
        run(Firmware(), params(image_uri="https://files/fw.bin", targets=["BIOS"]))
    assert "Use one of: BMC" in str(caught.value)


def test_image_path_without_multipart_explains():
    with pytest.raises(InvalidInputError) as caught:
        run(Firmware(), params(image_path=__file__))
    assert "give image_uri" in str(caught.value)
