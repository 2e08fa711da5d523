"""The lab's control API: request counters, BMC state and runtime faults for tests.

Served over plain HTTP on 127.0.0.1 at the factory's `control_port`. It carries no
credentials: anything that can reach the loopback interface can drive the lab. Routes are
listed in lab/README.md.
"""

from __future__ import annotations

import json

from aiohttp import web

from lab.factory import FactoryError, validate_faults
from lab.redfish.errors import RedfishError
from lab.redfish.service import Bmc

API = "/lab/v1"


def _json(data, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(data, indent=2) + "\n", content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status)


class ControlApi:
    """aiohttp application exposing the lab's BMCs to tests and benchmarks."""

    def __init__(self, bmcs: dict[str, Bmc], endpoints: list[dict]) -> None:
        self.bmcs = bmcs
        self.endpoints = endpoints

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(API, self.index)
        app.router.add_get(f"{API}/bmcs", self.list_bmcs)
        app.router.add_get(f"{API}/requests", self.requests)
        app.router.add_post(f"{API}/reset-counters", self.reset_counters)
        app.router.add_get(f"{API}/bmcs/{{name}}/requests", self.bmc_requests)
        app.router.add_get(f"{API}/bmcs/{{name}}/state", self.get_state)
        app.router.add_post(f"{API}/bmcs/{{name}}/state", self.set_state)
        app.router.add_get(f"{API}/bmcs/{{name}}/faults", self.get_faults)
        app.router.add_post(f"{API}/bmcs/{{name}}/faults", self.set_faults)
        app.router.add_delete(f"{API}/bmcs/{{name}}/sessions", self.drop_sessions)
        return app

    def _bmc(self, request: web.Request) -> Bmc:
        name = request.match_info["name"]
        bmc = self.bmcs.get(name)
        if bmc is None:
            raise web.HTTPNotFound(
                text=json.dumps({"error": f"no BMC named {name!r}; see GET {API}/bmcs"}),
                content_type="application/json",
            )
        return bmc

    @staticmethod
    async def _body(request: web.Request) -> dict:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise web.HTTPBadRequest(text=json.dumps({"error": "the body is not valid JSON"}), content_type="application/json") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text=json.dumps({"error": "the body must be a JSON object"}), content_type="application/json")
        return body

    async def index(self, request: web.Request) -> web.Response:
        return _json({
            "bmcs": sorted(self.bmcs),
            "routes": [
                f"GET {API}/bmcs",
                f"GET {API}/requests",
                f"POST {API}/reset-counters",
                f"GET {API}/bmcs/<name>/requests",
                f"GET|POST {API}/bmcs/<name>/state",
                f"GET|POST {API}/bmcs/<name>/faults",
                f"DELETE {API}/bmcs/<name>/sessions",
            ],
        })

    async def list_bmcs(self, request: web.Request) -> web.Response:
        return _json(self.endpoints)

    async def requests(self, request: web.Request) -> web.Response:
        return _json({name: bmc.requests for name, bmc in self.bmcs.items()})

    async def reset_counters(self, request: web.Request) -> web.Response:
        for bmc in self.bmcs.values():
            bmc.requests = 0
            bmc.request_paths.clear()
        return _json({"reset": len(self.bmcs)})

    async def bmc_requests(self, request: web.Request) -> web.Response:
        bmc = self._bmc(request)
        return _json({"name": bmc.name, "total": bmc.requests, "by_request": dict(sorted(bmc.request_paths.items()))})

    async def get_state(self, request: web.Request) -> web.Response:
        return _json(self._bmc(request).state())

    async def set_state(self, request: web.Request) -> web.Response:
        bmc = self._bmc(request)
        body = await self._body(request)
        try:
            bmc.set_state(body)
        except RedfishError as error:
            return _error(400, error.body()["error"]["message"])
        except (KeyError, ValueError) as error:
            return _error(400, str(error).strip("'\""))
        return _json(bmc.state())

    async def get_faults(self, request: web.Request) -> web.Response:
        bmc = self._bmc(request)
        return _json({"faults": bmc.faults.settings, "burst_used": bmc.faults.burst_used})

    async def set_faults(self, request: web.Request) -> web.Response:
        bmc = self._bmc(request)
        body = await self._body(request)
        try:
            faults = validate_faults(body.get("faults", body))
        except FactoryError as error:
            return _error(400, str(error))
        bmc.faults.configure(faults)
        return _json({"faults": bmc.faults.settings, "burst_used": bmc.faults.burst_used})

    async def drop_sessions(self, request: web.Request) -> web.Response:
        bmc = self._bmc(request)
        dropped = bmc.drop_all_sessions()
        return _json({"dropped": dropped})
