"""Running OpenIPMI's ipmi_sim on 127.0.0.1, an IPMI BMC this project did not write.

ipmi_sim (Debian package ``openipmi``) serves IPMI over LAN like a real BMC but keeps no
power or boot state of its own: it runs a "chassis control" program for them.  The runner
writes a small shell script that keeps both in files of a working directory, a lan.conf
with one administrator account, and an emulator command file that adds the BMC, a system
FRU (encoded by lab.ipmi.fru) and a few sensors.

    with IpmiSim(tmp_path, port) as sim:
        ...                         # talk to 127.0.0.1:port
        sim.power_state()           # "On" or "Off", as the chassis control program keeps it

What ipmi_sim 2.0.33 offers, as seen from a client: cipher suites 0 to 11 but not 17, and
boot flags read back without the valid, persistent and UEFI bits (it returns the device
selector only).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from lab.ipmi import fru as fru_encoding
from lab.ipmi import sdr

# Get Channel Authentication Capabilities (channel "this one", administrator) without a
# session, in IPMI 1.5 framing: any IPMI BMC responds to it, so it serves as a readiness probe.
AUTH_CAPABILITIES_REQUEST = bytes.fromhex("0600ff07" "00" "00000000" "00000000" "09" "2018c8" "8100388e04b5")

CHASSIS_CONTROL_SCRIPT = """#!/bin/sh
# Chassis control program for ipmi_sim, written by lab/ipmi/ipmi_sim.py.
# ipmi_sim runs: PROGRAM DEVICE get PARM... | PROGRAM DEVICE set PARM VALUE...
# power is 1 or 0; boot is none, pxe, default, cdrom or bios; each sits in a file here.
state="{state}"
shift
op="$1"
shift
case "$op" in
    get)
        for parm in "$@"; do
            case "$parm" in
                power|boot) echo "$parm:$(cat "$state/$parm")" ;;
                *) echo "Invalid parameter: $parm"; exit 1 ;;
            esac
        done
        ;;
    set)
        while [ $# -gt 0 ]; do
            parm="$1"
            value="$2"
            shift 2
            case "$parm" in
                power|boot) printf '%s' "$value" > "$state/$parm" ;;
                reset) echo reset >> "$state/events" ;;
                shutdown) printf 0 > "$state/power"; echo shutdown >> "$state/events" ;;
                identify) shift ;;
                *) echo "Invalid parameter: $parm"; exit 1 ;;
            esac
        done
        ;;
    *)
        echo "Unsupported operation: $op"
        exit 1
        ;;
esac
"""


def ipmi_sim_binary() -> str:
    """Return the path of ipmi_sim, or raise with the command that installs it."""
    path = shutil.which("ipmi_sim")
    if path is None:
        raise FileNotFoundError("ipmi_sim not found on PATH; run scripts/install-test-packages.sh "
                                "(Debian/Ubuntu: apt-get install openipmi)")
    return path


def probe(host: str, port: int, timeout: float = 1.0) -> bool:
    """Return True when something responds to IPMI on ``host:port`` within ``timeout`` seconds."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(AUTH_CAPABILITIES_REQUEST, (host, port))
            data, _ = sock.recvfrom(512)
        except OSError:
            return False
    return data[:4] == b"\x06\x00\xff\x07"


def _hex_bytes(data: bytes) -> str:
    return " ".join("0x%02x" % byte for byte in data)


class IpmiSim:
    """One ipmi_sim process on 127.0.0.1:``port``, started and stopped by its PID."""

    def __init__(self, workdir: Path, port: int, username: str = "admin", password: str = "sim-password",
                 power_state: str = "Off", fru: dict | None = None, sensor_health: str = "OK",
                 manufacturer_id: int = 0x1291, product_id: int = 0x0F02) -> None:
        self.workdir = Path(workdir)
        self.port = port
        self.username = username
        self.password = password
        self.power = power_state
        self.fru = fru
        self.sensor_health = sensor_health
        self.manufacturer_id = manufacturer_id
        self.product_id = product_id
        self.process: subprocess.Popen | None = None

    @property
    def state_dir(self) -> Path:
        return self.workdir / "chassis"

    def _write_files(self) -> tuple[Path, Path]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "persist").mkdir(exist_ok=True)
        (self.state_dir / "power").write_text("1" if self.power == "On" else "0")
        (self.state_dir / "boot").write_text("none")
        (self.state_dir / "events").write_text("")
        script = self.workdir / "chassis-control.sh"
        script.write_text(CHASSIS_CONTROL_SCRIPT.format(state=self.state_dir))
        script.chmod(0o755)

        lan_conf = self.workdir / "lan.conf"
        lan_conf.write_text("\n".join([
            'name "aifactory-test"',
            "set_working_mc 0x20",
            "  startlan 1",
            "    addr 127.0.0.1 %d" % self.port,
            "    priv_limit admin",
            "    allowed_auths_admin none md2 md5 straight",
            "    guid a123456789abcdefa123456789abcdef",
            "  endlan",
            '  chassis_control "%s 0x20"' % script,
            '  user 2 true "%s" "%s" admin 10 none md2 md5 straight' % (self.username, self.password),
            "",
        ]))

        # mc_add: address, device id, no device SDRs, revision, firmware 9.08, device support
        # (chassis, SDR repository, SEL, FRU, sensor device), manufacturer, product.
        commands = [
            "mc_setbmc 0x20",
            "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x%x 0x%x" % (self.manufacturer_id, self.product_id),
            "sel_enable 0x20 1000 0x0a",
        ]
        if self.fru is not None:
            image = fru_encoding.encode_fru(self.fru)
            commands.append("mc_add_fru_data 0x20 0 %d data %s" % (len(image), _hex_bytes(image)))
        for index, sensor in enumerate(sdr.default_sensors(self.sensor_health)[:2]):
            sensor.needs_host_power = False
            commands.append("sensor_add 0x20 0 %d 0x%02x 0x01" % (sensor.number, sensor.sensor_type))
            commands.append("main_sdr_add 0x20 %s" % _hex_bytes(sensor.record(index + 1)))
            commands.append("sensor_set_threshold 0x20 0 %d settable 011000 0 %d %d 0 0 0"
                            % (sensor.number, sensor.upper_critical, sensor.upper_non_critical))
            commands.append("sensor_set_event_support 0x20 0 %d enable scanning per-state %s"
                            % (sensor.number, " ".join(["000000000000000"] * 4)))
            commands.append("sensor_set_value 0x20 0 %d %d 0" % (sensor.number, sensor.value))
        commands.append("mc_enable 0x20")
        emulator = self.workdir / "bmc.emu"
        emulator.write_text("\n".join(commands) + "\n")
        return lan_conf, emulator

    def __enter__(self) -> "IpmiSim":
        binary = ipmi_sim_binary()
        lan_conf, emulator = self._write_files()
        log = open(self.workdir / "ipmi_sim.log", "wb")
        self.process = subprocess.Popen(
            [binary, "-c", str(lan_conf), "-f", str(emulator), "-s", str(self.workdir / "persist"), "-n", "-p"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=str(self.workdir))
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("ipmi_sim exited with %s; log:\n%s" % (
                    self.process.returncode, (self.workdir / "ipmi_sim.log").read_text(errors="replace")))
            if probe("127.0.0.1", self.port, timeout=0.3):
                return self
        self.__exit__()
        raise RuntimeError("ipmi_sim did not respond on 127.0.0.1:%d within 15s" % self.port)

    def __exit__(self, *exc_info) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def power_state(self) -> str:
        return "On" if (self.state_dir / "power").read_text().strip() == "1" else "Off"

    def set_power_state(self, state: str) -> None:
        """Set the simulated server's power, as pressing its power button would."""
        (self.state_dir / "power").write_text("1" if state == "On" else "0")

    def boot_device(self) -> str:
        return (self.state_dir / "boot").read_text().strip()

    def events(self) -> list[str]:
        return (self.state_dir / "events").read_text().split()
