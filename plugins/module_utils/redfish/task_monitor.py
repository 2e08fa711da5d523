# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Following a Redfish task to its end.

A long operation returns 202 Accepted with a task monitor URI in ``Location`` (and often the
Task itself in the body).  The monitor returns 202 while the task runs, with Retry-After
giving the seconds until the next poll, and the operation's final response once it is done.  Many BMCs
delete the monitor right after the task completes, so a monitor that returns 404 is not a
failure: the Task resource, when known, or the caller's own check decides.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    RedfishError,
    RedfishNotFoundError,
    WaitTimeoutError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.client import odata_id
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.messages import extended_info
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.shapes import odata_type
from ansible_collections.aifactory.infra.plugins.module_utils.retry import parse_retry_after
from ansible_collections.aifactory.infra.plugins.module_utils.waiter import wait_for

TERMINAL_STATES = ("Completed", "Killed", "Exception", "Cancelled")
FAILED_STATES = ("Killed", "Exception", "Cancelled")
ACCEPTED = 202


class TaskFailedError(RedfishError):
    """A Redfish task ended in Exception, Killed or Cancelled."""

    default_hint = "Read the task's messages; the BMC's log may have more detail."


class TaskRef:
    """A task to follow: its monitor URI and, when the BMC gave it, the Task's URI."""

    def __init__(self, monitor_uri, task_uri=None):
        self.monitor_uri = monitor_uri
        self.task_uri = task_uri


class TaskStatus:
    """One poll of a task.

    ``done`` is True once the task reached a terminal state (or its monitor is gone),
    ``gone`` when the monitor and the Task returned 404, ``retry_after`` the seconds the
    BMC asked to wait before the next poll.
    """

    def __init__(self, done, state=None, percent=None, messages=None, retry_after=None, gone=False,
                 status=None):
        self.done = done
        self.state = state
        self.percent = percent
        self.messages = list(messages or [])
        self.retry_after = retry_after
        self.gone = gone
        self.status = status

    @property
    def failed(self):
        return self.state in FAILED_STATES

    def describe(self):
        parts = [self.state or ("gone" if self.gone else "unknown state")]
        if self.percent is not None:
            parts.append("%s%% complete" % self.percent)
        return ", ".join(parts)

    def message_texts(self):
        return [m.get("Message") or m.get("MessageId") for m in self.messages
                if m.get("Message") or m.get("MessageId")]


def is_task(payload):
    return isinstance(payload, dict) and (odata_type(payload) == "Task" or "TaskState" in payload)


def task_ref(response, payload):
    """Return the TaskRef of the response to a long operation, or None when it finished at once."""
    location = response.headers.get("Location")
    task_uri = odata_id(payload) if is_task(payload) else None
    monitor = location or (payload.get("TaskMonitor") if is_task(payload) else None) or task_uri
    if response.status_code != ACCEPTED and not is_task(payload):
        return None
    if not monitor:
        return None
    return TaskRef(_path(monitor), task_uri)


def _path(uri):
    """Return the path of an absolute URL (a Location header may be one)."""
    if "://" in uri:
        rest = uri.split("://", 1)[1]
        return "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    return uri


def poll(client, ref):
    """Return the TaskStatus of one GET of the task monitor."""
    try:
        response, payload = client.get_response(ref.monitor_uri)
    except RedfishNotFoundError:
        if not ref.task_uri or ref.task_uri == ref.monitor_uri:
            return TaskStatus(True, gone=True)
        try:
            response, payload = client.get_response(ref.task_uri)
        except RedfishNotFoundError:
            return TaskStatus(True, gone=True)

    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    state = payload.get("TaskState")
    percent = payload.get("PercentComplete")
    messages = [m for m in payload.get("Messages") or [] if isinstance(m, dict)] or extended_info(payload)
    if response.status_code == ACCEPTED:
        return TaskStatus(False, state or "Running", percent, messages, retry_after, status=ACCEPTED)
    if state and state not in TERMINAL_STATES:
        # The monitor URI is the Task itself on some BMCs, which return 200 while it runs.
        return TaskStatus(False, state, percent, messages, retry_after, status=response.status_code)
    return TaskStatus(True, state or "Completed", percent, messages, retry_after, status=response.status_code)


def wait_for_task(client, ref, timeout, interval=5.0, sleep=time.sleep, clock=time.monotonic):
    """Poll the task until it ends and return its last TaskStatus.

    Honours Retry-After between polls.  Raises TaskFailedError for a failed task and
    WaitTimeoutError naming the task and its last state after ``timeout`` seconds.
    """
    last = []

    def poll_once():
        status = poll(client, ref)
        last[:] = [status]
        return status

    try:
        status = wait_for(poll_once, ready=lambda status: status.done, timeout=timeout, interval=interval,
                          description="task %s" % ref.monitor_uri, clock=clock, sleep=sleep,
                          interval_for=lambda status: status.retry_after)
    except WaitTimeoutError:
        described = last[0].describe() if last else "no response"
        raise WaitTimeoutError(
            "BMC %s: task %s did not finish within %ss (last state: %s)." % (
                client.base_url, ref.task_uri or ref.monitor_uri, timeout, described),
            hint="The task may still be running on the BMC; raise wait_timeout, or check the "
                 "task later.")

    if status.failed:
        texts = status.message_texts()
        message_id = next((m.get("MessageId") for m in status.messages if m.get("MessageId")), None)
        raise TaskFailedError(client.base_url, ref.task_uri or ref.monitor_uri,
                              "the task ended in state %s%s" % (
                                  status.state, ": " + "; ".join(texts) if texts else ""),
                              message_id=message_id)
    return status
