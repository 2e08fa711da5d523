# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""One polling helper for everything the collection waits for.

Power states, Redfish tasks, NVUE revisions and cluster conditions all wait the same way:
poll a readiness predicate until it holds or a monotonic deadline passes.  Waiters are never
wrapped in retries; the calls inside the predicate carry their own retry policy.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.aifactory.infra.plugins.module_utils.errors import WaitTimeoutError


def wait_for(poll, ready=bool, timeout=300, interval=2.0, description="condition",
             clock=time.monotonic, sleep=time.sleep, interval_for=None):
    """Poll until ``ready(poll())`` holds and return that polled value.

    ``interval_for(value)`` may return a server-suggested delay (a task monitor's
    Retry-After) that replaces ``interval`` for the next poll.  Raises WaitTimeoutError
    naming ``description`` and the last polled value once ``timeout`` seconds have passed.
    """
    deadline = clock() + timeout
    while True:
        value = poll()
        if ready(value):
            return value

        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeoutError(
                "Timed out after %ss waiting for %s (last state: %r)." % (timeout, description, value),
                hint="Raise the timeout if the device is only slow.")

        delay = interval
        if interval_for is not None:
            delay = interval_for(value) or interval
        sleep(max(0.0, min(delay, remaining)))
