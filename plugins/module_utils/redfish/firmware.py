# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The logic of the redfish_firmware module: firmware inventory and updates.

An update goes through SimpleUpdate (the BMC fetches the image from a URL) or a multipart
HTTP push (the controller uploads the image), whichever the BMC offers.  The task the BMC
starts is followed to its end; when its monitor disappears after completion, the firmware
inventory confirms the result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import tempfile
import time
from urllib.parse import urlsplit

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishResponseError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import task_monitor
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.actions import (
    action_parameter_values,
    check_write_response,
    find_action,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.client import odata_id
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.runner import Outcome
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.settings import APPLY_TIMES
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.shapes import link
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.virtual_media import PROTOCOLS

SIMPLE_UPDATE = "#UpdateService.SimpleUpdate"
METHODS = ("auto", "simple_update", "multipart")


class UpdateOptions:
    """How to wait for the update task (clock and sleep are replaced in tests)."""

    def __init__(self, wait=True, timeout=1800, interval=10.0, upload_timeout=600,
                 sleep=time.sleep, clock=time.monotonic):
        self.wait = wait
        self.timeout = timeout
        self.interval = interval
        self.upload_timeout = upload_timeout
        self.sleep = sleep
        self.clock = clock


def read_update_service(client):
    uri = link(client.root, "UpdateService")
    if not uri:
        raise InvalidInputError("BMC %s has no UpdateService." % client.base_url,
                                hint="Update this BMC's firmware with the vendor's tools.")
    return uri, client.get(uri)


def read_inventory(client, service):
    """Return the firmware inventory as a list of dicts, in the BMC's order."""
    uri = link(service, "FirmwareInventory")
    if not uri:
        return []
    _collection, members, missing = client.get_collection(uri)
    entries = []
    for item in members + [client.get(member) for member in missing]:
        entries.append({
            "id": item.get("Id"),
            "uri": odata_id(item),
            "name": item.get("Name"),
            "version": item.get("Version"),
            "updateable": item.get("Updateable"),
            "software_id": item.get("SoftwareId"),
        })
    return entries


def resolve_targets(client, inventory, targets):
    """Return the inventory URIs of ``targets`` (inventory Ids or URIs)."""
    resolved = []
    for target in targets or []:
        match = [entry["uri"] for entry in inventory if target in (entry["id"], entry["uri"])]
        if not match:
            raise InvalidInputError(
                "BMC %s: firmware target %r is not in the firmware inventory." % (client.base_url, target),
                hint="Use one of: %s." % ", ".join(str(entry["id"]) for entry in inventory))
        resolved.append(match[0])
    return resolved


def versions_match(inventory, target_uris, version):
    """True when the targets (or, without targets, any component) run ``version``."""
    entries = [entry for entry in inventory if not target_uris or entry["uri"] in target_uris]
    if target_uris:
        return bool(entries) and all(entry["version"] == version for entry in entries)
    return any(entry["version"] == version for entry in entries)


def choose_method(client, service, params):
    """Return ``"simple_update"`` or ``"multipart"`` for the parameters and the BMC's offer."""
    has_simple = find_action(service, SIMPLE_UPDATE) is not None
    has_multipart = bool(service.get("MultipartHttpPushUri"))
    method = params.get("method") or "auto"
    where = "BMC %s" % client.base_url
    if method == "simple_update" or (method == "auto" and params.get("image_uri") and has_simple):
        if not has_simple:
            raise InvalidInputError("%s offers no SimpleUpdate." % where, hint="Use method multipart.")
        if not params.get("image_uri"):
            raise InvalidInputError("SimpleUpdate needs image_uri.", hint="Serve the image over HTTP(S).")
        return "simple_update"
    if not has_multipart:
        raise InvalidInputError(
            "%s offers no multipart HTTP push%s." % (where, " and no SimpleUpdate" if not has_simple else ""),
            hint="Serve the image over HTTP(S) and give image_uri." if has_simple else
            "Update this BMC's firmware with the vendor's tools.")
    return "multipart"


def simple_update_body(client, action, service, params, target_uris):
    body = {"ImageURI": params["image_uri"]}
    allowed = action_parameter_values(client, action, "TransferProtocol")
    if allowed is not None:
        # An older BMC wants the protocol named; one that lists its protocols rejects others.
        protocol = params.get("transfer_protocol") or PROTOCOLS.get(urlsplit(params["image_uri"]).scheme.lower())
        if protocol not in allowed:
            raise InvalidInputError(
                "BMC %s: SimpleUpdate does not take transfer protocol %s; it takes %s." % (
                    client.base_url, protocol, ", ".join(allowed)),
                hint="Serve the image over one of those protocols.")
        body["TransferProtocol"] = protocol
    elif params.get("transfer_protocol"):
        body["TransferProtocol"] = params["transfer_protocol"]
    if target_uris:
        body["Targets"] = target_uris
    if params.get("image_username"):
        body["Username"] = params["image_username"]
    if params.get("image_password"):
        body["Password"] = params["image_password"]
    body.update(_apply_time(client, service, params))
    return body


def _apply_time(client, service, params):
    apply_time = params.get("apply_time")
    if not apply_time:
        return {}
    value = APPLY_TIMES[apply_time]
    support = service.get("@Redfish.OperationApplyTimeSupport") or {}
    supported = support.get("SupportedValues") if isinstance(support, dict) else None
    if isinstance(supported, list) and value not in supported:
        raise InvalidInputError(
            "BMC %s: the UpdateService does not support apply time %s; it supports %s." % (
                client.base_url, value, ", ".join(supported)),
            hint="Choose another apply_time or leave it unset.")
    return {"@Redfish.OperationApplyTime": value}


def multipart_files(image_path, parameters, opened):
    """Return a callable that opens the multipart body of a push update for each attempt.

    Every file it opens is appended to ``opened`` for the caller to close.
    """
    def files():
        handle = open(image_path, "rb")
        opened.append(handle)
        return {
            "UpdateParameters": (None, json.dumps(parameters), "application/json"),
            "UpdateFile": (os.path.basename(image_path), handle, "application/octet-stream"),
        }
    return files


def update_firmware(client, params, check_mode, options=None):
    """Run redfish_firmware for the module ``params`` and return its Outcome."""
    options = options or UpdateOptions(wait=params["wait"], timeout=params["wait_timeout"],
                                       interval=params["poll_interval"])
    _service_uri, service = read_update_service(client)
    inventory = read_inventory(client, service)
    result = {"inventory": inventory}
    if not params.get("image_uri") and not params.get("image_path"):
        return Outcome(False, **result)

    if params.get("image_path") and not os.path.isfile(params["image_path"]):
        raise InvalidInputError("image_path %s is not a file." % params["image_path"],
                                hint="Give the path of the firmware image on the host that runs the module.")
    target_uris = resolve_targets(client, inventory, params.get("targets"))
    method = choose_method(client, service, params)
    result.update(method=method, targets=target_uris)
    before = {"versions": {entry["id"]: entry["version"] for entry in inventory
                           if not target_uris or entry["uri"] in target_uris}}
    version = params.get("version")
    if version and versions_match(inventory, target_uris, version):
        return Outcome(False, before, before, **result)

    after = {"versions": {key: version or "(new image)" for key in before["versions"]}}
    if check_mode:
        return Outcome(True, before, after, **result)

    response, payload = _start_update(client, service, params, method, target_uris, options)
    ref = task_monitor.task_ref(response, payload)
    result.update(task_uri=(ref.task_uri or ref.monitor_uri) if ref else None,
                  reboot_required=params.get("apply_time") not in (None, "immediate"))
    warnings = []
    if ref is None or not options.wait:
        return Outcome(True, before, after, warnings, **result)

    status = task_monitor.wait_for_task(client, ref, options.timeout, options.interval,
                                        sleep=options.sleep, clock=options.clock)
    result.update(task_state=status.state, task_messages=status.message_texts())
    inventory_after = read_inventory(client, service)
    result["inventory"] = inventory_after
    after = {"versions": {entry["id"]: entry["version"] for entry in inventory_after
                          if entry["id"] in before["versions"]}}
    if status.gone:
        _confirm_by_inventory(client, ref, inventory, inventory_after, target_uris, version,
                              result["reboot_required"], warnings)
        result["confirmed_by"] = "inventory"
    return Outcome(True, before, after, warnings, **result)


def _start_update(client, service, params, method, target_uris, options):
    if method == "simple_update":
        action = find_action(service, SIMPLE_UPDATE)
        body = simple_update_body(client, action, service, params, target_uris)
        response, payload = client.send("POST", action["target"], body=body)
        check_write_response(client, "POST", action["target"], response, payload)
        return response, payload

    parameters = {}
    if target_uris:
        parameters["Targets"] = target_uris
    parameters.update(_apply_time(client, service, params))
    push_uri = service["MultipartHttpPushUri"]
    if params.get("image_path"):
        return _push(client, push_uri, params["image_path"], parameters, options)
    folder = tempfile.mkdtemp(prefix="aifactory-firmware-")
    try:
        path = _download(params["image_uri"], folder, params)
        return _push(client, push_uri, path, parameters, options)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _push(client, push_uri, path, parameters, options):
    opened = []
    try:
        response, payload = client.send("POST", push_uri, files=multipart_files(path, parameters, opened),
                                        timeout=options.upload_timeout)
    finally:
        for handle in opened:
            handle.close()
    check_write_response(client, "POST", push_uri, response, payload)
    return response, payload


def _download(image_uri, folder, params):
    """Fetch ``image_uri`` to ``folder`` on the controller, for a BMC that only takes pushes."""
    import requests  # a dependency of sushy, which the client needs anyway

    name = os.path.basename(urlsplit(image_uri).path) or "firmware.bin"
    path = os.path.join(folder, name)
    auth = None
    if params.get("image_username"):
        auth = (params["image_username"], params.get("image_password") or "")
    verify = params.get("ca_path") or params.get("validate_certs", True)
    try:
        with requests.get(image_uri, stream=True, timeout=params.get("timeout", 30), auth=auth,
                          verify=verify) as response:
            response.raise_for_status()
            with open(path, "wb") as handle:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    handle.write(chunk)
    except requests.RequestException as exc:
        raise InvalidInputError("Could not download firmware image %s: %s." % (image_uri, exc),
                                hint="The BMC takes only uploads; the controller must reach image_uri.")
    return path


def _confirm_by_inventory(client, ref, before, after, target_uris, version, reboot_required, warnings):
    """Check through the inventory that an update whose task monitor disappeared worked."""
    where = ref.task_uri or ref.monitor_uri
    if version:
        if versions_match(after, target_uris, version):
            return
        if reboot_required:
            warnings.append("BMC %s: task %s disappeared and the inventory does not show version %s yet; "
                            "it applies at the next reset." % (client.base_url, where, version))
            return
        raise RedfishResponseError(
            client.base_url, where,
            "the task monitor disappeared and the firmware inventory does not show version %s" % version,
            hint="Check the BMC's task and log service.")
    old = {entry["uri"]: entry["version"] for entry in before}
    if not any(old.get(entry["uri"]) != entry["version"] for entry in after):
        warnings.append("BMC %s: task %s disappeared before it reported completion and the firmware "
                        "inventory shows no new version; give version to have it checked." % (
                            client.base_url, where))
