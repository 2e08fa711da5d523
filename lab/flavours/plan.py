"""The concrete hardware of one BMC: a profile's device counts turned into devices.

Every flavour renders the same plan, so a profile shows the same GPUs, adapters, MAC
addresses and serial numbers whichever vendor's Redfish shape presents it. Slots and PCIe
bus numbers are assigned in a fixed order: GPUs, then slot adapters, then DPUs, then NVMe
drives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.identity import Identity
from lab.profiles import Profile


@dataclass
class Gpu:
    index: int  # 1-based
    slot: int
    bus: int
    serial: str
    uuid: str
    spec: dict


@dataclass
class Port:
    number: int  # 1-based
    mac: str
    guid: str | None
    link: str  # "Ethernet" or "InfiniBand"
    speed_gbps: int


@dataclass
class Adapter:
    index: int  # 1-based over all adapters, onboard first
    kind: str  # "nic" or "dpu"
    onboard: bool
    slot: int | None
    bus: int
    serial: str
    ports: list[Port]
    spec: dict
    boot: bool = False

    @property
    def infiniband(self) -> bool:
        return self.spec.get("link") == "InfiniBand"


@dataclass
class Disk:
    index: int  # 1-based
    bay: int  # 0-based
    bus: int | None
    serial: str
    spec: dict


@dataclass
class Dimm:
    index: int  # 1-based
    socket: int  # 1-based
    channel: str  # A, B, ...
    slot: int  # 1-based within the socket
    serial: str


@dataclass
class Plan:
    profile: Profile
    identity: Identity
    gpus: list[Gpu] = field(default_factory=list)
    adapters: list[Adapter] = field(default_factory=list)
    disks: list[Disk] = field(default_factory=list)
    dimms: list[Dimm] = field(default_factory=list)

    @property
    def nics(self) -> list[Adapter]:
        return [adapter for adapter in self.adapters if adapter.kind == "nic"]

    @property
    def dpus(self) -> list[Adapter]:
        return [adapter for adapter in self.adapters if adapter.kind == "dpu"]

    def boot_ports(self) -> list[tuple[Adapter, Port]]:
        """Return the Ethernet ports visible to the host firmware, the boot adapter's first."""
        ports = []
        for adapter in sorted(self.nics, key=lambda a: (not a.boot, a.index)):
            if adapter.infiniband:
                continue
            ports.extend((adapter, port) for port in adapter.ports)
        return ports


def _bus_numbers():
    # Spread devices over the PCIe bus range the way root ports of two sockets do.
    bus = 0x11
    while True:
        yield bus
        bus += 7


def make_plan(profile: Profile, seed: str) -> Plan:
    """Turn `profile` into concrete devices whose identities derive from `seed`."""
    identity = Identity(seed)
    plan = Plan(profile=profile, identity=identity)
    buses = _bus_numbers()
    slot = 1

    gpu_spec = profile.data.get("gpus")
    if gpu_spec:
        for index in range(1, gpu_spec["count"] + 1):
            plan.gpus.append(
                Gpu(
                    index=index,
                    slot=slot,
                    bus=next(buses),
                    serial=identity.serial(f"gpu{index}", digits_only=True, length=13),
                    uuid=identity.uuid(f"gpu{index}"),
                    spec=gpu_spec,
                )
            )
            slot += 1

    adapter_index = 1
    groups = [("nic", nic) for nic in profile.data.get("nics", [])]
    groups.sort(key=lambda item: not item[1].get("onboard", False))
    if profile.data.get("dpus"):
        groups.append(("dpu", profile.data["dpus"]))
    for kind, spec in groups:
        for _ in range(spec["count"]):
            onboard = bool(spec.get("onboard", False))
            ports = [
                Port(
                    number=number,
                    mac=identity.mac(f"adapter{adapter_index}/port{number}"),
                    guid=identity.guid(f"adapter{adapter_index}/port{number}") if spec.get("link") == "InfiniBand" else None,
                    link=spec.get("link", "Ethernet"),
                    speed_gbps=spec["speed_gbps"],
                )
                for number in range(1, spec["ports"] + 1)
            ]
            plan.adapters.append(
                Adapter(
                    index=adapter_index,
                    kind=kind,
                    onboard=onboard,
                    slot=None if onboard else slot,
                    bus=next(buses),
                    serial=identity.serial(f"adapter{adapter_index}", prefix="MT", length=10),
                    ports=ports,
                    spec=spec,
                    boot=bool(spec.get("boot", False)),
                )
            )
            if not onboard:
                slot += 1
            adapter_index += 1

    disk_index = 1
    for spec in profile.data.get("disks", []):
        for _ in range(spec["count"]):
            plan.disks.append(
                Disk(
                    index=disk_index,
                    bay=disk_index - 1,
                    bus=next(buses) if spec.get("protocol") == "NVMe" else None,
                    serial=identity.serial(f"disk{disk_index}", length=12),
                    spec=spec,
                )
            )
            disk_index += 1

    memory = profile.data.get("memory")
    if memory:
        sockets = max(1, profile.data.get("cpus", {}).get("count", 1))
        per_socket = memory["dimms"] // sockets
        for index in range(1, memory["dimms"] + 1):
            socket = (index - 1) // per_socket + 1 if per_socket else 1
            position = (index - 1) % per_socket if per_socket else index - 1
            plan.dimms.append(
                Dimm(
                    index=index,
                    socket=socket,
                    channel="ABCDEFGHIJKLMNOP"[position % 16],
                    slot=position + 1,
                    serial=identity.serial(f"dimm{index}", length=8),
                )
            )
    return plan
