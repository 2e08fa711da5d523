"""redfish_secure_boot against sushy-tools' emulator (fake driver): the four-step check."""

from four_steps import assert_idempotent, four_steps
from sushy_emulator import connection, sushy_emulator


def test_secure_boot_enable_fake_driver(tmp_path):
    # The libvirt test driver cannot enable secure boot (its domain has no UEFI loader).
    with sushy_emulator(tmp_path, "fake") as (url, system_id):
        results = four_steps("aifactory.infra.redfish_secure_boot", dict(connection(url, system_id), enabled=True),
                             tmp_path, "secure-boot")
    assert_idempotent(results)
    assert results[0]["diff"] == {"before": {"enabled": False}, "after": {"enabled": True}}
    assert results[3]["enabled"] is True
    # sushy-tools reports SecureBootCurrentBoot from the setting at once: no reset is pending.
    assert results[3]["current_boot"] == "Enabled"
    assert results[3]["pending_reset"] is False
