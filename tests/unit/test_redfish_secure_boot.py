"""redfish_secure_boot on scripted BMCs."""

import pytest

from lifecycle_bmc import SYSTEM_URI, Resource, body_of, client, routes, sent, systems
from scripted_bmc import ScriptedBmc
from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.secure_boot import (
    pending_reset,
    set_secure_boot,
)

SECURE_BOOT_URI = SYSTEM_URI + "/SecureBoot"
RESET_KEYS_URI = SECURE_BOOT_URI + "/Actions/SecureBoot.ResetKeys"


def params(**extra):
    values = {"system_id": None, "enabled": None, "reset_keys": None}
    values.update(extra)
    return values


def secure_boot(enable=False, current_boot="Disabled", allowed=None, **extra):
    action = {"target": RESET_KEYS_URI}
    if allowed is not None:
        action["ResetKeysType@Redfish.AllowableValues"] = allowed
    payload = {"Id": "SecureBoot", "SecureBootEnable": enable, "SecureBootCurrentBoot": current_boot,
               "SecureBootMode": "UserMode", "Actions": {"#SecureBoot.ResetKeys": action}}
    payload.update(extra)
    return Resource(SECURE_BOOT_URI, payload, etag='"5"', require_etag=True)


def run(resource, parameters, check_mode=False):
    system = Resource(SYSTEM_URI, {"Id": "1", "SecureBoot": {"@odata.id": SECURE_BOOT_URI},
                                   "Actions": {"#ComputerSystem.Reset": {"target": "x"}}})
    extra = systems()
    extra[("POST", RESET_KEYS_URI)] = [(204, "", {})]
    with ScriptedBmc(routes(system, resource, extra=extra)) as bmc:
        with client(bmc) as redfish:
            outcome = set_secure_boot(redfish, parameters, check_mode)
    return bmc, outcome


def test_secure_boot_enable_reports_pending_reset():
    resource = secure_boot()
    _bmc, outcome = run(resource, params(enabled=True))
    assert resource.patches == [{"SecureBootEnable": True}]
    assert outcome.changed
    assert outcome.result["pending_reset"] is True
    assert outcome.before == {"enabled": False}
    assert outcome.after == {"enabled": True}

    # Second run: already enabled, still waiting for the reset.
    bmc, outcome = run(resource, params(enabled=True))
    assert not outcome.changed
    assert outcome.result["pending_reset"] is True
    assert sent(bmc, "PATCH") == []


def test_secure_boot_no_pending_when_current_matches():
    _bmc, outcome = run(secure_boot(enable=True, current_boot="Enabled"), params(enabled=True))
    assert not outcome.changed
    assert outcome.result["pending_reset"] is False


def test_secure_boot_check_mode():
    bmc, outcome = run(secure_boot(enable=True, current_boot="Enabled"), params(enabled=False), check_mode=True)
    assert outcome.changed
    assert sent(bmc, "PATCH") == []


def test_secure_boot_reset_keys():
    bmc, outcome = run(secure_boot(allowed=["ResetAllKeysToDefault", "DeleteAllKeys"]), params(reset_keys="default"))
    posts = sent(bmc, "POST", RESET_KEYS_URI)
    assert [body_of(r) for r in posts] == [{"ResetKeysType": "ResetAllKeysToDefault"}]
    assert outcome.changed
    assert outcome.result["pending_reset"] is True


def test_secure_boot_reset_keys_not_allowed():
    with pytest.raises(InvalidInputError) as caught:
        run(secure_boot(allowed=["ResetAllKeysToDefault"]), params(reset_keys="delete_pk"))
    assert "DeletePK" in str(caught.value)
    assert "ResetAllKeysToDefault" in str(caught.value)


def test_secure_boot_settings_object():
    settings_uri = SECURE_BOOT_URI + "/Settings"
    resource = secure_boot(**{"@Redfish.Settings": {"SettingsObject": {"@odata.id": settings_uri}}})
    settings = Resource(settings_uri, {"SecureBootEnable": False})
    system = Resource(SYSTEM_URI, {"Id": "1", "SecureBoot": {"@odata.id": SECURE_BOOT_URI},
                                   "Actions": {"#ComputerSystem.Reset": {"target": "x"}}})
    with ScriptedBmc(routes(system, resource, settings, extra=systems())) as bmc:
        with client(bmc) as redfish:
            outcome = set_secure_boot(redfish, params(enabled=True), False)
    assert settings.patches == [{"SecureBootEnable": True}]
    assert resource.patches == []
    assert outcome.changed


def test_pending_reset_rules():
    assert pending_reset(True, "Disabled")
    assert not pending_reset(True, "Enabled")
    assert not pending_reset(False, None)
