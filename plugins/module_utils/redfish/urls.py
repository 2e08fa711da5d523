# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""BMC URL checks, kept apart from the client so that callers need not import sushy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError


def normalise_base_url(url):
    """Return ``url`` without a trailing slash, after checking it is an HTTP(S) URL."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidInputError("Invalid BMC URL %r." % (url,),
                                hint="Give a URL such as https://10.0.0.5.")
    url = url.strip().rstrip("/")
    scheme, rest = url.split("://", 1) if "://" in url else ("", url)
    if "@" in rest.split("/", 1)[0]:
        # Never echo the credentials back: errors end up in logs and job output.
        shown = "%s://***@%s" % (scheme, rest.split("@", 1)[1])
        raise InvalidInputError("Invalid BMC URL %s: credentials in the URL are not supported." % shown,
                                hint="Remove them and set the username and password options.")
    if url.endswith("/redfish/v1"):
        url = url[:-len("/redfish/v1")]
    if not (url.startswith("https://") or url.startswith("http://")):
        raise InvalidInputError("Invalid BMC URL %r: the scheme must be https or http." % (url,),
                                hint="Write it as https://%s." % url.split("://")[-1])
    return url
