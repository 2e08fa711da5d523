# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Read the Redfish resources that hardware introspection needs from one BMC.

The result is a snapshot: a dict from ``@odata.id`` to payload, which the pure functions
in ``introspection`` turn into the hardware model.  Independent reads run in parallel on
a small per-BMC thread pool, and each read queues the reads that depend on it as soon as
it finishes, so the walk takes about as long as its deepest chain of links.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    RedfishBadRequestError,
    RedfishNotFoundError,
    RedfishResponseError,
    RedfishServerError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.client import odata_id
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import shapes

# Errors that lose one optional part of a BMC (a broken link, an unsupported collection,
# a sub-resource that keeps failing after retries) but leave the rest of its hardware worth
# reporting.  The service root and the Systems collection are read outside this rule.
PARTIAL_ERRORS = (RedfishNotFoundError, RedfishBadRequestError, RedfishResponseError,
                  RedfishServerError)


class Snapshot:
    """Payloads read from one BMC, keyed by ``@odata.id``, plus the problems met."""

    def __init__(self, root=None):
        self.resources = {}
        self.warnings = []
        self._lock = threading.Lock()
        if root is not None:
            self.add(root, "/redfish/v1")

    def add(self, payload, uri=None):
        """Store ``payload`` under its ``@odata.id`` (or ``uri`` when it has none)."""
        key = odata_id(payload) or (uri.rstrip("/") if uri else None)
        if key is None:
            return
        with self._lock:
            self.resources[key] = payload

    def warn(self, text):
        """Record a problem that lost part of the BMC's data."""
        with self._lock:
            self.warnings.append(text)

    def to_dict(self):
        """Return a JSON-serialisable copy (for caches and recorded payloads)."""
        return {"resources": dict(self.resources), "warnings": list(self.warnings)}


class _Walk:
    """A pool of reads where each read may queue further reads."""

    def __init__(self, source, snapshot, workers, pcie_candidates=None):
        self.source = source
        self.snapshot = snapshot
        # PCIe devices whose functions must be read to tell whether they are GPUs.
        self.pcie_candidates = pcie_candidates if pcie_candidates is not None else []
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers))
        self._pending = 0
        self.lock = threading.Lock()
        self._done = threading.Condition()
        self._error = None

    def submit(self, step, *args):
        with self._done:
            if self._error is not None:
                return
            self._pending += 1
        self._pool.submit(self._run, step, args)

    def _run(self, step, args):
        try:
            step(self, *args)
        except PARTIAL_ERRORS as exc:
            self.snapshot.warn(str(exc))
        except Exception as exc:  # pylint: disable=broad-except
            # Anything else (authentication, connection, 5xx after retries, a bug) ends
            # the walk; wait() re-raises it in the caller's thread.
            with self._done:
                if self._error is None:
                    self._error = exc
        finally:
            with self._done:
                self._pending -= 1
                self._done.notify_all()

    def wait(self):
        with self._done:
            while self._pending > 0:
                self._done.wait()
        self._pool.shutdown(wait=True)
        if self._error is not None:
            raise self._error

    # Reads

    def get(self, uri):
        payload = self.source.get(uri)
        self.snapshot.add(payload, uri)
        return payload

    def collection(self, uri, then=None):
        """Read a collection and its members, then call ``then(walk, member)`` for each."""
        collection, members, missing = self.source.get_collection(uri)
        self.snapshot.add(collection, uri)
        for member in members:
            self.snapshot.add(member)
            if then is not None:
                then(self, member)
        for member_uri in missing:
            self.submit(_read_member, member_uri, then)


def _read_member(walk, uri, then):
    payload = walk.get(uri)
    if then is not None:
        then(walk, payload)


def take_snapshot(source, workers=4):
    """Walk one BMC through ``source`` and return a Snapshot.

    ``source`` is a logged-in RedfishClient, or anything with the same ``root``, ``get``
    and ``get_collection`` (tests use recorded payloads).  Authentication, connection and
    repeated server errors are raised; a broken optional link becomes a warning.
    """
    snapshot = Snapshot(source.root)
    walk = _Walk(source, snapshot, workers)
    systems_uri = shapes.link(source.root, "Systems")
    if systems_uri is None:
        raise RedfishNotFoundError(getattr(source, "base_url", "?"), "/redfish/v1",
                                   "the service root has no Systems collection")

    chassis = _ChassisTracker(walk, shapes.link(source.root, "Chassis"))
    collection, members, missing = source.get_collection(systems_uri)
    snapshot.add(collection, systems_uri)
    for member in members:
        snapshot.add(member)
        walk.submit(_read_system, member, chassis)
    for uri in missing:
        walk.submit(_read_member, uri, lambda w, system: _read_system(w, system, chassis))
    walk.wait()

    # Most BMCs list PCIe devices under the chassis, and many list the same devices under
    # the system too; the system's list is read only when no chassis had one, which costs
    # one more round of requests on those few BMCs.
    if not any(shapes.link(payload, "PCIeDevices") for uri, payload in snapshot.resources.items()
               if shapes.is_chassis(payload)):
        second = _Walk(source, snapshot, workers, walk.pcie_candidates)
        for system in shapes.systems(snapshot.resources):
            if not shapes.is_gpu_baseboard_shape(system):
                second.submit(_read_system_pcie_devices, system)
        second.wait()

    # PCIe functions tell whether a device is a GPU; they are read last, and only for
    # devices that no GPU Processor already links to, so that BMCs listing each GPU both
    # as a Processor and as a PCIe device cost no extra requests.
    known = _gpu_processor_device_ids(snapshot.resources)
    pending = [device for device in walk.pcie_candidates if _device_id(device) not in known]
    if pending:
        last = _Walk(source, snapshot, workers)
        for device in pending:
            last.submit(_read_pcie_functions_now, device)
        last.wait()
    return snapshot


def _device_id(device):
    return str(device.get("Id") or (odata_id(device) or "").rsplit("/", 1)[-1])


def _gpu_processor_device_ids(resources):
    """Return the ids of the PCIe devices that GPU Processors link to."""
    found = set()
    for payload in resources.values():
        if isinstance(payload, dict) and payload.get("ProcessorType") == "GPU":
            uri = shapes.link(payload.get("Links") or {}, "PCIeDevice")
            if uri:
                found.add(uri.rsplit("/", 1)[-1])
    return found


class _ChassisTracker:
    """Read each chassis that some system links to, once, with the parts we need."""

    def __init__(self, walk, collection_uri):
        self.walk = walk
        self.collection_uri = collection_uri
        self.seen = set()
        self.lock = threading.Lock()
        self.systems_without_chassis = False

    def claim(self, uri):
        with self.lock:
            if uri in self.seen:
                return False
            self.seen.add(uri)
            return True

    def read(self, uri):
        if uri and self.claim(uri):
            self.walk.submit(_read_chassis, uri, self)

    def read_all(self):
        with self.lock:
            if self.systems_without_chassis:
                return
            self.systems_without_chassis = True
        if self.collection_uri:
            self.walk.submit(lambda w: w.collection(
                self.collection_uri, then=lambda w2, chassis: _chassis_parts(w2, chassis, self)))


def _read_system(walk, system, chassis):
    for key in ("Processors",):
        uri = shapes.link(system, key)
        if uri:
            walk.submit(lambda w, u=uri: w.collection(u))

    if shapes.is_gpu_baseboard_shape(system):
        # A GPU baseboard only contributes its GPUs; its chassis, memory and storage
        # describe the baseboard, not the server.
        return

    for key in ("EthernetInterfaces",):
        uri = shapes.link(system, key)
        if uri:
            walk.submit(lambda w, u=uri: w.collection(u))

    storage_uri = shapes.link(system, "Storage")
    if storage_uri:
        walk.submit(lambda w: w.collection(storage_uri, then=_read_drives))
    elif shapes.link(system, "SimpleStorage"):
        # Older BMCs describe disks only through the deprecated SimpleStorage.
        walk.submit(lambda w: w.collection(shapes.link(system, "SimpleStorage")))

    memory = system.get("MemorySummary") or {}
    if memory.get("TotalSystemMemoryGiB") is None and shapes.link(system, "Memory"):
        walk.submit(lambda w: w.collection(shapes.link(system, "Memory")))

    for uri in shapes.oem_system_links(system):
        walk.submit(lambda w, u=uri: w.get(u))

    for manager_uri in shapes.links(system.get("Links"), "ManagedBy")[:1]:
        walk.submit(lambda w, u=manager_uri: w.get(u))

    chassis_uris = shapes.links(system.get("Links"), "Chassis")
    if not chassis_uris:
        chassis.read_all()
    for uri in chassis_uris:
        chassis.read(uri)


def _read_system_pcie_devices(walk, system):
    """Read a system's own PCIe device list (for BMCs whose chassis list none)."""
    collection_uri = shapes.link(system, "PCIeDevices")
    if collection_uri:
        walk.collection(collection_uri, then=_read_pcie_functions)
        return
    for uri in shapes.links(system, "PCIeDevices"):
        walk.submit(lambda w, u=uri: _read_pcie_functions(w, w.get(u)))


def _read_drives(walk, storage):
    drive_uris = shapes.links(storage, "Drives")
    if len(drive_uris) > 1 and getattr(walk.source, "expand_supported", False):
        # One expanded read of the storage resource returns all its drives.
        walk.submit(_read_storage_expanded, odata_id(storage), drive_uris)
        return
    for uri in drive_uris:
        walk.submit(lambda w, u=uri: w.get(u))


def _read_storage_expanded(walk, storage_uri, drive_uris):
    payload = walk.source.get_expanded(storage_uri)
    inline = [item for item in payload.get("Drives") or []
              if isinstance(item, dict) and len(item) > 1 and odata_id(item)]
    for drive in inline:
        walk.snapshot.add(drive)
    found = set(odata_id(drive) for drive in inline)
    for uri in drive_uris:
        if uri not in found:
            walk.submit(lambda w, u=uri: w.get(u))


def _read_chassis(walk, uri, tracker):
    chassis = walk.get(uri)
    _chassis_parts(walk, chassis, tracker)


def _chassis_parts(walk, chassis, tracker):
    tracker.claim(odata_id(chassis))
    adapters_uri = shapes.link(chassis, "NetworkAdapters")
    if adapters_uri:
        walk.submit(lambda w: w.collection(adapters_uri, then=_read_ports))
    pcie_uri = shapes.link(chassis, "PCIeDevices")
    if pcie_uri:
        walk.submit(lambda w: w.collection(pcie_uri, then=_read_pcie_functions))
    for uri in shapes.links(chassis.get("Links"), "Contains"):
        tracker.read(uri)


def _read_ports(walk, adapter):
    uri = shapes.link(adapter, "Ports") or shapes.link(adapter, "NetworkPorts")
    if uri:
        walk.submit(lambda w: w.collection(uri))


def _read_pcie_functions(walk, device):
    if shapes.pcie_device_needs_functions(device):
        with walk.lock:
            walk.pcie_candidates.append(device)


def _read_pcie_functions_now(walk, device):
    collection_uri = shapes.link(device, "PCIeFunctions")
    if collection_uri:
        walk.collection(collection_uri)
        return
    for uri in shapes.links(device.get("Links"), "PCIeFunctions"):
        walk.submit(lambda w, u=uri: w.get(u))
