# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Filters that compare discovered hardware with hardware profiles."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError
from ansible_collections.aifactory.infra.plugins.module_utils.profiles import build_report, compare


def hardware_mismatches(hardware, profile):
    """Return the mismatches between a host's ``hardware`` and a hardware ``profile``."""
    try:
        return compare(hardware or {}, profile or {})
    except InvalidInputError as exc:
        raise AnsibleFilterError(str(exc))


def discovery_report(hostvars, names):
    """Return the discovery report (summary and per-host entries) for the hosts ``names``."""
    try:
        return build_report(hostvars, list(names))
    except InvalidInputError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {
            "hardware_mismatches": hardware_mismatches,
            "discovery_report": discovery_report,
        }
