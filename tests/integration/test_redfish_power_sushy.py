"""redfish_power against sushy-tools' emulator: the four-step idempotence check."""

from four_steps import assert_idempotent, four_steps
from sushy_emulator import connection, sushy_emulator


def test_power_off_then_on_libvirt(tmp_path):
    with sushy_emulator(tmp_path, "libvirt") as (url, system_id):
        options = dict(connection(url, system_id), wait_timeout=30, poll_interval=0.5)
        results = four_steps("aifactory.infra.redfish_power", dict(options, state="off"), tmp_path, "power-off")
        assert_idempotent(results)
        assert results[1]["power_state"] == "Off"
        assert results[1]["reset_types"] == ["ForceOff"]

        results = four_steps("aifactory.infra.redfish_power", dict(options, state="on"), tmp_path, "power-on")
        assert_idempotent(results)
        assert results[1]["power_state"] == "On"
        assert results[0]["diff"] == {"before": {"power_state": "Off"}, "after": {"power_state": "On"}}


def test_power_graceful_off_libvirt(tmp_path):
    with sushy_emulator(tmp_path, "libvirt") as (url, system_id):
        options = dict(connection(url, system_id), wait_timeout=30, poll_interval=0.5)
        results = four_steps("aifactory.infra.redfish_power", dict(options, state="graceful_off"), tmp_path,
                             "graceful-off")
        assert_idempotent(results)
        assert results[1]["reset_types"] == ["GracefulShutdown"]
        assert results[1]["forced"] is False
        assert results[1]["power_state"] == "Off"
