# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Inventory host names for the systems of one BMC."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def host_names(base_name, hosts):
    """Return one inventory name per host: ``base_name``, or ``base_name-<system Id>``."""
    if len(hosts) == 1:
        return [base_name]
    return ["%s-%s" % (base_name, host.get("system_id")) for host in hosts]
