# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The per-endpoint result that every discovery path of the inventory returns."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import AifactoryError


def endpoint_result(endpoint, read, protocol=None):
    """Run ``read()`` for one inventory endpoint and return its result; never raise.

    ``read`` returns ``{"hosts": [...], "warnings": [...]}``.  The result has url, name,
    hosts, warnings and error (None, or the reason the BMC could not be read).
    ``protocol`` names the protocol in the message of an unexpected error.
    """
    result = {"url": endpoint["url"], "name": endpoint["name"], "hosts": [], "warnings": [],
              "error": None}
    try:
        found = read()
    except AifactoryError as exc:
        result["error"] = str(exc)
        return result
    except Exception as exc:  # pylint: disable=broad-except
        # One broken BMC must not fail the whole inventory, so any error it causes becomes
        # its bmc_error_reason.
        over = " over %s" % protocol if protocol else ""
        result["error"] = "BMC %s: unexpected %s while reading it%s: %s" % (
            endpoint["url"], type(exc).__name__, over, exc)
        return result
    result["hosts"] = found["hosts"]
    result["warnings"] = found["warnings"]
    return result
