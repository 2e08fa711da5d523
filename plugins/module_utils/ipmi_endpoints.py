# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Addresses of IPMI BMCs: ``ipmi://host[:port]`` endpoints and cipher suite values.

Kept apart from the client so that the inventory plugin can check its configuration, and
read a cached inventory, without importing pyghmi.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import urlsplit

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError

DEFAULT_PORT = 623
CIPHER_SUITES = (3, 17)


def is_ipmi_url(url):
    """Return True for an ``ipmi://`` endpoint URL."""
    return isinstance(url, str) and url.strip().lower().startswith("ipmi://")


def format_bmc(host, port):
    """Return ``host:port``, with brackets around an IPv6 address."""
    if ":" in host:
        return "[%s]:%s" % (host, port)
    return "%s:%s" % (host, port)


def _redacted(url):
    """Return ``url`` with any credentials before the host replaced by ``...``."""
    scheme, separator, rest = str(url).partition("://")
    if not separator:
        scheme, rest = "", str(url)
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        netloc = "...@" + netloc.rsplit("@", 1)[-1]
    return "%s%s%s%s%s" % (scheme, separator, netloc, slash, path)


def parse_ipmi_url(url):
    """Return ``(host, port)`` of an ``ipmi://host[:port]`` endpoint.

    Raises InvalidInputError for anything else: another scheme, credentials, a path or a
    query.  The messages never repeat credentials that were put into the URL.
    """
    if not is_ipmi_url(url):
        raise InvalidInputError("Invalid IPMI endpoint %r." % (_redacted(url),),
                                hint="Give ipmi://HOST or ipmi://HOST:PORT, for example ipmi://10.1.0.21.")
    parts = urlsplit(url.strip())
    if "@" in parts.netloc:
        raise InvalidInputError("Invalid IPMI endpoint %s: it contains credentials." % _redacted(url),
                                hint="Give the credentials with the username and password options.")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise InvalidInputError("Invalid IPMI endpoint %r: it has a path or a query." % (url,),
                                hint="Give only ipmi://HOST or ipmi://HOST:PORT.")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise InvalidInputError("Invalid IPMI endpoint %r: the port is not a number from 1 to 65535." % (url,))
    if not parts.hostname:
        raise InvalidInputError("Invalid IPMI endpoint %r: the host is missing." % (url,),
                                hint="Give ipmi://HOST or ipmi://HOST:PORT.")
    return parts.hostname, port or DEFAULT_PORT


def ipmi_url(host, port):
    """Return the canonical ``ipmi://host:port`` form of an endpoint."""
    return "ipmi://" + format_bmc(host, port)


def normalise_cipher_suite(value):
    """Return None (negotiate), 17 or 3 for a cipher suite given as a number or a string."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto")):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number not in CIPHER_SUITES:
        raise InvalidInputError("Invalid cipher_suite %r." % (value,),
                                hint="Use 17 (RAKP-HMAC-SHA256), 3 (RAKP-HMAC-SHA1), or leave it "
                                     "unset to use 17 when the BMC offers it and 3 otherwise.")
    return number
