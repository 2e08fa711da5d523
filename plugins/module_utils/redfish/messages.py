# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Reading Redfish error bodies and ``@Message.ExtendedInfo``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

_SEVERITY_RANK = {"Critical": 0, "Warning": 1, "OK": 2}


class ErrorDetails:
    """The useful parts of a Redfish error: MessageId, text, MessageArgs, properties."""

    def __init__(self, message_id=None, message=None, message_args=None, related_properties=None,
                 messages=None):
        self.message_id = message_id
        self.message = message
        self.message_args = list(message_args or [])
        self.related_properties = list(related_properties or [])
        self.messages = list(messages or [])


def extended_info(container):
    """Return ``@Message.ExtendedInfo`` of ``container`` as a list of dicts.

    Some BMCs send a single object instead of the list the standard requires.
    """
    if not isinstance(container, dict):
        return []
    info = container.get("@Message.ExtendedInfo")
    if isinstance(info, dict):
        return [info]
    if isinstance(info, list):
        return [item for item in info if isinstance(item, dict)]
    return []


def error_details(body):
    """Return ErrorDetails for a parsed error body (the whole JSON, or its ``error``)."""
    if not isinstance(body, dict):
        return ErrorDetails()
    error = body.get("error") if isinstance(body.get("error"), dict) else body
    messages = extended_info(error)

    # The most severe message explains the failure best; a "Success" entry in an error
    # body says nothing about it.
    relevant = [m for m in messages if not str(m.get("MessageId", "")).endswith(".Success")]
    relevant.sort(key=lambda m: _SEVERITY_RANK.get(m.get("Severity") or m.get("MessageSeverity"), 1))
    chosen = relevant[0] if relevant else {}

    message_id = chosen.get("MessageId") or error.get("code")
    text = chosen.get("Message") or error.get("message")
    related = chosen.get("RelatedProperties") or []
    return ErrorDetails(message_id=message_id, message=text,
                        message_args=chosen.get("MessageArgs") or [],
                        related_properties=related, messages=messages)
