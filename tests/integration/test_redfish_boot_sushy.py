"""redfish_boot against sushy-tools' emulator: the four-step idempotence check."""

from four_steps import assert_idempotent, four_steps
from sushy_emulator import connection, sushy_emulator


def test_boot_override_libvirt(tmp_path):
    # sushy-tools reports every override as Continuous, so the test requests a continuous one.
    with sushy_emulator(tmp_path, "libvirt") as (url, system_id):
        arguments = dict(connection(url, system_id), override_target="pxe", override_enabled="continuous")
        results = four_steps("aifactory.infra.redfish_boot", arguments, tmp_path, "boot-pxe")
    assert_idempotent(results)
    assert results[1]["boot"] == {"BootSourceOverrideEnabled": "Continuous", "BootSourceOverrideTarget": "Pxe"}
    assert results[0]["diff"]["before"]["BootSourceOverrideTarget"] == "Hdd"
    assert results[1]["reboot_required"] is False


def test_boot_override_and_mode_fake_driver(tmp_path):
    with sushy_emulator(tmp_path, "fake") as (url, system_id):
        arguments = dict(connection(url, system_id), override_target="cd", override_enabled="continuous",
                         boot_mode="legacy")
        results = four_steps("aifactory.infra.redfish_boot", arguments, tmp_path, "boot-cd-legacy")
    assert_idempotent(results)
    assert results[1]["boot"]["BootSourceOverrideTarget"] == "Cd"
    assert results[1]["boot"]["BootSourceOverrideMode"] == "Legacy"
