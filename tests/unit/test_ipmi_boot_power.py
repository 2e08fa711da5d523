"""Boot override and power logic against a simulated BMC, including the quirks real BMCs have."""

import pytest

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError, WaitTimeoutError
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_boot import (
    apply_boot_override,
    current_boot_override,
    desired_boot_override,
    read_boot_flags,
    reassert_boot_override,
)
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_errors import (
    IpmiCommandError,
    IpmiVerifyError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_power import plan_power_action, set_power


class SimulatedBmc:
    """Responds to the chassis commands the collection sends, like a BMC would.

    ``reports_valid_bit=False`` behaves like ipmi_sim (the valid, persistent and UEFI bits
    are never read back); ``stores_boot_flags=False`` accepts the boot flags and forgets
    them; ``rejects_keep_valid_bit`` refuses parameter 3.
    """

    bmc = "10.0.0.5:623"

    def __init__(self, power="On", reports_valid_bit=True, stores_boot_flags=True, rejects_keep_valid_bit=False,
                 powers_off=True):
        self.power = power
        self.flags = bytearray([0x00, 0x00])
        self.reports_valid_bit = reports_valid_bit
        self.stores_boot_flags = stores_boot_flags
        self.rejects_keep_valid_bit = rejects_keep_valid_bit
        self.powers_off = powers_off
        self.sent = []

    def command(self, netfn, command, data=(), operation=None):
        data = bytes(data)
        self.sent.append((netfn, command, data))
        if (netfn, command) == (0x00, 0x01):
            return bytearray([1 if self.power == "On" else 0, 0, 0])
        if (netfn, command) == (0x00, 0x02):
            if data[0] == 0x01:
                self.power = "On"
            elif data[0] in (0x00, 0x05) and self.powers_off:
                self.power = "Off"
            return bytearray()
        if (netfn, command) == (0x00, 0x08):
            if data[0] == 0x03 and self.rejects_keep_valid_bit:
                raise IpmiCommandError(self.bmc, operation, "parameter not supported", code=0x80)
            if data[0] == 0x05 and self.stores_boot_flags:
                self.flags = bytearray(data[1:3])
            return bytearray()
        if (netfn, command) == (0x00, 0x09):
            first = self.flags[0] if self.reports_valid_bit else 0x00
            return bytearray([0x01, 0x05, first, self.flags[1], 0, 0, 0])
        raise AssertionError("unexpected command %r" % ((netfn, command, data),))

    def power_state(self):
        return "On" if self.command(0x00, 0x01)[0] & 1 else "Off"

    def chassis_controls(self):
        return [data[0] for netfn, command, data in self.sent if (netfn, command) == (0x00, 0x02)]


NETWORK_UEFI = {"device": "network", "persistent": False, "uefi": True}


# Boot override


def test_boot_flags_decoding():
    bmc = SimulatedBmc()
    bmc.flags = bytearray([0xE0, 0x14])

    flags = read_boot_flags(bmc)

    assert flags == {"valid": True, "persistent": True, "uefi": True, "device": "cdrom", "selector": 5}


def test_desired_default_ignores_flags():
    assert desired_boot_override("default", persistent=True, uefi=True) == {
        "device": "default", "persistent": False, "uefi": False}
    with pytest.raises(InvalidInputError, match="Invalid boot device 'usb'"):
        desired_boot_override("usb")


def test_clear_valid_bit_means_no_override():
    flags = {"valid": False, "persistent": False, "uefi": True, "device": "network", "selector": 1}

    assert current_boot_override(flags)["device"] == "default"
    assert current_boot_override(flags, ignore_valid_bit=True)["device"] == "network"


def test_apply_four_steps():
    bmc = SimulatedBmc()
    desired = desired_boot_override("network", uefi=True)

    check = apply_boot_override(bmc, desired, check_mode=True)
    sent_in_check = [command for command in bmc.sent if command[1] == 0x08]
    applied = apply_boot_override(bmc, desired)
    check_again = apply_boot_override(bmc, desired, check_mode=True)
    applied_again = apply_boot_override(bmc, desired)

    assert check["changed"] is True
    assert check["after"] == NETWORK_UEFI
    assert sent_in_check == []
    assert applied["changed"] is True
    assert applied["after"] == NETWORK_UEFI
    assert bmc.flags == bytearray([0xA0, 0x04])
    assert check_again["changed"] is False
    assert applied_again["changed"] is False


def test_apply_sends_keep_valid_bit_first():
    bmc = SimulatedBmc()

    apply_boot_override(bmc, desired_boot_override("disk", persistent=True))

    writes = [data for netfn, command, data in bmc.sent if command == 0x08]
    assert writes == [bytes([0x03, 0x08]), bytes([0x05, 0xC0, 0x08, 0, 0, 0])]


def test_apply_tolerates_rejected_keep_valid_bit():
    bmc = SimulatedBmc(rejects_keep_valid_bit=True)

    result = apply_boot_override(bmc, desired_boot_override("cdrom"))

    assert result["after"]["device"] == "cdrom"


def test_apply_verifies_read_back():
    bmc = SimulatedBmc(stores_boot_flags=False)

    with pytest.raises(IpmiVerifyError) as error:
        apply_boot_override(bmc, desired_boot_override("network"))

    assert "the BMC accepted boot device network" in str(error.value)
    assert "but reports default" in str(error.value)
    assert "valid bit: clear" in str(error.value)


def test_bmc_without_valid_bit_needs_ignore_option():
    bmc = SimulatedBmc(reports_valid_bit=False)
    desired = desired_boot_override("network")

    with pytest.raises(IpmiVerifyError):
        apply_boot_override(bmc, desired)
    applied = apply_boot_override(bmc, desired, ignore_valid_bit=True)

    assert applied["changed"] is False  # the first attempt stored the device
    assert apply_boot_override(bmc, desired, ignore_valid_bit=True)["changed"] is False


def test_clearing_override():
    bmc = SimulatedBmc()
    apply_boot_override(bmc, desired_boot_override("network"))

    cleared = apply_boot_override(bmc, desired_boot_override("default"))

    assert cleared["changed"] is True
    assert bmc.flags[0] & 0x80 == 0
    assert apply_boot_override(bmc, desired_boot_override("default"))["changed"] is False


def test_reassert_writes_even_when_set():
    bmc = SimulatedBmc()
    desired = desired_boot_override("network")
    apply_boot_override(bmc, desired)
    writes_before = len([command for command in bmc.sent if command[1] == 0x08])

    assert reassert_boot_override(bmc, desired) == {"device": "network", "persistent": False, "uefi": False}
    assert len([command for command in bmc.sent if command[1] == 0x08]) == writes_before + 2


# Power


@pytest.mark.parametrize("state, current, action", [
    ("on", "Off", "on"), ("on", "On", None),
    ("off", "On", "off"), ("off", "Off", None),
    ("soft_off", "On", "soft_off"), ("soft_off", "Off", None),
    ("reset", "On", "reset"), ("reset", "Off", "on"),
    ("cycle", "On", "cycle"), ("cycle", "Off", "on"),
])
def test_plan_power_action(state, current, action):
    assert plan_power_action(state, current) == action


def test_plan_power_rejects_unknown_state():
    with pytest.raises(InvalidInputError, match="Invalid power state 'boot'"):
        plan_power_action("boot", "On")


def test_power_four_steps():
    bmc = SimulatedBmc(power="On")

    check = set_power(bmc, "off", check_mode=True, interval=0)
    applied = set_power(bmc, "off", interval=0)
    check_again = set_power(bmc, "off", check_mode=True, interval=0)
    applied_again = set_power(bmc, "off", interval=0)

    assert (check["changed"], applied["changed"], check_again["changed"], applied_again["changed"]) == (
        True, True, False, False)
    assert check["diff"] == {"before": {"power_state": "On"}, "after": {"power_state": "Off"}}
    assert applied["power_state"] == "Off"
    assert bmc.chassis_controls() == [0x00]


def test_power_reset_reasserts_boot_before_reset():
    bmc = SimulatedBmc(power="On")
    boot = desired_boot_override("network", uefi=True)

    result = set_power(bmc, "reset", boot=boot, interval=0)

    order = [(command, data[0]) for netfn, command, data in bmc.sent if command in (0x02, 0x08)]
    assert order == [(0x08, 0x03), (0x08, 0x05), (0x02, 0x03)]
    assert result["boot_override"] == NETWORK_UEFI
    assert result["action"] == "reset"


def test_power_reset_stops_when_boot_not_kept():
    bmc = SimulatedBmc(power="On", stores_boot_flags=False)

    with pytest.raises(IpmiVerifyError):
        set_power(bmc, "reset", boot=desired_boot_override("network"), interval=0)

    assert bmc.chassis_controls() == []


def test_power_boot_unused_when_nothing_boots():
    bmc = SimulatedBmc(power="On")

    result = set_power(bmc, "on", boot=desired_boot_override("network"), interval=0)

    assert result["changed"] is False
    assert [command for command in bmc.sent if command[1] == 0x08] == []


def test_power_wait_times_out():
    bmc = SimulatedBmc(power="On", powers_off=False)

    with pytest.raises(WaitTimeoutError) as error:
        set_power(bmc, "soft_off", wait_timeout=0.2, interval=0.05)

    assert "waiting for power state Off on BMC 10.0.0.5:623" in str(error.value)
    assert bmc.chassis_controls() == [0x05]
