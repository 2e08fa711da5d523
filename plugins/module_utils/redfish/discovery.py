# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Discovery of one BMC: log in, walk it, build the hardware model, log out.

Shared by the ``redfish`` inventory plugin and the ``redfish_facts`` module so that both
report exactly the same model.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import concurrent.futures
import multiprocessing
import os

from ansible_collections.aifactory.infra.plugins.module_utils.endpoint_result import endpoint_result
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


# Below this many BMCs per core, one process with threads is faster than starting workers.
ENDPOINTS_PER_PROCESS = 32


def discover_endpoint(endpoint, options):
    """Discover one inventory endpoint and return its result; never raise.

    ``endpoint`` contains url, name, username, password, validate_certs and ca_path, and
    ``options`` contains timeout, auth, bmc_workers, retries and retry_budget.
    """
    result = endpoint_result(endpoint, lambda: discover_bmc(
        endpoint["url"], endpoint["username"], endpoint["password"],
        validate_certs=endpoint["validate_certs"], ca_path=endpoint["ca_path"],
        timeout=options["timeout"], auth=options["auth"], workers=options["bmc_workers"],
        retries=options["retries"], retry_budget=options["retry_budget"]))
    if result["error"] is None and not result["hosts"]:
        result["error"] = "BMC %s: no server or DPU system found under /redfish/v1/Systems." % endpoint["url"]
    return result


def _discover_with_threads(endpoints, options, max_workers):
    workers = max(1, min(max_workers, len(endpoints)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda endpoint: discover_endpoint(endpoint, options), endpoints))


def default_processes(endpoint_count):
    """Return how many worker processes suit ``endpoint_count`` BMCs on this controller."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, endpoint_count // ENDPOINTS_PER_PROCESS))


def discover_many(endpoints, options, max_workers=64, processes=0):
    """Discover many endpoints concurrently; return their results in the same order.

    Python runs one thread at a time, and parsing HTTP and JSON for hundreds of BMCs keeps
    one core busy, so large inventories are split over ``processes`` forked workers (0
    picks one per core for 32 or more BMCs per core), each walking its share of the BMCs
    with threads.  ``max_workers`` bounds the BMCs walked at once over all workers.
    """
    if not endpoints:
        return []
    processes = processes or default_processes(len(endpoints))
    processes = max(1, min(processes, len(endpoints)))
    if processes == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _discover_with_threads(endpoints, options, max_workers)

    # Every worker gets every processes-th endpoint, so slow and fast BMCs spread evenly.
    shares = [endpoints[index::processes] for index in range(processes)]
    threads = max(1, max_workers // processes)
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        parts = list(pool.map(_discover_with_threads, shares, [options] * processes, [threads] * processes))

    results = [None] * len(endpoints)
    for index, part in enumerate(parts):
        results[index::processes] = part
    return results
