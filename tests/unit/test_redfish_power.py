"""redfish_power: the plan from ResetTypes, and its execution on a scripted BMC."""

import pytest

from lifecycle_bmc import SYSTEM_URI, FakeClock, Resource, body_of, client, error, routes, sent, systems
from scripted_bmc import ScriptedBmc, ok
from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    RedfishBadRequestError,
    WaitTimeoutError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.power import (
    NotAllowedError,
    PowerOptions,
    plan_power,
    set_power,
)

RESET_URI = SYSTEM_URI + "/Actions/ComputerSystem.Reset"
ALL = ["On", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "PowerCycle", "Nmi"]
# A Dell iDRAC 9 (firmware 3.34) offered no GracefulRestart.
NO_GRACEFUL_RESTART = ["On", "ForceOff", "ForceRestart", "GracefulShutdown", "PushPowerButton", "Nmi"]


def params(state, **extra):
    values = {"state": state, "system_id": None, "wait": True, "wait_timeout": 60, "poll_interval": 1.0,
              "force_fallback": False}
    values.update(extra)
    return values


def options(fake, **extra):
    values = {"wait": True, "timeout": 60, "interval": 1.0, "sleep": fake.sleep, "clock": fake.clock}
    values.update(extra)
    return PowerOptions(**values)


class PoweredSystem(Resource):
    """A system whose Reset action changes PowerState (after ``lag`` polls)."""

    def __init__(self, power_state, allowed, action_extra=None, conflicts=0, lag=0):
        action = {"target": RESET_URI}
        if allowed is not None:
            action["ResetType@Redfish.AllowableValues"] = allowed
        action.update(action_extra or {})
        super().__init__(SYSTEM_URI, {"Id": "1", "PowerState": power_state,
                                      "Actions": {"#ComputerSystem.Reset": action}})
        self.conflicts = conflicts
        self.lag = lag
        self.pending = None
        self.resets = []

    def routes(self):
        table = super().routes()
        table[("POST", RESET_URI)] = [self.reset]
        return table

    def get(self, method, path, headers, body):
        if self.pending and self.lag <= 0:
            self.payload["PowerState"], self.pending = self.pending, None
        self.lag -= 1
        return super().get(method, path, headers, body)

    def reset(self, method, path, headers, body):
        reset_type = body_of((method, path, headers, body))["ResetType"]
        if reset_type == "On" and self.conflicts > 0:
            self.conflicts -= 1
            return error(409, "Base.1.12.ResourceInUse", "a power operation is in progress")
        self.resets.append(reset_type)
        self.pending = {"On": "On", "PushPowerButton": "On", "ForceOff": "Off",
                        "GracefulShutdown": "Off"}.get(reset_type, "On")
        return (204, "", {})


# The plan

def test_plan_on_when_on_is_empty():
    assert plan_power("on", "On", ALL).steps == []


def test_plan_off_uses_force_off():
    assert plan_power("off", "On", ALL).reset_types == ["ForceOff"]


def test_plan_graceful_restart_composed_without_graceful_restart():
    plan = plan_power("graceful_restart", "On", NO_GRACEFUL_RESTART)
    assert plan.steps == [("reset", "GracefulShutdown"), ("wait", "Off"), ("reset", "On")]
    assert plan.composed
    assert not plan.forced


def test_plan_graceful_off_not_allowed_lists_values():
    with pytest.raises(NotAllowedError) as caught:
        plan_power("graceful_off", "On", ["On", "ForceOff"])
    assert "GracefulShutdown" in str(caught.value)
    assert "On, ForceOff" in str(caught.value)
    assert "force_fallback" in str(caught.value)


def test_plan_graceful_off_forced_only_when_asked():
    plan = plan_power("graceful_off", "On", ["On", "ForceOff"], force_fallback=True)
    assert plan.reset_types == ["ForceOff"]
    assert plan.forced


def test_plan_graceful_restart_forced_fallback():
    plan = plan_power("graceful_restart", "On", ["ForceRestart", "ForceOff"], force_fallback=True)
    assert plan.reset_types == ["ForceRestart"]
    assert plan.forced


def test_plan_restart_of_off_system_powers_on():
    assert plan_power("restart", "Off", ALL).reset_types == ["On"]


def test_plan_power_cycle_composed_from_force_off():
    assert plan_power("power_cycle", "On", ["On", "ForceOff"]).reset_types == ["ForceOff", "On"]


def test_plan_on_with_push_button_only():
    assert plan_power("on", "Off", ["PushPowerButton"]).reset_types == ["PushPowerButton"]


def test_plan_unknown_allowed_uses_standard_types():
    assert plan_power("graceful_restart", "On", None).reset_types == ["GracefulRestart"]


# Runs against the scripted BMC

def test_reset_type_not_allowed_is_composed_not_forced():
    fake = FakeClock()
    system = PoweredSystem("On", NO_GRACEFUL_RESTART)
    with ScriptedBmc(routes(system, extra=systems())) as bmc:
        with client(bmc) as redfish:
            outcome = set_power(redfish, params("graceful_restart"), False, options(fake))
    assert system.resets == ["GracefulShutdown", "On"]
    assert "ForceRestart" not in [body_of(r)["ResetType"] for r in sent(bmc, "POST", RESET_URI)]
    assert outcome.changed
    assert outcome.result["composed"] is True
    assert outcome.result["forced"] is False
    assert outcome.result["power_state"] == "On"


def test_allowed_values_from_action_info():
    info_uri = SYSTEM_URI + "/ResetActionInfo"
    info = {"@odata.id": info_uri, "Parameters": [
        {"Name": "ResetType", "AllowableValues": ["On", "ForceOff"]}]}
    system = PoweredSystem("On", None, action_extra={"@Redfish.ActionInfo": info_uri})
    extra = systems()
    extra[("GET", info_uri)] = [ok(info)]
    with ScriptedBmc(routes(system, extra=extra)) as bmc:
        with client(bmc) as redfish:
            with pytest.raises(NotAllowedError) as caught:
                set_power(redfish, params("graceful_off"), False, options(FakeClock()))
    assert "it allows On, ForceOff" in str(caught.value)
    assert SYSTEM_URI in str(caught.value)
    assert sent(bmc, "POST", RESET_URI) == []


def test_check_mode_sends_no_reset():
    system = PoweredSystem("Off", ALL)
    with ScriptedBmc(routes(system, extra=systems())) as bmc:
        with client(bmc) as redfish:
            outcome = set_power(redfish, params("on"), True, options(FakeClock()))
    assert outcome.changed
    assert outcome.before == {"power_state": "Off"}
    assert outcome.after == {"power_state": "On"}
    assert sent(bmc, "POST", RESET_URI) == []


def test_on_when_on_is_unchanged():
    system = PoweredSystem("On", ALL)
    with ScriptedBmc(routes(system, extra=systems())) as bmc:
        with client(bmc) as redfish:
            outcome = set_power(redfish, params("on"), False, options(FakeClock()))
    assert not outcome.changed
    assert sent(bmc, "POST", RESET_URI) == []


def test_power_on_conflict_is_retried():
    fake = FakeClock()
    system = PoweredSystem("On", ALL, conflicts=2)
    with ScriptedBmc(routes(system, extra=systems())) as bmc:
        with client(bmc) as redfish:
            outcome = set_power(redfish, params("power_cycle", force_fallback=False), False,
                                options(fake))
    assert system.resets == ["PowerCycle"]
    assert outcome.changed

    fake = FakeClock()
    system = PoweredSystem("Off", ALL, conflicts=2)
    with ScriptedBmc(routes(system, extra=systems())) as bmc:
        with client(bmc) as redfish:
            outcome = set_power(redfish, params("on"), False, options(fake))
    assert system.resets == ["On"]
    assert len(sent(bmc, "POST", RESET_URI)) == 3
    assert outcome.result["power_state"] == "On"


def test_power_on_conflict_retry_is_bounded():
    system = PoweredSystem("Off", ALL, conflicts=100)
    with ScriptedBmc(routes(system, extra=systems())) as bmc:
        with client(bmc) as redfish:
            with pytest.raises(RedfishBadRequestError) as caught:
                set_power(redfish, params("on"), False, options(FakeClock(), conflict_attempts=3))
    assert len(sent(bmc, "POST", RESET_URI)) == 3
    assert "Base.1.12.ResourceInUse" in str(caught.value)
    assert RESET_URI in str(caught.value)


def test_wait_timeout_names_state():
    system = PoweredSystem("On", ALL, lag=1000)
    with ScriptedBmc(routes(system, extra=systems())) as bmc:
        with client(bmc) as redfish:
            with pytest.raises(WaitTimeoutError) as caught:
                set_power(redfish, params("off"), False, options(FakeClock(), timeout=5))
    assert "PowerState Off" in str(caught.value)
    assert SYSTEM_URI in str(caught.value)


def test_forced_fallback_is_reported():
    system = PoweredSystem("On", ["On", "ForceOff"])
    with ScriptedBmc(routes(system, extra=systems())) as bmc:
        with client(bmc) as redfish:
            outcome = set_power(redfish, params("graceful_off", force_fallback=True), False,
                                options(FakeClock(), force_fallback=True))
    assert system.resets == ["ForceOff"]
    assert outcome.result["forced"] is True
    assert any("forced reset (ForceOff)" in warning for warning in outcome.warnings)
