# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Typed exceptions shared by every module and plugin of the collection.

Modules catch ``AifactoryError`` in one place and turn it into ``fail_json``; the
inventory plugin turns it into a host in the ``bmc_error`` group.  Each message names
the device, the URI and the Redfish MessageId when there is one, and what to do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class AifactoryError(Exception):
    """Base class of every error the collection raises on purpose."""

    def __init__(self, message, hint=None):
        self.message = message
        self.hint = hint
        super(AifactoryError, self).__init__(self.__str__())

    def __str__(self):
        if self.hint:
            return "%s %s" % (self.message, self.hint)
        return self.message


class InvalidInputError(AifactoryError):
    """A parameter or inventory option has a value the collection cannot use."""


class WaitTimeoutError(AifactoryError):
    """A waiter gave up before its readiness predicate became true."""


class RedfishError(AifactoryError):
    """A Redfish request failed.

    ``bmc`` is the BMC's base URL, ``uri`` the request path, ``status`` the HTTP status
    (None when no response arrived) and ``message_id`` the most relevant Redfish
    MessageId of the error body (None when the body had none).  ``related_properties``
    lists the JSON pointers the BMC blamed (such as ``#/UserName``).
    """

    default_hint = None

    def __init__(self, bmc, uri, reason, status=None, message_id=None, method="GET",
                 hint=None, message_args=None, retry_after=None, related_properties=None):
        self.bmc = bmc
        self.uri = uri
        self.reason = reason
        self.status = status
        self.message_id = message_id
        self.method = method
        self.message_args = list(message_args or [])
        self.retry_after = retry_after
        self.related_properties = list(related_properties or [])
        parts = ["BMC %s: %s %s failed" % (bmc, method, uri)]
        if status is not None:
            parts.append(": HTTP %s" % status)
        if message_id:
            parts.append(" %s" % message_id)
        parts.append(": %s." % reason.rstrip("."))
        super(RedfishError, self).__init__("".join(parts), hint or self.default_hint)


class RedfishConnectionError(RedfishError):
    """No HTTP response: refused, reset, DNS failure or a read timeout."""

    default_hint = "Check that the BMC address is right and reachable from the controller."


class RedfishTimeoutError(RedfishConnectionError):
    """The BMC accepted the connection but sent no response within the timeout."""

    default_hint = ("The BMC may be overloaded or hung; raise the timeout option or reset "
                    "the BMC.")


class RedfishTLSError(RedfishConnectionError):
    """The TLS handshake failed, usually because the certificate is not trusted."""

    default_hint = ("Give the BMC's CA bundle with ca_path, or set validate_certs to false "
                    "only for BMCs with self-signed certificates you trust.")


class RedfishAuthError(RedfishError):
    """The BMC rejected the credentials (HTTP 401 or 403)."""

    default_hint = ("Check the username and password (options username/password or "
                    "AIFACTORY_BMC_USERNAME/AIFACTORY_BMC_PASSWORD) and the account's role.")


class RedfishNotFoundError(RedfishError):
    """The resource does not exist on this BMC (HTTP 404)."""


class RedfishBadRequestError(RedfishError):
    """The BMC rejected the request body or query (HTTP 400, 405, 409, 412, 415)."""


class RedfishServerError(RedfishError):
    """The BMC returned 5xx and kept doing so for the whole retry budget."""

    default_hint = "The BMC may be busy or restarting; retry later or reset the BMC."


class RedfishResponseError(RedfishError):
    """The BMC returned a body that is not the JSON Redfish requires."""

    default_hint = "The BMC firmware may be faulty; check it with a browser or curl."
