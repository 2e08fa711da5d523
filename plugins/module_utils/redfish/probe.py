# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Finding Redfish services in address ranges."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError

# A /20 of IPv4 addresses: larger ranges are almost always a typo in the prefix length.
MAX_RANGE_ADDRESSES = 4096


def range_urls(cidr, scheme="https", port=None):
    """Return the base URLs of every usable address of ``cidr`` (for example 10.1.0.0/24)."""
    try:
        network = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError as exc:
        raise InvalidInputError("Invalid cidr %r: %s." % (cidr, exc),
                                hint="Write a network such as 10.1.0.0/24.")
    if network.num_addresses > MAX_RANGE_ADDRESSES:
        message = "cidr %s has %d addresses, more than the %d a range may have." % (
            cidr, network.num_addresses, MAX_RANGE_ADDRESSES)
        raise InvalidInputError(message, hint="Split it into smaller ranges, or check the prefix length.")
    if scheme not in ("https", "http"):
        raise InvalidInputError("Invalid scheme %r for cidr %s." % (scheme, cidr), hint="Use https or http.")
    addresses = list(network.hosts()) or [network.network_address]
    suffix = ":%d" % int(port) if port else ""
    urls = []
    for address in addresses:
        host = "[%s]" % address if address.version == 6 else str(address)
        urls.append("%s://%s%s" % (scheme, host, suffix))
    return urls


def answers_redfish(base_url, verify=True, timeout=3):
    """True when something at ``base_url`` serves a Redfish service root.

    The service root needs no credentials, so none are sent.  An address whose TLS
    certificate fails verification still counts: discovery then reports the certificate
    problem in bmc_error instead of skipping the BMC silently.
    """
    import requests

    try:
        response = requests.get(base_url + "/redfish/v1/", verify=verify, timeout=timeout,
                                allow_redirects=False)
    except requests.exceptions.SSLError:
        return True
    except requests.exceptions.RequestException:
        return False
    if response.status_code in (401, 403):
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    return "RedfishVersion" in body or str(body.get("@odata.id", "")).rstrip("/") == "/redfish/v1"
