"""A tiny HTTP server on 127.0.0.1 that answers with scripted Redfish responses.

Each route maps ``(method, path)`` (path includes the query) to a list of responses that are
served in order; the last one repeats.  A response is ``(status, body, headers)``, where a
body that is not a string is sent as JSON, or a callable that takes the request
``(method, path, headers, body)`` and returns such a tuple (for stateful scripts).  Every
request is recorded.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = {
    "@odata.id": "/redfish/v1",
    "@odata.type": "#ServiceRoot.v1_5_0.ServiceRoot",
    "Id": "RootService",
    "Systems": {"@odata.id": "/redfish/v1/Systems"},
    "Chassis": {"@odata.id": "/redfish/v1/Chassis"},
    "Managers": {"@odata.id": "/redfish/v1/Managers"},
    "SessionService": {"@odata.id": "/redfish/v1/SessionService"},
    "Links": {"Sessions": {"@odata.id": "/redfish/v1/SessionService/Sessions"}},
}


class ScriptedBmc:
    def __init__(self, routes):
        self.routes = {key: list(value) for key, value in routes.items()}
        self.requests = []
        bmc = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; without TCP_NODELAY each response on a
            # kept-alive connection waits about 40 ms for the client's delayed ACK.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                bmc.requests.append((self.command, self.path, dict(self.headers), body))
                key = (self.command, self.path)
                responses = bmc.routes.get(key) or bmc.routes.get((self.command, self.path.rstrip("/")))
                if not responses:
                    status, payload, headers = 404, {"error": {"code": "Base.1.8.ResourceMissingAtURI",
                                                               "message": "not scripted"}}, {}
                else:
                    response = responses[0] if len(responses) == 1 else responses.pop(0)
                    if callable(response):
                        response = response(self.command, self.path, dict(self.headers), body)
                    status, payload, headers = response
                data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
                data = data.encode() if isinstance(data, str) else data
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        # A short poll interval keeps shutdown() fast: each test starts and stops a server.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()

    def count(self, method, path_prefix):
        return len([r for r in self.requests if r[0] == method and r[1].startswith(path_prefix)])


def ok(body, headers=None):
    return (200, body, headers or {})


def collection(uri, members):
    return {"@odata.id": uri, "Members": [{"@odata.id": m} for m in members],
            "Members@odata.count": len(members)}
