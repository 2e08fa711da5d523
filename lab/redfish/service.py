"""The HTTP side of one emulated Redfish BMC.

`Bmc.handle` processes every request of one BMC in this order: count it, add the configured
latency, apply injected faults, authenticate, then dispatch to the resource store (GET with
query parameters and ETag, PATCH, POST to actions and collections, DELETE).
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import logging
from collections import Counter
from urllib.parse import unquote

from aiohttp import web

from lab.redfish import query
from lab.redfish.auth import SessionTable, credentials_match, parse_basic
from lab.redfish.behaviours import Behaviour, set_power_state
from lab.redfish.errors import RedfishError
from lab.redfish.faults import HANG_SECONDS, FaultState
from lab.redfish.odata import metadata_document, service_document
from lab.redfish.patching import PatchRules
from lab.redfish.store import SERVICE_ROOT, Call, Reply, ResourceStore, canonical

log = logging.getLogger("lab.redfish")

READ_METHODS = ("GET", "HEAD")
DEFAULT_SESSIONS_URI = SERVICE_ROOT + "/SessionService/Sessions"


def encode(payload) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def compute_etag(payload, encoded: bytes | None = None) -> str:
    """Return a strong ETag for a payload: a digest of its JSON encoding.

    Key order is the payload's insertion order, which a PATCH keeps, so equal content
    always gives the same ETag.
    """
    data = encoded if encoded is not None else encode(payload)
    return '"' + hashlib.sha256(data).hexdigest()[:20] + '"'


class Bmc:
    """One emulated BMC: its resource store, sessions, faults and request counters."""

    def __init__(self, spec: dict, store: ResourceStore, behaviours: list[Behaviour]) -> None:
        self.spec = spec
        self.name: str = spec["name"]
        self.store = store
        self.patch_rules = PatchRules(store)
        self.sessions = SessionTable(spec["session_timeout"])
        self.faults = FaultState(spec.get("faults") or {})
        self.latency_s = float(spec.get("latency_ms") or 0) / 1000.0
        self.on_boot: list = []
        self.requests = 0
        self.request_paths: Counter[str] = Counter()

        root = store.get(SERVICE_ROOT) or {}
        features = root.get("ProtocolFeaturesSupported") or {}
        expand = features.get("ExpandQuery") or {}
        self.expand_supported = any(expand.get(key) for key in ("ExpandAll", "Levels", "Links", "NoLinks"))
        self.expand_max_levels = int(expand.get("MaxLevels") or 1)
        sessions_link = ((root.get("Links") or {}).get("Sessions") or {}).get("@odata.id")
        self.sessions_uri = canonical(sessions_link or DEFAULT_SESSIONS_URI)
        self._install_sessions()

        self.behaviours = behaviours
        for behaviour in behaviours:
            behaviour.install(self)
        power_state = spec.get("power_state")
        if power_state:
            for uri in store.facts.get("systems", []):
                set_power_state(self, uri, power_state)

    # --- sessions -------------------------------------------------------------------

    def _install_sessions(self) -> None:
        # Sessions recorded in a capture belong to the original BMC; only live ones show.
        for uri in self.store.uris():
            if uri.startswith(self.sessions_uri + "/"):
                self.store.remove(uri)
        collection_type = "#SessionCollection.SessionCollection"
        self.store.provide(self.sessions_uri, lambda: self._sessions_collection(collection_type))
        self.store.creators[self.sessions_uri] = self._create_session

    def _sessions_collection(self, odata_type: str) -> dict:
        self._drop_expired_sessions()
        members = [{"@odata.id": f"{self.sessions_uri}/{s.id}"} for s in self.sessions.all()]
        return {
            "@odata.id": self.sessions_uri,
            "@odata.type": odata_type,
            "Name": "Session Collection",
            "Members": members,
            "Members@odata.count": len(members),
        }

    def _drop_expired_sessions(self) -> None:
        for session in self.sessions.expire():
            uri = f"{self.sessions_uri}/{session.id}"
            self.store.remove(uri)
            self.store.deleters.pop(uri, None)

    def _create_session(self, call: Call) -> Reply:
        if self.faults.reject_credentials:
            raise RedfishError(401, "ResourceAtUriUnauthorized", self.sessions_uri, "Unauthorized")
        body = call.body if isinstance(call.body, dict) else {}
        for required in ("UserName", "Password"):
            if not isinstance(body.get(required), str):
                raise RedfishError(400, "CreateFailedMissingReqProperties", required)
        if not credentials_match(body["UserName"], body["Password"], self.spec["username"], self.spec["password"]):
            log.info("%s: session login rejected for user %s", self.name, body["UserName"])
            raise RedfishError(401, "ResourceAtUriUnauthorized", self.sessions_uri, "Unauthorized")

        session = self.sessions.create(body["UserName"])
        uri = f"{self.sessions_uri}/{session.id}"
        payload = {
            "@odata.id": uri,
            "@odata.type": "#Session.v1_3_0.Session",
            "Id": session.id,
            "Name": "User Session",
            "Description": "Manager User Session",
            "UserName": session.username,
        }
        self.store.add(uri, payload)
        self.store.deleters[uri] = self._delete_session
        return Reply(201, dict(payload), {"X-Auth-Token": session.token, "Location": uri})

    def _delete_session(self, call: Call) -> Reply:
        session_id = call.uri.rsplit("/", 1)[-1]
        self.sessions.delete(session_id)
        self.store.remove(call.uri)
        self.store.deleters.pop(call.uri, None)
        return Reply(204)

    def drop_all_sessions(self) -> int:
        """End every session, as a BMC reset does; return how many were open."""
        sessions = self.sessions.all()
        for session in sessions:
            self.sessions.delete(session.id)
            uri = f"{self.sessions_uri}/{session.id}"
            self.store.remove(uri)
            self.store.deleters.pop(uri, None)
        return len(sessions)

    def authenticate(self, request: web.BaseRequest) -> str:
        """Return the user a request authenticates as, or raise 401."""
        if self.faults.reject_credentials:
            raise RedfishError(401, "NoValidSession", headers={"WWW-Authenticate": 'Basic realm="Redfish"'})
        self._drop_expired_sessions()
        token = request.headers.get("X-Auth-Token")
        if token:
            session = self.sessions.lookup(token)
            if session is not None:
                return session.username
        authorization = request.headers.get("Authorization")
        if authorization:
            credentials = parse_basic(authorization)
            if credentials and credentials_match(*credentials, self.spec["username"], self.spec["password"]):
                return credentials[0]
        raise RedfishError(401, "NoValidSession", headers={"WWW-Authenticate": 'Basic realm="Redfish"'})

    # --- request handling -------------------------------------------------------------

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        self.requests += 1
        self.request_paths[f"{request.method} {request.path}"] += 1
        if self.latency_s > 0:
            await asyncio.sleep(self.latency_s)
        if self.faults.timeout:
            await asyncio.sleep(HANG_SECONDS)

        failure = self.faults.failure_for_request()
        if failure is not None:
            return self._respond(request, Reply(failure.status, failure.body, failure.headers))
        try:
            reply = await self._dispatch(request)
        except RedfishError as error:
            # Client errors are the expected outcome of many tests, so they log at debug level.
            log.debug("%s: %s %s failed with %s %s", self.name, request.method, request.path, error.status, error.key)
            reply = Reply(error.status, error.body(), error.headers)
        except Exception:
            log.exception("%s: %s %s failed", self.name, request.method, request.path)
            reply = Reply(500, RedfishError(500, "InternalError").body())
        return self._respond(request, reply)

    async def _dispatch(self, request: web.BaseRequest) -> Reply:
        method = request.method
        key = canonical(request.path)

        if key == "/redfish":
            self._require_read(method)
            return Reply(200, {"v1": SERVICE_ROOT + "/"})
        if key == SERVICE_ROOT + "/$metadata":
            self._require_read(method)
            return Reply(200, metadata_document(self.store), {"Content-Type": "application/xml"})
        if key == SERVICE_ROOT + "/odata":
            self._require_read(method)
            return Reply(200, service_document(self.store))

        public = (key == SERVICE_ROOT and method in READ_METHODS) or (
            key == self.sessions_uri and method == "POST"
        )
        username = None if public else self.authenticate(request)
        body = await self._read_body(request) if method in ("POST", "PATCH", "PUT") else None
        call = Call(method, self.store.resolve(key), body, dict(request.headers), username)

        if method in READ_METHODS:
            getter = self.store.getters.get(self.store.resolve(key))
            if getter is not None:
                return await _run(getter, call)
            return self._get(request, key)
        if method == "PATCH":
            return await self._patch(request, call)
        if method == "POST":
            return await self._post(call)
        if method == "DELETE":
            handler = self.store.deleters.get(call.uri)
            if handler is None:
                self._not_allowed(key)
            return await _run(handler, call)
        self._not_allowed(key)

    def _require_read(self, method: str) -> None:
        if method not in READ_METHODS:
            raise RedfishError(405, "OperationNotAllowed", headers={"Allow": "GET, HEAD"})

    def _not_allowed(self, key: str):
        if key not in self.store:
            raise RedfishError(404, "ResourceNotFound", _type_hint(key), key.rsplit("/", 1)[-1])
        allow = ", ".join(self.store.allowed_methods(key))
        raise RedfishError(405, "OperationNotAllowed", headers={"Allow": allow})

    @staticmethod
    async def _read_body(request: web.BaseRequest):
        raw = await request.read()
        if not raw.strip():
            return None
        if request.content_type.startswith("multipart/"):
            # A multipart upload (firmware push) goes to its handler undecoded.
            return raw
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise RedfishError(400, "MalformedJSON") from None

    def _get(self, request: web.BaseRequest, key: str) -> Reply:
        if key in self.store.errors:
            status, error_body = self.store.errors[key]
            return Reply(status, error_body)
        if request.query_string:
            captured_page = self.store.query_pages.get(f"{key}?{unquote(request.query_string)}")
            if captured_page is not None:
                return Reply(200, captured_page, {"ETag": compute_etag(captured_page)})

        payload = self.store.get(key)
        if payload is None:
            raise RedfishError(404, "ResourceNotFound", _type_hint(key), key.rsplit("/", 1)[-1])

        params = request.query
        for name in params:
            if name == "$expand" and not self.expand_supported:
                raise RedfishError(400, "QueryNotSupportedOnResource")
            if name.lower() in query.KNOWN_UNSUPPORTED or (name.startswith("$") and name not in query.SUPPORTED):
                raise RedfishError(400, "QueryNotSupported")

        encoded = encode(payload)
        etag = compute_etag(payload, encoded)
        # Some BMCs send weak tags (W/"..."); If-Match and If-None-Match compare them strongly.
        shown_etag = "W/" + etag if self.store.facts.get("weak_etags") else etag
        headers = {"ETag": shown_etag, "Allow": ", ".join(self.store.allowed_methods(key))}
        if _etag_listed(request.headers.get("If-None-Match"), etag):
            return Reply(304, None, headers)

        if "$expand" not in params and "$top" not in params and "$skip" not in params:
            return Reply(200, payload, headers, encoded=encoded)
        body = payload
        if "$expand" in params:
            expansion = query.parse_expand(params["$expand"], self.expand_max_levels)
            body = query.expand(body, expansion, self.store.get)
        if "$top" in params or "$skip" in params:
            body = query.page(body, params.get("$top"), params.get("$skip"), request.path)
        return Reply(200, body, headers)

    async def _patch(self, request: web.BaseRequest, call: Call) -> Reply:
        current = self.store.get(call.uri)
        handler = self.store.patchers.get(call.uri)
        if current is None or handler is None:
            self._not_allowed(call.uri)
        if_match = request.headers.get("If-Match")
        if if_match is None and self.store.facts.get("require_if_match"):
            raise RedfishError(428, "PreconditionRequired")
        if if_match is not None and not _etag_listed(if_match, compute_etag(current)):
            raise RedfishError(412, "PreconditionFailed")
        reply = await _run(handler, call)
        if reply.status == 200 and isinstance(reply.body, dict):
            reply.headers.setdefault("ETag", compute_etag(self.store.get(call.uri)))
        return reply

    async def _post(self, call: Call) -> Reply:
        handler = self.store.actions.get(call.uri) or self.store.creators.get(call.uri)
        if handler is None:
            self._not_allowed(call.uri)
        return await _run(handler, call)

    def _respond(self, request: web.BaseRequest, reply: Reply) -> web.Response:
        headers = {"OData-Version": "4.0", "Cache-Control": "no-cache"}
        headers.update(reply.headers)
        if reply.body is None:
            return web.Response(status=reply.status, headers=headers)
        if isinstance(reply.body, str):
            headers.setdefault("Content-Type", "text/plain")
            return web.Response(status=reply.status, body=reply.body.encode(), headers=headers)

        data = reply.encoded if reply.encoded is not None else encode(reply.body)
        if self.faults.malformed_json and reply.status == 200:
            # Cut the document in half: a client sees 200 and a body that does not parse.
            data = data[: max(1, len(data) // 2)]
        headers["Content-Type"] = "application/json; charset=utf-8"
        return web.Response(status=reply.status, body=data, headers=headers)

    # --- control API -------------------------------------------------------------------

    def state(self) -> dict:
        document: dict = {"name": self.name}
        for behaviour in self.behaviours:
            document.update(behaviour.state(self))
        return document

    def set_state(self, document: dict) -> None:
        for behaviour in self.behaviours:
            behaviour.set_state(self, document)


async def _run(handler, call: Call) -> Reply:
    result = handler(call)
    if inspect.isawaitable(result):
        result = await result
    return result


def _etag_listed(header: str | None, etag: str) -> bool:
    if header is None:
        return False
    if header.strip() == "*":
        return True
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return etag in tags


def _type_hint(uri: str) -> str:
    """Guess the resource type name for a ResourceNotFound message from the URI."""
    parts = [part for part in uri.split("/") if part]
    return parts[-2] if len(parts) >= 2 else "Resource"
