"""redfish_virtual_media on scripted BMCs, including the slot faults seen on real BMCs."""

import pytest

from lifecycle_bmc import SYSTEM_URI, Resource, body_of, client, error, routes, sent, systems
from scripted_bmc import ScriptedBmc, collection, ok
from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishBadRequestError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.virtual_media import (
    set_virtual_media,
    slot_is_free,
)

MEDIA_URI = SYSTEM_URI + "/VirtualMedia"
IMAGE = "https://images.example/install.iso"


def params(**extra):
    values = {"system_id": None, "state": "present", "image_url": IMAGE, "media_type": "cd", "slot": None,
              "image_username": None, "image_password": None, "transfer_protocol": None,
              "transfer_method": None, "write_protected": True}
    values.update(extra)
    return values


class Slot(Resource):
    """A virtual media slot whose InsertMedia and EjectMedia change its state."""

    def __init__(self, slot_id, media_types, actions=True, insert_check=None, **state):
        uri = "%s/%s" % (MEDIA_URI, slot_id)
        payload = {"Id": slot_id, "MediaTypes": media_types, "Inserted": False, "Image": None,
                   "ImageName": None, "ConnectedVia": "NotConnected"}
        payload.update(state)
        if actions:
            payload["Actions"] = {
                "#VirtualMedia.InsertMedia": {"target": uri + "/Actions/VirtualMedia.InsertMedia"},
                "#VirtualMedia.EjectMedia": {"target": uri + "/Actions/VirtualMedia.EjectMedia"}}
        super().__init__(uri, payload)
        self.insert_check = insert_check
        self.inserts = []
        self.ejects = 0

    def routes(self):
        table = super().routes()
        table[("POST", self.uri + "/Actions/VirtualMedia.InsertMedia")] = [self.insert]
        table[("POST", self.uri + "/Actions/VirtualMedia.EjectMedia")] = [self.eject]
        return table

    def insert(self, method, path, headers, body):
        data = body_of((method, path, headers, body))
        self.inserts.append(data)
        if self.insert_check is not None:
            answer = self.insert_check(data)
            if answer is not None:
                return answer
        self.payload.update(Image=data["Image"], ImageName=data["Image"].rsplit("/", 1)[-1], Inserted=True,
                            ConnectedVia="URI")
        return (204, "", {})

    def eject(self, method, path, headers, body):
        self.ejects += 1
        self.payload.update(Image=None, Inserted=False, ConnectedVia="NotConnected")
        return (204, "", {})


def run(slots, parameters, check_mode=False):
    system = Resource(SYSTEM_URI, {"Id": "1", "VirtualMedia": {"@odata.id": MEDIA_URI},
                                   "Actions": {"#ComputerSystem.Reset": {"target": "x"}}})
    extra = systems()
    extra[("GET", MEDIA_URI)] = [ok(collection(MEDIA_URI, [slot.uri for slot in slots]))]
    with ScriptedBmc(routes(system, *slots, extra=extra)) as bmc:
        with client(bmc) as redfish:
            outcome = set_virtual_media(redfish, parameters, check_mode)
    return bmc, outcome


def test_virtual_media_slot_not_connected():
    # Supermicro X12: a slot that still shows an old image name but is not connected is free,
    # and InsertMedia refuses Inserted and WriteProtected in its body.
    def reject_defaults(data):
        if "Inserted" in data or "WriteProtected" in data:
            return error(400, "Base.1.12.ActionParameterNotSupported", "property not in the list of valid properties")
        return None

    slot = Slot("CD1", ["CD", "DVD"], insert_check=reject_defaults, ImageName="old.iso")
    _bmc, outcome = run([slot], params())
    assert slot.ejects == 0
    assert slot.inserts == [{"Image": IMAGE}]
    assert outcome.changed
    assert outcome.result["slot"] == "CD1"
    assert outcome.result["ejected"] == []

    _bmc, outcome = run([slot], params())
    assert not outcome.changed
    assert len(slot.inserts) == 1


def test_virtual_media_credentials_required():
    # NVIDIA DGX BMCs require UserName even for an anonymous share.
    def need_credentials(data):
        if "UserName" not in data:
            return error(400, "Base.1.12.ActionParameterMissing", "UserName is missing",
                         args=[MEDIA_URI + "/CD1/Actions/VirtualMedia.InsertMedia", "UserName"],
                         related=["#/UserName"])
        return None

    slot = Slot("CD1", ["CD"], insert_check=need_credentials)
    _bmc, outcome = run([slot], params(image_url="http://images.example/install.iso"))
    assert len(slot.inserts) == 2
    assert "UserName" not in slot.inserts[0]
    assert slot.inserts[1]["UserName"] == "anonymous"
    assert slot.inserts[1]["Password"] == "anonymous"
    assert outcome.changed


def test_virtual_media_transfer_protocol_filled():
    def need_protocol(data):
        if "TransferProtocolType" not in data:
            return error(400, "Base.1.12.ActionParameterMissing", "missing", args=["x", "TransferProtocolType"])
        return None

    slot = Slot("CD1", ["CD"], insert_check=need_protocol)
    run([slot], params(image_url="http://images.example/install.iso"))
    assert slot.inserts[-1]["TransferProtocolType"] == "HTTP"


def test_virtual_media_still_failing_reports_both():
    slot = Slot("CD1", ["CD"], insert_check=lambda data: error(
        400, "Base.1.12.ActionParameterMissing", "UserName is missing", args=["x", "UserName"]))
    with pytest.raises(RedfishBadRequestError) as caught:
        run([slot], params())
    assert len(slot.inserts) == 2
    assert "Base.1.12.ActionParameterMissing" in str(caught.value)
    assert "missing Password, UserName were added" in str(caught.value)
    assert "image_username" in str(caught.value)


def test_virtual_media_user_credentials_not_leaked():
    slot = Slot("CD1", ["CD"], insert_check=lambda data: error(400, "Base.1.12.GeneralError", "cannot mount"))
    with pytest.raises(RedfishBadRequestError) as caught:
        run([slot], params(image_username="share-user", image_password="share-secret"))
    assert slot.inserts[0]["Password"] == "share-secret"
    assert "share-secret" not in str(caught.value)


def test_virtual_media_stale_image_ejected_first():
    slot = Slot("CD1", ["CD", "DVD"], Inserted=True, Image="https://images.example/old.iso",
                ImageName="old.iso", ConnectedVia="URI")
    bmc, outcome = run([slot], params())
    actions = [r[1].rsplit(".", 1)[-1] for r in sent(bmc, "POST") if "VirtualMedia." in r[1]]
    assert actions == ["EjectMedia", "InsertMedia"]
    assert outcome.result["ejected"] == ["https://images.example/old.iso"]
    assert outcome.before == {"slot": "CD1", "image": "https://images.example/old.iso", "inserted": True}


def test_virtual_media_prefers_free_slot_of_type():
    usb = Slot("USB1", ["USBStick"])
    busy = Slot("CD1", ["CD"], Inserted=True, Image="https://images.example/other.iso", ConnectedVia="URI")
    free = Slot("CD2", ["CD", "DVD"])
    _bmc, outcome = run([usb, busy, free], params())
    assert outcome.result["slot"] == "CD2"
    assert busy.ejects == 0
    assert usb.inserts == []


def test_virtual_media_patch_only_slot():
    # Lenovo XCC "Remote" slots have no actions: media is attached with a PATCH.
    slot = Slot("Remote1", ["CD", "DVD", "USBStick"], actions=False)
    slot.etag = '"7"'
    slot.require_etag = True
    slot.on_patch = lambda data, headers: slot.payload.update(
        ConnectedVia="URI" if data.get("Inserted") else "NotConnected")
    _bmc, outcome = run([slot], params())
    assert slot.patches == [{"Image": IMAGE, "Inserted": True}]
    assert outcome.changed

    _bmc, outcome = run([slot], params(state="absent"))
    assert slot.patches[-1] == {"Image": None, "Inserted": False}
    assert outcome.changed


def test_virtual_media_absent_ejects_matching():
    slot = Slot("CD1", ["CD"], Inserted=True, Image=IMAGE, ConnectedVia="URI")
    other = Slot("CD2", ["CD"], Inserted=True, Image="https://images.example/keep.iso", ConnectedVia="URI")
    _bmc, outcome = run([slot, other], params(state="absent"))
    assert slot.ejects == 1
    assert other.ejects == 0
    assert outcome.result["ejected"] == [IMAGE]

    _bmc, outcome = run([slot, other], params(state="absent"))
    assert not outcome.changed


def test_virtual_media_check_mode_sends_nothing():
    slot = Slot("CD1", ["CD"])
    bmc, outcome = run([slot], params(), check_mode=True)
    assert outcome.changed
    assert sent(bmc, "POST", slot.uri + "/Actions/VirtualMedia.InsertMedia") == []


def test_virtual_media_no_slot_for_type():
    with pytest.raises(InvalidInputError) as caught:
        run([Slot("Floppy1", ["Floppy"])], params(media_type="usb"))
    assert "no virtual media slot for media type usb" in str(caught.value)
    assert MEDIA_URI in str(caught.value)
    assert "The slots take: Floppy" in str(caught.value)


def test_slot_is_free_rules():
    assert slot_is_free({"Inserted": False, "Image": "x"})
    assert slot_is_free({"Inserted": True, "Image": "x", "ConnectedVia": "NotConnected"})
    assert not slot_is_free({"Inserted": True, "Image": "x", "ConnectedVia": "URI"})
