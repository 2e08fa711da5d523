"""redfish_bios against sushy-tools' emulator (libvirt test driver): the four-step check."""

from four_steps import assert_idempotent, four_steps
from sushy_emulator import connection, sushy_emulator


def test_bios_attributes_libvirt(tmp_path):
    with sushy_emulator(tmp_path, "libvirt") as (url, system_id):
        arguments = dict(connection(url, system_id), attributes={"ProcTurboMode": "Disabled", "NumCores": 10})
        results = four_steps("aifactory.infra.redfish_bios", arguments, tmp_path, "bios")
    assert_idempotent(results)
    assert results[1]["attributes"] == {"ProcTurboMode": "Disabled"}
    assert results[0]["diff"] == {"before": {"ProcTurboMode": "Enabled", "NumCores": "10"},
                                  "after": {"ProcTurboMode": "Disabled", "NumCores": "10"}}
    assert results[1]["settings_uri"].endswith("/BIOS/Settings")
