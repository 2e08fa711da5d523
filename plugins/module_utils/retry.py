# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The retry policy every client of the collection uses.

A request is retried when it failed for a reason that goes away by itself: the connection
was refused or reset, the server answered 5xx, or it said it is busy (503, or a vendor's
"not ready" MessageId).  The wait honours the server's Retry-After header or the seconds
given in a ServiceTemporarilyUnavailable message, and backs off exponentially otherwise.
The policy is bounded both by attempts and by elapsed time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import random
import re
import time

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    AifactoryError,
    RedfishConnectionError,
    RedfishServerError,
    RedfishTimeoutError,
    RedfishTLSError,
)

# MessageIds that mean "busy, ask again later", whatever the HTTP status.  The vendor
# registry prefix and version vary, so entries match the MessageId's last component.
BUSY_MESSAGE_KEYS = (
    "ServiceTemporarilyUnavailable",  # DMTF Base registry
    "SYS518",  # Dell iDRAC: a previous operation is still running
    "InvalidOperationForSystemState",  # HPE iLO right after a power transition
)

_SECONDS_IN_TEXT = re.compile(r"(\d+)\s*(?:s\b|sec|second)", re.IGNORECASE)


def message_key(message_id):
    """Return the last dotted component of a MessageId, such as ``SYS518``."""
    if not message_id:
        return ""
    return str(message_id).rsplit(".", 1)[-1]


def parse_retry_after(value, now=None):
    """Return the delay in seconds of a Retry-After header value, or None.

    The header is either a number of seconds or an HTTP date.
    """
    if value is None:
        return None
    value = str(value).strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def seconds_from_message(message_args, text=None):
    """Return the seconds a busy message asks the client to wait, or None.

    ServiceTemporarilyUnavailable carries them as its only MessageArg; some vendors only
    write them into the message text.
    """
    for arg in message_args or []:
        if str(arg).strip().isdigit():
            return float(str(arg).strip())
    if text:
        match = _SECONDS_IN_TEXT.search(text)
        if match:
            return float(match.group(1))
    return None


class RetryPolicy:
    """Decide whether a failed request is tried again, and after how long.

    ``attempts`` counts the first try.  ``budget`` caps the total seconds spent waiting
    between attempts; a server that asks for a longer wait than what is left ends the
    retries at once.  Read timeouts are not retried by default because the BMC already
    received the request, and a second try would only double the wait on a hung BMC.
    """

    def __init__(self, attempts=4, budget=60.0, base_delay=1.0, max_delay=30.0,
                 retry_timeouts=False, jitter=0.1, sleep=time.sleep, clock=time.monotonic):
        if attempts < 1:
            raise ValueError("attempts must be at least 1, got %r" % (attempts,))
        self.attempts = attempts
        self.budget = float(budget)
        self.base_delay = float(base_delay)
        self.max_delay = float(max_delay)
        self.retry_timeouts = retry_timeouts
        self.jitter = jitter
        self._sleep = sleep
        self._clock = clock

    def is_retryable(self, error):
        """Return True when ``error`` is the kind of failure that goes away by itself."""
        if isinstance(error, RedfishTLSError):
            return False
        if isinstance(error, RedfishTimeoutError):
            return self.retry_timeouts
        if isinstance(error, (RedfishConnectionError, RedfishServerError)):
            return True
        return message_key(getattr(error, "message_id", None)) in BUSY_MESSAGE_KEYS

    def delay_for(self, error, attempt):
        """Return the seconds to wait before attempt number ``attempt + 1``."""
        suggested = getattr(error, "retry_after", None)
        if suggested is None:
            suggested = seconds_from_message(getattr(error, "message_args", None),
                                             getattr(error, "reason", None)
                                             if message_key(getattr(error, "message_id", None))
                                             in BUSY_MESSAGE_KEYS else None)
        if suggested is not None:
            return min(float(suggested), self.max_delay)
        backoff = min(self.base_delay * (2 ** (attempt - 1)), self.max_delay)
        return backoff * (1.0 + random.uniform(0, self.jitter))

    def call(self, operation):
        """Run ``operation()`` and retry it under this policy; return its result.

        The last error is raised unchanged when the attempts or the time budget run out,
        so its message still names the BMC, the URI and the MessageId.
        """
        started = self._clock()
        attempt = 1
        while True:
            try:
                return operation()
            except AifactoryError as error:
                if attempt >= self.attempts or not self.is_retryable(error):
                    raise
                delay = self.delay_for(error, attempt)
                if self._clock() - started + delay > self.budget:
                    raise
                self._sleep(delay)
                attempt += 1


NO_RETRY = RetryPolicy(attempts=1)
