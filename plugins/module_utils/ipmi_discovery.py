# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Discovery of ``ipmi://`` inventory endpoints, in the shape of the Redfish discovery.

The ``redfish`` inventory plugin walks Redfish BMCs with redfish.discovery and hands its
``ipmi://`` endpoints to ``discover_ipmi_endpoints``; both return one result per endpoint
with url, name, hosts, warnings and error, so the plugin treats them alike.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.endpoint_result import endpoint_result
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi import IpmiClient, IpmiRetryPolicy
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_endpoints import parse_ipmi_url
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_facts import read_facts


def discover_ipmi_bmc(url, username, password, kg=None, cipher_suite=None, timeout=30, retries=4,
                      retry_budget=60.0):
    """Return ``{"hosts": [hardware], "warnings": [...]}`` for one ``ipmi://`` endpoint.

    Errors are raised as AifactoryError subclasses naming the BMC.
    """
    host, port = parse_ipmi_url(url)
    policy = IpmiRetryPolicy(attempts=max(1, retries), budget=retry_budget)
    with IpmiClient(host, username, password, port=port, kg=kg, cipher_suite=cipher_suite,
                    timeout=timeout, retry_policy=policy) as client:
        facts = read_facts(client)
    return {"hosts": [facts["hardware"]], "warnings": facts["warnings"]}


def discover_ipmi_endpoint(endpoint, options):
    """Discover one ``ipmi://`` endpoint and return its result; never raise.

    ``endpoint`` contains url, name, username, password, kg and cipher_suite, and
    ``options`` contains timeout, retries and retry_budget.
    """
    return endpoint_result(endpoint, lambda: discover_ipmi_bmc(
        endpoint["url"], endpoint["username"], endpoint["password"], kg=endpoint.get("kg"),
        cipher_suite=endpoint.get("cipher_suite"), timeout=options["timeout"],
        retries=options["retries"], retry_budget=options["retry_budget"]), protocol="IPMI")


def discover_ipmi_endpoints(endpoints, options, max_workers=64):
    """Discover ``ipmi://`` endpoints; return their results in the same order.

    NOTE: the endpoints are read one at a time.  With several pyghmi sessions open in one
    process, responses were lost (a sensor sweep or a login with another Kg key timed out
    although the BMC answered), so concurrency stays off until that is understood; a
    fleet of IPMI-only BMCs therefore takes about the sum of their read times.
    """
    if not endpoints:
        return []
    del max_workers
    return [discover_ipmi_endpoint(endpoint, options) for endpoint in endpoints]
