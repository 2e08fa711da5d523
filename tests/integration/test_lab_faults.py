"""Injected faults of lab BMCs: hangs, error statuses, 503 bursts, broken bodies, latency."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from lab import runner
from lab.testing import Client, message_ids

FACTORY = {
    "control_port": 0,
    "defaults": {"base_port": 0},
    "bmcs": [
        {"name": "healthy", "profile": "cpu-mgmt", "flavour": "dell"},
        {"name": "hang", "profile": "cpu-mgmt", "faults": {"timeout": True}},
        {"name": "broken", "profile": "cpu-mgmt", "faults": {"error_status": 500}},
        {"name": "busy", "profile": "cpu-mgmt", "faults": {"error_burst": {"count": 2, "retry_after": 7, "message_seconds": 9}}},
        {"name": "bursty", "profile": "cpu-mgmt", "faults": {"error_burst": {"count": 1, "status": 502}}},
        {"name": "garbled", "profile": "cpu-mgmt", "faults": {"malformed_json": True}},
        {"name": "locked", "profile": "cpu-mgmt", "faults": {"reject_credentials": True}},
        {"name": "slow", "profile": "cpu-mgmt", "latency_ms": 300},
    ],
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with runner.running(FACTORY, tmp_path_factory.mktemp("lab-faults")) as running_lab:
        yield running_lab


def test_timeout_hangs_only_that_bmc(lab):
    hang = Client(lab, "hang")
    healthy = Client(lab, "healthy")
    outcome = {}

    def hanging_request():
        started = time.monotonic()
        try:
            hang.get("/redfish/v1/Systems", timeout=2)
            outcome["result"] = "answered"
        except requests.exceptions.ReadTimeout:
            outcome["result"] = "timed out"
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=hanging_request)
    thread.start()
    # While the hung request waits, the other BMCs keep responding.
    time.sleep(0.3)
    for unused_attempt in range(5):
        assert healthy.get("/redfish/v1/Systems", timeout=2).status_code == 200
    thread.join()
    assert outcome["result"] == "timed out"
    assert outcome["seconds"] >= 2


def test_error_status_everywhere(lab):
    broken = Client(lab, "broken")
    for path in ("/redfish/v1", "/redfish/v1/Systems", "/redfish/v1/SessionService/Sessions"):
        response = broken.get(path)
        assert response.status_code == 500, path
        assert message_ids(response) == ["Base.1.18.1.InternalError"]


def test_error_burst_then_success(lab):
    busy = Client(lab, "busy")
    for unused_attempt in range(2):
        response = busy.get("/redfish/v1/Systems")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "7"
        info = response.json()["error"]["@Message.ExtendedInfo"][0]
        assert info["MessageId"] == "Base.1.18.1.ServiceTemporarilyUnavailable"
        assert info["MessageArgs"] == ["9"]
    assert busy.get("/redfish/v1/Systems").status_code == 200
    assert busy.get("/redfish/v1/Systems").status_code == 200
    assert lab.control("GET", "/lab/v1/bmcs/busy/faults")["burst_used"] == 2


def test_error_burst_other_status(lab):
    bursty = Client(lab, "bursty")
    first = bursty.get("/redfish/v1")
    assert first.status_code == 502
    assert "Retry-After" not in first.headers
    assert bursty.get("/redfish/v1").status_code == 200


def test_control_rearms_burst(lab):
    healthy = Client(lab, "healthy")
    faults = lab.control("POST", "/lab/v1/bmcs/healthy/faults", {"faults": {"error_burst": {"count": 1, "retry_after": 1}}})
    assert faults["faults"]["error_burst"]["status"] == 503
    assert healthy.get("/redfish/v1").status_code == 503
    assert healthy.get("/redfish/v1").status_code == 200
    lab.control("POST", "/lab/v1/bmcs/healthy/faults", {"faults": {}})
    assert healthy.get("/redfish/v1").status_code == 200


def test_malformed_json_body(lab):
    garbled = Client(lab, "garbled")
    response = garbled.get("/redfish/v1/Systems")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_reject_credentials(lab):
    locked = Client(lab, "locked")
    assert locked.get("/redfish/v1").status_code == 200
    assert locked.get("/redfish/v1/Systems").status_code == 401
    user, password = lab.credentials("locked")
    login = locked.post("/redfish/v1/SessionService/Sessions", {"UserName": user, "Password": password}, auth=None)
    assert login.status_code == 401
    assert "X-Auth-Token" not in login.headers


def test_latency_added(lab):
    slow = Client(lab, "slow")
    started = time.monotonic()
    assert slow.get("/redfish/v1").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_failed_requests_counted(lab):
    lab.control("POST", "/lab/v1/reset-counters")
    Client(lab, "broken").get("/redfish/v1")
    Client(lab, "broken").get("/redfish/v1/Systems")
    assert lab.control("GET", "/lab/v1/requests")["broken"] == 2
