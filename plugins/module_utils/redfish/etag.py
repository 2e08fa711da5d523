# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""ETag-aware reads and PATCHes.

BMCs that require ``If-Match`` reject a PATCH without it with 428, and one with a stale or
mangled tag with 412.  The tag is sent exactly as the BMC sent it (``W/"1682532272"``
stays weak and keeps its quotes).  After a 412 the resource is read again and the PATCH is
retried a bounded number of times: with the fresh tag as received, then its strong form
when it is weak, then without ``If-Match``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import RedfishBadRequestError
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.actions import (
    check_write_response,
)

PRECONDITION_FAILED = 412
PRECONDITION_REQUIRED = 428


def etag_of(response, payload):
    """Return the resource's ETag from the ``ETag`` header, else ``@odata.etag``, or None."""
    header = response.headers.get("ETag") if response is not None else None
    if header:
        return header
    value = payload.get("@odata.etag") if isinstance(payload, dict) else None
    return value if isinstance(value, str) and value else None


def strong_form(etag):
    """Return the strong form of a weak tag (``W/"x"`` becomes ``"x"``), or None.

    None means there is no strong form to try: the tag is strong already, or it is not
    a well-formed weak tag and must not be rewritten.
    """
    if not etag or not etag.startswith("W/"):
        return None
    rest = etag[2:]
    if len(rest) >= 2 and rest.startswith('"') and rest.endswith('"'):
        return rest
    return None


def read_with_etag(client, uri):
    """Return ``(payload, etag)`` of the resource at ``uri``."""
    response, payload = client.get_response(uri)
    return payload, etag_of(response, payload)


def patch(client, uri, body, etag=None):
    """PATCH ``body`` to ``uri`` and return ``(response, payload)``.

    ``etag`` is the tag of the caller's last read of ``uri`` (None sends no ``If-Match``
    at first).  A 2xx response that lists failed properties raises RedfishBadRequestError.
    """
    tags = [etag]
    retried = False
    while True:
        tag = tags.pop(0)
        headers = {"If-Match": tag} if tag else None
        try:
            response, payload = client.send("PATCH", uri, body=body, headers=headers)
        except RedfishBadRequestError as exc:
            if exc.status not in (PRECONDITION_FAILED, PRECONDITION_REQUIRED):
                raise
            if not retried:
                tags = _retry_tags(client, uri, etag)
                retried = True
            if not tags:
                raise
            continue
        check_write_response(client, "PATCH", uri, response, payload)
        return response, payload


def _retry_tags(client, uri, first_tag):
    """Return the If-Match values to try after the first PATCH failed its precondition.

    The fresh tag as received, its strong form when it is weak, and last no header at
    all (None), unless the first PATCH already went without one.
    """
    _payload, fresh = read_with_etag(client, uri)
    tags = []
    for tag in (fresh, strong_form(fresh)):
        if tag and tag != first_tag and tag not in tags:
            tags.append(tag)
    if first_tag is not None:
        tags.append(None)
    return tags
