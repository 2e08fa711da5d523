# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Finding the ComputerSystem a lifecycle module acts on."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError
from ansible_collections.aifactory.infra.plugins.module_utils.redfish import shapes
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.client import odata_id


class SystemRef:
    """A ComputerSystem of the BMC: its URI, its Redfish Id and the payload last read."""

    def __init__(self, uri, payload):
        self.uri = uri
        self.payload = payload

    @property
    def system_id(self):
        return self.payload.get("Id") or self.uri.rsplit("/", 1)[-1]


def find_system(client, system_id=None):
    """Return the SystemRef of ``system_id``, or of the BMC's host system when it is None.

    Without an id the first system that can be reset or configured (a Reset action or a
    Bios link) is chosen, so that the GPU baseboard system of an HGX BMC is never picked.
    """
    collection_uri = shapes.link(client.root, "Systems") or "/redfish/v1/Systems"
    collection = client.get(collection_uri)
    uris = [odata_id(member) for member in collection.get("Members") or []]
    uris = [uri for uri in uris if uri]
    if not uris:
        raise InvalidInputError("BMC %s: %s lists no systems." % (client.base_url, collection_uri),
                                hint="Check that the URL is the BMC of a server.")

    if system_id is not None:
        # The Id is usually the last URI segment; read the rest only when it is not.
        ordered = sorted(uris, key=lambda uri: uri.rsplit("/", 1)[-1] != system_id)
        seen = []
        for uri in ordered:
            payload = client.get(uri)
            seen.append(payload.get("Id") or uri.rsplit("/", 1)[-1])
            if payload.get("Id") == system_id or uri.rsplit("/", 1)[-1] == system_id:
                return SystemRef(uri, payload)
        raise InvalidInputError("BMC %s: system %r not found." % (client.base_url, system_id),
                                hint="Use one of: %s." % ", ".join(str(item) for item in seen))

    first = None
    for uri in uris:
        payload = client.get(uri)
        if shapes.has_reset_action(payload) or shapes.link(payload, "Bios"):
            return SystemRef(uri, payload)
        first = first or SystemRef(uri, payload)
    return first


def refresh(client, system):
    """Read the system again and return the updated SystemRef."""
    return SystemRef(system.uri, client.get(system.uri))
