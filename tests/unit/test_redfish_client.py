"""The Redfish client against scripted BMC answers, including real-world faults."""

import pytest

from scripted_bmc import ROOT, ScriptedBmc, collection, ok
from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishAuthError,
    RedfishConnectionError,
    RedfishResponseError,
    RedfishServerError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.introspection import build_hosts
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.client import (
    RedfishClient,
    normalise_base_url,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.snapshot import take_snapshot
from ansible_collections.aifactory.infra.plugins.module_utils.retry import RetryPolicy

SESSION = (201, {"@odata.id": "/redfish/v1/SessionService/Sessions/1"},
           {"X-Auth-Token": "token-1", "Location": "/redfish/v1/SessionService/Sessions/1"})


def fast_policy(sleeps):
    return RetryPolicy(attempts=4, budget=120, sleep=sleeps.append)


def client(bmc, sleeps=None, **kwargs):
    return RedfishClient(bmc.url, "admin", "s3cret-password", retry_policy=fast_policy(
        sleeps if sleeps is not None else []), **kwargs)


def base_routes(extra=None):
    routes = {
        ("GET", "/redfish/v1/"): [ok(ROOT)],
        ("POST", "/redfish/v1/SessionService/Sessions"): [SESSION],
        ("DELETE", "/redfish/v1/SessionService/Sessions/1"): [(204, "", {})],
    }
    routes.update(extra or {})
    return routes


def test_session_login_and_logout():
    with ScriptedBmc(base_routes()) as bmc:
        with client(bmc) as redfish:
            assert redfish.root["Id"] == "RootService"
        post = [r for r in bmc.requests if r[0] == "POST"][0]
        # A session is created without an Authorization header: some BMCs reject it.
        assert "Authorization" not in post[2]
        assert b"s3cret-password" in post[3]
        assert bmc.count("DELETE", "/redfish/v1/SessionService/Sessions/1") == 1


def test_session_rejects_auth_header_falls_back_to_basic():
    # Dell iDRAC firmware answered 415 with ExtendedInfo as a single object.
    refused = (415, {"error": {"code": "Base.1.5.GeneralError",
                               "@Message.ExtendedInfo": {"MessageId": "Base.1.5.GeneralError",
                                                         "Message": "Unsupported media type"}}}, {})
    routes = base_routes({
        ("POST", "/redfish/v1/SessionService/Sessions"): [refused],
        ("GET", "/redfish/v1/Systems"): [ok(collection("/redfish/v1/Systems", []))],
    })
    with ScriptedBmc(routes) as bmc:
        with client(bmc) as redfish:
            redfish.get("/redfish/v1/Systems")
        systems_request = [r for r in bmc.requests if r[1] == "/redfish/v1/Systems"][0]
        assert systems_request[2]["Authorization"].startswith("Basic ")


def test_rejected_credentials_name_bmc_and_uri():
    denied = (401, {"error": {"code": "Base.1.8.GeneralError", "@Message.ExtendedInfo": [
        {"MessageId": "Base.1.8.InsufficientPrivilege", "Message": "Invalid credentials"}]}}, {})
    routes = base_routes({
        ("POST", "/redfish/v1/SessionService/Sessions"): [denied],
        ("GET", "/redfish/v1/Systems"): [denied],
    })
    with ScriptedBmc(routes) as bmc:
        with pytest.raises(RedfishAuthError) as caught:
            with client(bmc) as redfish:
                redfish.get("/redfish/v1/Systems")
    message = str(caught.value)
    assert bmc.url in message
    assert "/redfish/v1/Systems" in message
    assert "Base.1.8.InsufficientPrivilege" in message
    assert "s3cret-password" not in message


def test_service_temporarily_unavailable_is_retried():
    # iDRAC answers 503 with SYS518 and the seconds to wait in the Base message's args.
    busy = (503, {"error": {"code": "Base.1.12.GeneralError", "@Message.ExtendedInfo": [
        {"MessageId": "IDRAC.2.8.SYS518", "Message": "iDRAC is not ready", "Severity": "Warning"},
        {"MessageId": "Base.1.12.ServiceTemporarilyUnavailable", "MessageArgs": ["30"],
         "Message": "Retry in 30 seconds", "Severity": "Critical"}]}}, {})
    system = {"@odata.id": "/redfish/v1/Systems/1", "Id": "1"}
    routes = base_routes({("GET", "/redfish/v1/Systems/1"): [busy, busy, ok(system)]})
    sleeps = []
    with ScriptedBmc(routes) as bmc:
        with client(bmc, sleeps) as redfish:
            assert redfish.get("/redfish/v1/Systems/1")["Id"] == "1"
    assert sleeps == [30.0, 30.0]


def test_retry_after_header_is_honoured():
    busy = (503, {"error": {"code": "Base.1.0.GeneralError", "message": "busy"}}, {"Retry-After": "7"})
    routes = base_routes({("GET", "/redfish/v1/Systems"): [busy, ok(collection("/redfish/v1/Systems", []))]})
    sleeps = []
    with ScriptedBmc(routes) as bmc:
        with client(bmc, sleeps) as redfish:
            redfish.get("/redfish/v1/Systems")
    assert sleeps == [7.0]


def test_retry_budget_gives_final_error_with_message_id():
    busy = (503, {"error": {"code": "Base.1.12.GeneralError", "@Message.ExtendedInfo": [
        {"MessageId": "Base.1.12.ServiceTemporarilyUnavailable", "MessageArgs": ["30"],
         "Message": "Retry in 30 seconds"}]}}, {})
    routes = base_routes({("GET", "/redfish/v1/Systems"): [busy]})
    sleeps = []
    with ScriptedBmc(routes) as bmc:
        with client(bmc, sleeps) as redfish:
            with pytest.raises(RedfishServerError) as caught:
                redfish.get("/redfish/v1/Systems")
    assert len(sleeps) == 3
    assert "Base.1.12.ServiceTemporarilyUnavailable" in str(caught.value)
    assert "/redfish/v1/Systems" in str(caught.value)


def test_malformed_json_is_typed_error():
    routes = base_routes({("GET", "/redfish/v1/Systems"): [(200, "{not json", {})]})
    with ScriptedBmc(routes) as bmc:
        with client(bmc) as redfish:
            with pytest.raises(RedfishResponseError) as caught:
                redfish.get("/redfish/v1/Systems")
    assert "not valid JSON" in str(caught.value)


def test_refused_connection_is_connection_error():
    with ScriptedBmc({}) as bmc:
        url = bmc.url
    redfish = RedfishClient(url, "admin", "pw", retry_policy=RetryPolicy(attempts=2, sleep=lambda s: None))
    with pytest.raises(RedfishConnectionError) as caught:
        redfish.open()
    assert "Connection refused" in str(caught.value)


def test_url_with_credentials_is_rejected_without_echo():
    with pytest.raises(InvalidInputError) as caught:
        normalise_base_url("https://admin:hunter2@10.0.0.1")
    assert "hunter2" not in str(caught.value)


def test_expand_rejected_falls_back_and_is_remembered():
    root = dict(ROOT, ProtocolFeaturesSupported={"ExpandQuery": {"Levels": True, "NoLinks": True, "MaxLevels": 1}})
    rejected = (400, {"error": {"code": "Base.1.5.GeneralError", "@Message.ExtendedInfo": [
        {"MessageId": "Base.1.5.QueryNotSupportedOnResource"}]}}, {})
    system = {"@odata.id": "/redfish/v1/Systems/1", "@odata.type": "#ComputerSystem.v1_10_0.ComputerSystem",
              "Id": "1", "Processors": {"@odata.id": "/redfish/v1/Systems/1/Processors"},
              "Actions": {"#ComputerSystem.Reset": {"target": "x"}}}
    routes = base_routes({
        ("GET", "/redfish/v1/"): [ok(root)],
        ("GET", "/redfish/v1/Systems?$expand=.($levels=1)"): [rejected],
        ("GET", "/redfish/v1/Systems"): [ok(collection("/redfish/v1/Systems", ["/redfish/v1/Systems/1"]))],
        ("GET", "/redfish/v1/Systems/1"): [ok(system)],
        ("GET", "/redfish/v1/Systems/1/Processors?$expand=.($levels=1)"): [rejected],
        ("GET", "/redfish/v1/Systems/1/Processors"): [ok(collection("/redfish/v1/Systems/1/Processors", []))],
    })
    with ScriptedBmc(routes) as bmc:
        with client(bmc) as redfish:
            snapshot = take_snapshot(redfish)
        assert bmc.count("GET", "/redfish/v1/Systems?$expand") == 1
        # After the first rejection no later collection is asked with $expand.
        assert bmc.count("GET", "/redfish/v1/Systems/1/Processors?$expand") == 0
    assert [h["system_id"] for h in build_hosts(snapshot.resources)] == ["1"]


def test_null_members_is_empty_collection():
    system = {"@odata.id": "/redfish/v1/Systems/1", "@odata.type": "#ComputerSystem.v1_10_0.ComputerSystem",
              "Id": "1", "Processors": {"@odata.id": "/redfish/v1/Systems/1/Processors"},
              "Actions": {"#ComputerSystem.Reset": {"target": "x"}}}
    routes = base_routes({
        ("GET", "/redfish/v1/Systems"): [ok(collection("/redfish/v1/Systems", ["/redfish/v1/Systems/1"]))],
        ("GET", "/redfish/v1/Chassis"): [ok({"@odata.id": "/redfish/v1/Chassis", "Members": None})],
        ("GET", "/redfish/v1/Systems/1"): [ok(system)],
        ("GET", "/redfish/v1/Systems/1/Processors"): [ok({
            "@odata.id": "/redfish/v1/Systems/1/Processors", "Members": None, "Members@odata.count": 0})],
    })
    with ScriptedBmc(routes) as bmc:
        with client(bmc) as redfish:
            snapshot = take_snapshot(redfish)
    hosts = build_hosts(snapshot.resources)
    assert hosts[0]["gpus"] == []
    assert snapshot.warnings == []
