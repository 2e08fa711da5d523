# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Discovery of one BMC: log in, walk it, build the hardware model, log out.

Shared by the ``redfish`` inventory plugin and the ``redfish_facts`` module so that both
report exactly the same model.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.introspection import build_hosts
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.client import RedfishClient
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.snapshot import take_snapshot
from ansible_collections.aifactory.infra.plugins.module_utils.retry import RetryPolicy


def discover_bmc(url, username, password, validate_certs=True, ca_path=None, timeout=30,
                 auth="auto", workers=4, retries=4, retry_budget=60.0):
    """Return ``{"hosts": [...], "warnings": [...], "requests": n}`` for one BMC.

    ``hosts`` holds one hardware model per server or DPU system of the BMC.  Errors are
    raised as AifactoryError subclasses naming the BMC, the URI and the MessageId.
    """
    policy = RetryPolicy(attempts=retries, budget=retry_budget)
    client = RedfishClient(url, username, password, validate_certs=validate_certs,
                           ca_path=ca_path, timeout=timeout, auth=auth, retry_policy=policy,
                           pool_size=max(workers, 1))
    with client:
        snapshot = take_snapshot(client, workers=workers)
    return {
        "hosts": build_hosts(snapshot.resources),
        "warnings": snapshot.warnings,
        "requests": client.request_count,
    }


def host_names(base_name, hosts):
    """Return one inventory name per host: ``base_name``, or ``base_name-<system Id>``."""
    if len(hosts) == 1:
        return [base_name]
    return ["%s-%s" % (base_name, host.get("system_id")) for host in hosts]
