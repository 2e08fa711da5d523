# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A Redfish client for one BMC, built on sushy's connector and authentication.

sushy gives the HTTP session, session login with fallback to basic authentication, session
refresh and logout.  This class adds what every caller of the collection needs on top: one
retry policy, typed errors that name the BMC, the URI and the MessageId, JSON checks, and
collection reads that use ``$expand`` only where the BMC supports it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import threading

try:
    import requests
    import sushy
    from sushy import auth as sushy_auth
    from sushy import connector as sushy_connector
    from sushy import exceptions as sushy_exceptions
    HAS_SUSHY = True
    SUSHY_IMPORT_ERROR = None
except ImportError as import_error:  # reported by the caller through missing_required_lib
    HAS_SUSHY = False
    SUSHY_IMPORT_ERROR = import_error

if HAS_SUSHY:
    class _SingleAttemptConnector(sushy_connector.Connector):
        """sushy's connector without its own retries of server errors.

        sushy retries a failed GET right away (``server_side_retries``), which would ignore
        Retry-After and multiply with this client's retry policy; here the policy alone
        decides.
        """

        def _op(self, method, path="", data=None, headers=None, blocking=False, timeout=None,
                server_side_retries_left=None, **kwargs):
            return super(_SingleAttemptConnector, self)._op(
                method, path, data=data, headers=headers, blocking=blocking, timeout=timeout,
                server_side_retries_left=0, **kwargs)

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishAuthError,
    RedfishBadRequestError,
    RedfishConnectionError,
    RedfishError,
    RedfishNotFoundError,
    RedfishResponseError,
    RedfishServerError,
    RedfishTimeoutError,
    RedfishTLSError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.messages import (
    error_details,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.urls import (  # noqa: F401  pylint: disable=unused-import
    normalise_base_url,
)
from ansible_collections.aifactory.infra.plugins.module_utils.retry import (
    RetryPolicy,
    parse_retry_after,
)

ROOT_URI = "/redfish/v1/"
AUTH_MODES = ("auto", "session", "basic")
EXPAND_QUERY = "$expand=.($levels=1)"


def odata_id(payload):
    """Return a resource's ``@odata.id`` without a trailing slash, or None."""
    if not isinstance(payload, dict):
        return None
    value = payload.get("@odata.id")
    if not isinstance(value, str):
        return None
    return value.rstrip("/") or value


class RedfishClient:
    """One authenticated connection to one BMC.

    Use it as a context manager: entering logs in (a Redfish session, or basic
    authentication when the BMC has no usable session service), leaving logs out.
    Calls are safe from several threads at once, which discovery uses to read the
    independent parts of one BMC in parallel.
    """

    def __init__(self, base_url, username, password, validate_certs=True, ca_path=None,
                 timeout=30, auth="auto", retry_policy=None, pool_size=8):
        if not HAS_SUSHY:
            raise InvalidInputError("The Python library sushy is not installed: %s." % SUSHY_IMPORT_ERROR,
                                    hint="Install the collection's requirements.txt on the controller.")
        if auth not in AUTH_MODES:
            raise InvalidInputError("Invalid auth %r." % (auth,),
                                    hint="Use one of %s." % ", ".join(AUTH_MODES))
        self.base_url = normalise_base_url(base_url)
        if validate_certs and ca_path and not os.path.isfile(ca_path):
            raise InvalidInputError("CA bundle %s not found (ca_path of BMC %s)." % (ca_path, self.base_url),
                                    hint="Give the path of a PEM file with the CA certificates that "
                                         "signed the BMC's certificate.")
        self._username = username
        self._password = password
        self._verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)
        self._timeout = timeout
        self._auth_mode = auth
        self.retry_policy = retry_policy or RetryPolicy()
        self._pool_size = pool_size
        self._connector = None
        self._auth = None
        self._root_resource = None
        self.root = None
        self._expand_usable = None
        self.expand_rejection = None
        self._lock = threading.Lock()
        self._last_response = threading.local()
        self.request_count = 0

    # Session handling

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def open(self):
        """Read the service root and log in; raise a RedfishError subclass on failure."""
        if self._connector is not None:
            return
        if not self._username or self._password is None:
            raise InvalidInputError("No credentials given for BMC %s." % self.base_url,
                                    hint="Set username and password, or AIFACTORY_BMC_USERNAME "
                                         "and AIFACTORY_BMC_PASSWORD.")
        self.retry_policy.call(self._open_once)

    def _open_once(self):
        connector = _SingleAttemptConnector(
            self.base_url, verify=self._verify, default_request_timeout=self._timeout,
            response_callback=self._remember_response,
            # A single attempt inside sushy: this client's retry policy owns retries.
            server_side_retries=1, server_side_retries_delay=0)
        # sushy sends "Connection: close" to work around BMCs that mishandle persistent
        # connections. Discovery makes dozens of requests per BMC, and a new TLS handshake
        # for each one would multiply the latency, so connections are kept alive.
        connector._session.headers.pop("Connection", None)
        # requests reads the proxy variables and ~/.netrc again for every request, which
        # costs more CPU than parsing the response. Proxies are looked up once per BMC here,
        # and credentials always come from the caller.
        connector._session.trust_env = False
        connector._session.proxies = requests.utils.get_environ_proxies(self.base_url)
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=self._pool_size)
        connector._session.mount("https://", adapter)
        connector._session.mount("http://", adapter)

        if self._auth_mode == "basic":
            auth = sushy_auth.BasicAuth(self._username, self._password)
        elif self._auth_mode == "session":
            auth = sushy_auth.SessionAuth(self._username, self._password)
        else:
            auth = sushy_auth.SessionOrBasicAuth(self._username, self._password)

        try:
            root_resource = self._translate(
                lambda: sushy.Sushy(self.base_url, auth=auth, connector=connector,
                                    root_prefix=ROOT_URI),
                ROOT_URI)
        except RedfishError:
            connector.close()
            raise
        self._connector = connector
        self._auth = auth
        self._root_resource = root_resource
        self.root = root_resource.json
        self._count_request()

    def close(self):
        """Log out of the Redfish session (if any) and close the connection pool."""
        if self._auth is not None:
            try:
                self._auth.close()
            except Exception:  # pylint: disable=broad-except
                # Logging out is best effort: the session times out on the BMC anyway,
                # and a failed logout must not hide the result of the real work.
                pass
            self._auth = None
        if self._root_resource is not None:
            # sushy's destructor would log out a second time.
            self._root_resource._auth = None
            self._root_resource = None
        if self._connector is not None:
            self._connector.close()
            self._connector = None

    # Requests

    def get(self, uri, query=None):
        """Return the JSON object at ``uri``, retried under the retry policy."""
        path = uri if not query else "%s?%s" % (uri, query)
        return self.retry_policy.call(lambda: self._get_once(path))

    def _get_once(self, path):
        response = self._translate(lambda: self._connector.get(path), path)
        return self._json(response, "GET", path)

    def request(self, method, uri, body=None, headers=None, files=None, timeout=None):
        """Send a POST, PATCH, PUT or DELETE and return the ``requests`` response.

        Writes are retried only for failures that happen before the BMC acted on them
        (connection refused, 503 busy); the caller judges success by the status code.
        ``files`` is a callable that returns the ``files`` mapping of a multipart upload;
        it is called for each attempt, so that a retried upload starts at the first byte.
        ``timeout`` replaces the client's timeout for this request (long uploads).
        """
        call = {
            "POST": self._connector.post,
            "PATCH": self._connector.patch,
            "PUT": self._connector.put,
            "DELETE": self._connector.delete,
        }[method]

        def once():
            extra = {}
            if files is not None:
                extra["files"] = files()
            if timeout is not None:
                extra["timeout"] = timeout
            return self._translate(lambda: call(uri, data=body, headers=headers, **extra), uri, method)

        return self.retry_policy.call(once)

    def get_response(self, uri):
        """Return ``(response, payload)`` of a GET, for callers that need its status or headers.

        Used for ETags and task monitors.  ``payload`` is ``{}`` when the body is empty (a
        task monitor may answer 204); any other body must be a JSON object.
        """
        def once():
            response = self._translate(lambda: self._connector.get(uri), uri)
            return response, self._json_or_empty(response, "GET", uri)

        return self.retry_policy.call(once)

    def send(self, method, uri, body=None, headers=None, files=None, timeout=None):
        """Send a write like ``request`` and return ``(response, payload)``.

        ``payload`` is the JSON object of the body, or ``{}`` when the body is empty or is not
        a JSON object: a write succeeded when the BMC said so with its status code, and
        some BMCs answer a success with HTML or plain text.
        """
        response = self.request(method, uri, body=body, headers=headers, files=files, timeout=timeout)
        try:
            payload = response.json() if response.content else {}
        except ValueError:
            payload = {}
        return response, payload if isinstance(payload, dict) else {}

    def _json(self, response, method, path):
        try:
            payload = response.json()
        except ValueError as exc:
            raise RedfishResponseError(self.base_url, path, "the body is not valid JSON (%s)" % exc,
                                       status=response.status_code, method=method)
        if not isinstance(payload, dict):
            raise RedfishResponseError(self.base_url, path,
                                       "expected a JSON object, got %s" % type(payload).__name__,
                                       status=response.status_code, method=method)
        return payload

    def _json_or_empty(self, response, method, path):
        if not response.content or not response.content.strip():
            return {}
        return self._json(response, method, path)

    def _count_request(self):
        with self._lock:
            self.request_count += 1

    def _remember_response(self, response):
        self._count_request()
        self._last_response.value = response

    def _translate(self, call, path, method="GET"):
        """Run a sushy call and turn its exceptions into this collection's typed errors."""
        self._last_response.value = None
        try:
            return call()
        except sushy_exceptions.AccessError as exc:
            raise self._http_error(RedfishAuthError, exc, path, method)
        except sushy_exceptions.ResourceNotFoundError as exc:
            raise self._http_error(RedfishNotFoundError, exc, path, method)
        except sushy_exceptions.ServerSideError as exc:
            raise self._http_error(RedfishServerError, exc, path, method)
        except sushy_exceptions.HTTPError as exc:
            raise self._http_error(RedfishBadRequestError, exc, path, method)
        except sushy_exceptions.ConnectionError as exc:
            raise self._connection_error(exc, path, method)
        except sushy_exceptions.SushyError as exc:
            raise RedfishResponseError(self.base_url, path, str(exc), method=method)
        except ValueError as exc:
            # sushy parses the service root itself and lets JSON errors through.
            raise RedfishResponseError(self.base_url, path, "the body is not valid JSON (%s)" % exc,
                                       method=method)

    def _http_error(self, cls, exc, path, method):
        response = getattr(self._last_response, "value", None)
        retry_after = None
        if response is not None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        details = error_details(exc.body if isinstance(exc.body, dict) else None)
        reason = details.message
        if not reason and response is not None:
            reason = "unexpected response %s" % _short_body(response)
        return cls(self.base_url, path, reason or "HTTP error", status=exc.status_code,
                   message_id=details.message_id, method=method,
                   message_args=details.message_args, retry_after=retry_after,
                   related_properties=details.related_properties)

    def _connection_error(self, exc, path, method):
        cause = exc.__context__
        text = str(cause) if cause is not None else str(exc)
        if isinstance(cause, requests.exceptions.SSLError):
            return RedfishTLSError(self.base_url, path, "TLS error: %s" % text, method=method)
        if isinstance(cause, (requests.exceptions.ReadTimeout,)):
            return RedfishTimeoutError(self.base_url, path,
                                       "no answer within %ss" % self._timeout, method=method)
        if isinstance(cause, requests.exceptions.ConnectTimeout):
            return RedfishTimeoutError(self.base_url, path,
                                       "connection not established within %ss" % self._timeout,
                                       method=method)
        return RedfishConnectionError(self.base_url, path, "connection failed: %s" % _socket_reason(text),
                                      method=method)

    # Collections

    @property
    def expand_supported(self):
        """True when the service root lists ``$expand=.($levels=1)`` as supported."""
        if self._expand_usable is None:
            features = (self.root or {}).get("ProtocolFeaturesSupported") or {}
            expand = features.get("ExpandQuery") or {}
            self._expand_usable = bool(isinstance(expand, dict) and expand.get("Levels")
                                       and (expand.get("NoLinks") or expand.get("ExpandAll")))
        return self._expand_usable

    def get_expanded(self, uri):
        """Return the resource at ``uri`` with ``$expand=.($levels=1)`` where supported.

        A BMC that rejects the query gets a plain GET, and the rejection is remembered.
        """
        if self.expand_supported:
            try:
                return self.get(uri, EXPAND_QUERY)
            except (RedfishBadRequestError, RedfishNotFoundError) as exc:
                self._expand_usable = False
                self.expand_rejection = str(exc)
        return self.get(uri)

    def get_collection(self, uri, expand=True):
        """Return ``(collection, members, member_uris_to_fetch)`` for a collection URI.

        With ``expand`` and BMC support, one request returns the members inline.  A BMC
        that rejects the query, or ignores it, gets per-member GETs instead, and the
        rejection is remembered so later collections skip ``$expand`` on this BMC.
        """
        collection = None
        if expand and self.expand_supported:
            try:
                collection = self.get(uri, EXPAND_QUERY)
            except (RedfishBadRequestError, RedfishNotFoundError) as exc:
                # Some BMCs advertise $expand and then reject it (400), or treat the query
                # as part of the path (404).  The plain GET below separates a missing
                # collection from a rejected query.
                self._expand_usable = False
                self.expand_rejection = str(exc)
            except RedfishServerError as exc:
                if exc.status != 501:
                    raise
                self._expand_usable = False
                self.expand_rejection = str(exc)
        if collection is None:
            collection = self.get(uri)

        members = []
        missing = []
        for member in collection.get("Members") or []:
            if not isinstance(member, dict):
                continue
            if len([key for key in member if not key.startswith("@odata")]) == 0:
                missing.append(odata_id(member))
            else:
                members.append(member)
        return collection, members, [uri for uri in missing if uri]


def _socket_reason(text):
    """Return the operating system's reason from a urllib3 connection error message."""
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip()
    return text[:200]


def _short_body(response):
    text = response.text if response is not None else ""
    text = " ".join(text.split())
    return json.dumps(text[:120])
