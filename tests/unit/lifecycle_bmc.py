"""Building blocks for the lifecycle module tests on the scripted BMC.

``Resource`` keeps one Redfish resource's state: GET returns it (with an ETag), PATCH merges
the body into it, so a test can follow a module's read, write and read-back.
"""

import copy
import json

from scripted_bmc import ROOT, collection, ok
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.client import RedfishClient
from ansible_collections.aifactory.infra.plugins.module_utils.retry import RetryPolicy

SESSION = (201, {"@odata.id": "/redfish/v1/SessionService/Sessions/1"},
           {"X-Auth-Token": "token-1", "Location": "/redfish/v1/SessionService/Sessions/1"})
SYSTEM_URI = "/redfish/v1/Systems/1"


def routes(*resources, extra=None):
    """Return scripted routes: service root, session, the resources and ``extra``."""
    table = {
        ("GET", "/redfish/v1/"): [ok(ROOT)],
        ("POST", "/redfish/v1/SessionService/Sessions"): [SESSION],
        ("DELETE", "/redfish/v1/SessionService/Sessions/1"): [(204, "", {})],
    }
    for resource in resources:
        table.update(resource.routes())
    table.update(extra or {})
    return table


def systems(*uris):
    return {("GET", "/redfish/v1/Systems"): [ok(collection("/redfish/v1/Systems", list(uris or [SYSTEM_URI])))]}


def client(bmc, sleeps=None):
    policy = RetryPolicy(attempts=3, budget=30, sleep=(sleeps if sleeps is not None else []).append)
    return RedfishClient(bmc.url, "admin", "bmc-password", retry_policy=policy)


def body_of(request):
    """Return the JSON body of a recorded request."""
    return json.loads(request[3].decode() or "null")


def sent(bmc, method, path=None):
    """Return the recorded requests with ``method`` (and ``path``), in order."""
    return [r for r in bmc.requests if r[0] == method and (path is None or r[1] == path)]


def error(status, message_id, message="rejected", args=None, related=None):
    info = {"MessageId": message_id, "Message": message, "Severity": "Critical"}
    if args is not None:
        info["MessageArgs"] = args
    if related is not None:
        info["RelatedProperties"] = related
    return (status, {"error": {"code": "Base.1.12.GeneralError", "message": message,
                               "@Message.ExtendedInfo": [info]}}, {})


class FakeClock:
    """A monotonic clock that moves only when the code under test sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def merge(target, patch):
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value


class Resource:
    """A stateful resource: GET returns ``payload``; PATCH merges its body unless refused.

    ``etag`` is sent as the ETag header; with ``require_etag`` a PATCH must carry exactly
    that If-Match (412 otherwise, 428 without one).  ``on_patch(body, headers)`` may return
    a response that replaces the default 204: an error refuses the body, a 2xx applies it.
    """

    def __init__(self, uri, payload, etag=None, require_etag=False, on_patch=None):
        self.uri = uri
        self.payload = copy.deepcopy(payload)
        self.payload.setdefault("@odata.id", uri)
        self.etag = etag
        self.require_etag = require_etag
        self.on_patch = on_patch
        self.patches = []
        self.version = 0

    def routes(self):
        return {("GET", self.uri): [self.get], ("PATCH", self.uri): [self.patch]}

    def get(self, method, path, headers, body):
        return (200, self.payload, {"ETag": self.etag} if self.etag else {})

    def patch(self, method, path, headers, body):
        data = json.loads(body.decode() or "{}")
        if self.require_etag:
            given = headers.get("If-Match")
            if not given:
                return error(428, "Base.1.12.PreconditionRequired", "If-Match is required")
            if given != self.etag:
                return error(412, "Base.1.12.PreconditionFailed", "ETag mismatch")
        answer = self.on_patch(data, headers) if self.on_patch is not None else None
        if answer is not None and answer[0] >= 300:
            return answer
        self.patches.append(data)
        merge(self.payload, {key: value for key, value in data.items() if not key.startswith("@Redfish")})
        return answer or (204, "", {})
