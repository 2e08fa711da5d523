# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The logic of the redfish_facts module: discover one BMC and pick one host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.discovery import discover_bmc


def choose_host(hosts, system_id=None):
    """Return the host whose system is ``system_id``, else the first server, else the first."""
    if system_id is not None:
        for host in hosts:
            if system_id in host["systems"]:
                return host
        raise InvalidInputError(
            "System %r not found on the BMC." % system_id,
            hint="Use one of: %s." % ", ".join(str(h["system_id"]) for h in hosts))
    servers = [host for host in hosts if host["kind"] == "server"]
    return (servers or hosts)[0]


def read_facts(params):
    """Return the module result for the parameters of redfish_facts."""
    found = discover_bmc(
        params["baseurl"], params["username"], params["password"],
        validate_certs=params["validate_certs"], ca_path=params["ca_path"],
        timeout=params["timeout"], auth=params["auth"], workers=params["workers"],
        retries=max(1, params["retries"]))
    if not found["hosts"]:
        raise InvalidInputError("BMC %s reports no server or DPU system." % params["baseurl"],
                                hint="Check that the URL is the BMC of a server.")
    host = choose_host(found["hosts"], params.get("system_id"))
    return {
        "hardware": host,
        "hosts": found["hosts"],
        "system_id": host["system_id"],
        "warnings": found["warnings"],
        "requests": found["requests"],
    }
