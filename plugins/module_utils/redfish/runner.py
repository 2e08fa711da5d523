# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The one place where a Redfish lifecycle module meets Ansible.

``run_module`` opens one session for the whole module run, calls the module's operation,
turns a collection error into ``fail_json`` with the BMC, URI and MessageId as fields, and
returns the diff only when Ansible asked for it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    AifactoryError,
    RedfishError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.module_args import (
    client_from_params,
)


class Outcome:
    """The result of an operation, or in check mode the result it would have.

    ``before`` and ``after`` are the compared state (the diff); ``changed`` is computed from
    the same comparison in check mode and in a real run.  ``result`` contains the module's
    other return values.
    """

    def __init__(self, changed, before=None, after=None, warnings=None, **result):
        self.changed = changed
        self.before = before
        self.after = after
        self.warnings = list(warnings or [])
        self.result = result

    def as_result(self, with_diff):
        result = dict(self.result)
        result["changed"] = bool(self.changed)
        if with_diff and self.before is not None:
            result["diff"] = {"before": self.before, "after": self.after}
        return result


def error_fields(exc):
    """Return the machine-readable fields of a collection error for the module result."""
    if not isinstance(exc, RedfishError):
        return {}
    fields = {"bmc": exc.bmc, "uri": exc.uri, "status": exc.status}
    if exc.message_id:
        fields["message_id"] = exc.message_id
    return fields


def run_module(module, operation, client_factory=client_from_params):
    """Run ``operation(client, params, check_mode)`` with one session and exit the module.

    ``operation`` returns an Outcome.  The session is logged out before the module exits,
    also after a failure.
    """
    try:
        client = client_factory(module.params)
        with client:
            outcome = operation(client, module.params, module.check_mode)
    except AifactoryError as exc:
        module.fail_json(msg=str(exc), **error_fields(exc))

    for warning in outcome.warnings:
        module.warn(warning)
    module.exit_json(**outcome.as_result(module._diff))
