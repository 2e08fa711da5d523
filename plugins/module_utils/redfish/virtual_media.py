# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The logic of the redfish_virtual_media module.

Slots are found under the system (Redfish 1.x newer BMCs) or under its manager (older
ones), and chosen by media type.  A slot that is not inserted, or whose ConnectedVia is
NotConnected, is free whatever image name it still shows.  Media is inserted with the
InsertMedia action, or with a PATCH on BMCs whose slots have no actions.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath
from urllib.parse import urlsplit

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishBadRequestError,
    RedfishResponseError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import etag as etag_util
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.actions import (
    action_info_parameters,
    find_action,
    post_action,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.client import odata_id
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.runner import Outcome
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.shapes import link, links
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.system import find_system
from ansible_collections.aifactory.infra.plugins.module_utils.retry import message_key

INSERT = "#VirtualMedia.InsertMedia"
EJECT = "#VirtualMedia.EjectMedia"

# Module choices and the Redfish MediaTypes a slot must list to take them.
MEDIA_TYPES = {"cd": ("CD", "DVD"), "usb": ("USBStick",), "floppy": ("Floppy",)}

# URL schemes and the TransferProtocolType values for them.
PROTOCOLS = {
    "http": "HTTP", "https": "HTTPS", "nfs": "NFS", "cifs": "CIFS", "smb": "CIFS",
    "ftp": "FTP", "sftp": "SFTP", "scp": "SCP", "tftp": "TFTP",
}

# The credentials sent to a BMC that insists on UserName and Password for a share that
# needs none.
ANONYMOUS = "anonymous"


class InsertRequest:
    """An image to insert: its URL and the optional InsertMedia parameters."""

    def __init__(self, image_url, media_type, username=None, password=None, transfer_protocol=None,
                 transfer_method=None, write_protected=True):
        self.image_url = image_url
        self.media_type = media_type
        self.username = username
        self.password = password
        self.transfer_protocol = transfer_protocol
        self.transfer_method = transfer_method
        self.write_protected = write_protected

    def protocol_from_url(self):
        return PROTOCOLS.get(urlsplit(self.image_url).scheme.lower())

    def parameters(self):
        """Return the InsertMedia parameters the user set; defaults are left out."""
        body = {"Image": self.image_url}
        if self.username:
            body["UserName"] = self.username
        if self.password:
            body["Password"] = self.password
        if self.transfer_protocol:
            body["TransferProtocolType"] = self.transfer_protocol
        if self.transfer_method:
            body["TransferMethod"] = self.transfer_method
        # Inserted and WriteProtected default to true; some BMCs reject them in the body
        # (Supermicro X12 rejects them with 400), so they go only when they differ from the default.
        if not self.write_protected:
            body["WriteProtected"] = False
        return body

    def fill(self, name):
        """Return a value for a parameter the BMC reports missing, or None."""
        values = {
            "UserName": self.username or ANONYMOUS,
            "Password": self.password or ANONYMOUS,
            "TransferProtocolType": self.transfer_protocol or self.protocol_from_url(),
            "TransferMethod": self.transfer_method or "Stream",
            "Inserted": True,
            "WriteProtected": self.write_protected,
        }
        return values.get(name)


def slot_supports(slot, media_type):
    types = slot.get("MediaTypes")
    if not isinstance(types, list) or not types:
        return True
    return any(kind in types for kind in MEDIA_TYPES[media_type])


def slot_is_free(slot):
    """True when nothing usable is attached: not inserted, or not connected."""
    return slot.get("Inserted") is False or slot.get("ConnectedVia") == "NotConnected" or (
        slot.get("Inserted") is None and not slot.get("Image"))


def slot_image(slot):
    """Return the image attached to a slot that is in use, or None for a free slot."""
    if slot_is_free(slot):
        return None
    return slot.get("Image") or slot.get("ImageName") or None


def slot_holds(slot, image_url):
    """True when the slot is in use with ``image_url``.

    A BMC that reports only ImageName (the file name) matches on the URL's file name.
    """
    if slot_is_free(slot):
        return False
    if slot.get("Image"):
        return slot["Image"] == image_url
    name = posixpath.basename(urlsplit(image_url).path)
    return bool(name) and slot.get("ImageName") == name


def read_slots(client, system_payload):
    """Return ``(collection_uri, slots)``: the virtual media slots of a system."""
    uri = link(system_payload, "VirtualMedia")
    if not uri:
        for manager_uri in links(system_payload.get("Links") or {}, "ManagedBy"):
            uri = link(client.get(manager_uri), "VirtualMedia")
            if uri:
                break
    if not uri:
        raise InvalidInputError(
            "BMC %s: system %s has no virtual media." % (client.base_url, system_payload.get("@odata.id")),
            hint="Use PXE or HTTP boot on this BMC instead.")
    _collection, members, missing = client.get_collection(uri)
    return uri, members + [client.get(member) for member in missing]


def choose_slot(slots, media_type, slot_id=None, where="The BMC"):
    """Return the slot to insert into: the named one, else a free one, else one in use.

    ``where`` names the BMC and the slot collection in error messages.
    """
    fitting = [slot for slot in slots if slot_supports(slot, media_type)]
    if slot_id:
        named = [slot for slot in slots if slot.get("Id") == slot_id]
        if not named:
            raise InvalidInputError("%s has no virtual media slot %r." % (where, slot_id),
                                    hint="Use one of: %s." % ", ".join(str(s.get("Id")) for s in slots))
        if named[0] not in fitting:
            raise InvalidInputError("%s: virtual media slot %r does not take media type %s (it takes %s)." % (
                where, slot_id, media_type, ", ".join(named[0].get("MediaTypes") or [])),
                hint="Choose another slot or media_type.")
        return named[0]
    if not fitting:
        raise InvalidInputError("%s has no virtual media slot for media type %s." % (where, media_type),
                                hint="The slots take: %s." % ", ".join(sorted(
                                    {kind for slot in slots for kind in slot.get("MediaTypes") or []})))
    free = [slot for slot in fitting if slot_is_free(slot)]
    return (free or fitting)[0]


def set_virtual_media(client, params, check_mode):
    """Run redfish_virtual_media for the module ``params`` and return its Outcome."""
    system = find_system(client, params.get("system_id"))
    collection_uri, slots = read_slots(client, system.payload)
    media_type = params["media_type"]
    result = {"system_id": system.system_id, "media_type": media_type}

    if params["state"] == "absent":
        return _eject_all(client, slots, media_type, params.get("image_url"), check_mode, result)

    request = InsertRequest(
        params["image_url"], media_type, params.get("image_username"), params.get("image_password"),
        params.get("transfer_protocol"), params.get("transfer_method"), params["write_protected"])
    holding = [slot for slot in slots if slot_supports(slot, media_type) and slot_holds(slot, request.image_url)
               and (not params.get("slot") or slot.get("Id") == params["slot"])]
    if holding:
        slot = holding[0]
        state = _slot_state(slot)
        result.update(slot=slot.get("Id"), slot_uri=odata_id(slot), image=request.image_url, ejected=[])
        return Outcome(False, state, state, **result)

    slot = choose_slot(slots, media_type, params.get("slot"), "BMC %s: %s" % (client.base_url, collection_uri))
    stale = slot_image(slot)
    before = _slot_state(slot)
    after = {"slot": slot.get("Id"), "image": request.image_url, "inserted": True}
    result.update(slot=slot.get("Id"), slot_uri=odata_id(slot), image=request.image_url,
                  ejected=[stale] if stale else [])
    if check_mode:
        return Outcome(True, before, after, **result)

    if stale:
        eject(client, slot)
    insert(client, slot, request)
    _verify_inserted(client, slot, request)
    return Outcome(True, before, after, **result)


def _eject_all(client, slots, media_type, image_url, check_mode, result):
    in_use = [slot for slot in slots if slot_supports(slot, media_type) and slot_image(slot)
              and (not image_url or slot_holds(slot, image_url))]
    before = [_slot_state(slot) for slot in in_use]
    after = [dict(state, image=None, inserted=False) for state in before]
    result.update(ejected=[slot_image(slot) for slot in in_use], slots=[slot.get("Id") for slot in in_use])
    if in_use and not check_mode:
        for slot in in_use:
            eject(client, slot)
    return Outcome(bool(in_use), {"slots": before}, {"slots": after}, **result)


def _slot_state(slot):
    return {"slot": slot.get("Id"), "image": slot_image(slot), "inserted": not slot_is_free(slot)}


def eject(client, slot):
    """Eject the media of a slot, with EjectMedia or, on BMCs without it, a PATCH."""
    action = find_action(slot, EJECT)
    if action is not None:
        post_action(client, action, {})
        return
    uri = odata_id(slot)
    _payload, tag = etag_util.read_with_etag(client, uri)
    etag_util.patch(client, uri, {"Image": None, "Inserted": False}, tag)


def insert(client, slot, request):
    """Insert ``request``'s image into ``slot`` with InsertMedia or, without it, a PATCH.

    When the BMC rejects the action with ActionParameterMissing the action is sent once more with the
    missing parameters filled in (placeholder credentials for an anonymous share, the
    transfer protocol from the URL, TransferMethod Stream).
    """
    action = find_action(slot, INSERT)
    if action is None:
        _insert_by_patch(client, slot, request)
        return

    body = request.parameters()
    for name, parameter in action_info_parameters(client, action).items():
        if parameter.get("Required") and name not in body and request.fill(name) is not None:
            body[name] = request.fill(name)
    try:
        post_action(client, action, body)
        return
    except RedfishBadRequestError as exc:
        missing = _missing_parameters(exc)
        filled = {name: request.fill(name) for name in missing
                  if name not in body and request.fill(name) is not None}
        if not filled:
            raise
        first_error = exc

    body.update(filled)
    try:
        post_action(client, action, body)
    except RedfishBadRequestError as exc:
        raise RedfishBadRequestError(
            exc.bmc, exc.uri, "%s (after a first attempt failed with %s and the missing %s were added)" % (
                exc.reason.rstrip("."), first_error.message_id, ", ".join(sorted(filled))),
            status=exc.status, message_id=exc.message_id, method=exc.method,
            message_args=exc.message_args, related_properties=exc.related_properties,
            hint="Give image_username, image_password, transfer_protocol or transfer_method "
                 "as the BMC requires.")


def _missing_parameters(error):
    """Return the parameter names an ActionParameterMissing error names."""
    if message_key(error.message_id) != "ActionParameterMissing":
        return []
    names = [prop.rsplit("/", maxsplit=1)[-1] for prop in error.related_properties if isinstance(prop, str)]
    # The Base registry puts the parameter name last in MessageArgs (action, parameter).
    if error.message_args:
        names.append(str(error.message_args[-1]).rsplit("/", maxsplit=1)[-1])
    # A BMC that reports one credential missing reports the other one next.
    if "UserName" in names or "Password" in names:
        names.extend(["UserName", "Password"])
    return [name for index, name in enumerate(names) if name and name not in names[:index]]


def _insert_by_patch(client, slot, request):
    uri = odata_id(slot)
    body = request.parameters()
    body["Inserted"] = True
    _payload, tag = etag_util.read_with_etag(client, uri)
    etag_util.patch(client, uri, body, tag)


def _verify_inserted(client, slot, request):
    payload = client.get(odata_id(slot))
    if payload.get("Image") and payload["Image"] != request.image_url:
        raise RedfishResponseError(
            client.base_url, odata_id(slot),
            "the BMC accepted the media but the slot shows image %r" % payload.get("Image"),
            hint="Check that the BMC can reach the image URL.")
