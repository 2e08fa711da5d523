"""Reading and checking a lab factory description (see lab/README.md for the format).

`load_factory` turns the YAML (or an equivalent dict) into a `Factory`: one fully
resolved spec per BMC, with `count:` entries stamped out, ports assigned, defaults applied
and relative mockup paths made absolute. Every mistake raises `FactoryError` naming the
entry, the value and what to change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lab import profiles
from lab.ipmi import spec as ipmi_spec
from lab.redfish import mockup
from lab.redfish.behaviours import BEHAVIOURS, build_behaviours

# Lab-only credentials: every emulated BMC accepts these unless its factory entry or the
# factory's defaults set others. They protect nothing and must never be used elsewhere.
DEFAULT_USERNAME = "lab-admin"
DEFAULT_PASSWORD = "lab-only-password"
DEFAULT_BASE_PORT = 8443
DEFAULT_CONTROL_PORT = 8999
DEFAULT_SESSION_TIMEOUT = 1800
PROTOCOLS = ("redfish", "ipmi")

TOP_LEVEL_KEYS = {"name", "description", "defaults", "control_port", "bmcs"}
DEFAULT_KEYS = {
    "username", "password", "base_port", "tls", "latency_ms", "session_timeout",
    "flavour", "behaviours", "faults", "power_state",
}
ENTRY_KEYS = {
    "name", "count", "index_start", "port", "protocol", "profile", "flavour", "mockup",
    "tls", "username", "password", "latency_ms", "session_timeout", "faults", "behaviours",
    "power_state",
}
FAULT_KEYS = {"timeout", "error_status", "error_burst", "malformed_json", "reject_credentials"}
BURST_KEYS = {"status", "count", "retry_after", "message_seconds"}


class FactoryError(ValueError):
    """The factory description is invalid; the message names the entry and the fix."""


@dataclass
class Factory:
    source: str
    control_port: int
    bmcs: list[dict] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"source": self.source, "control_port": self.control_port, "bmcs": self.bmcs}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Factory:
        data = json.loads(text)
        return cls(source=data["source"], control_port=data["control_port"], bmcs=data["bmcs"])


def load_factory(source: dict | str | Path, base_dir: Path | None = None) -> Factory:
    """Read and check a factory from a YAML file or a dict; relative paths use `base_dir`."""
    if isinstance(source, dict):
        data = source
        origin = "<factory dict>"
        base = Path(base_dir or Path.cwd()).resolve()
    else:
        path = Path(source)
        if not path.is_file():
            raise FactoryError(f"factory file {path} not found; pass -f with the path of a factory YAML file")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise FactoryError(f"factory file {path} is not valid YAML: {error}") from None
        origin = str(path)
        base = path.resolve().parent
    return _Builder(origin, base).build(data)


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise FactoryError(message)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Builder:
    def __init__(self, origin: str, base: Path) -> None:
        self.origin = origin
        self.base = base

    def fail(self, where: str, message: str) -> FactoryError:
        return FactoryError(f"invalid factory {self.origin}: {where}: {message}")

    def build(self, data: Any) -> Factory:
        if not isinstance(data, dict):
            raise self.fail("top level", "expected a mapping with a 'bmcs' list")
        unknown = set(data) - TOP_LEVEL_KEYS
        if unknown:
            raise self.fail("top level", f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(TOP_LEVEL_KEYS))}")

        defaults = data.get("defaults") or {}
        if not isinstance(defaults, dict):
            raise self.fail("defaults", "expected a mapping")
        unknown = set(defaults) - DEFAULT_KEYS
        if unknown:
            raise self.fail("defaults", f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(DEFAULT_KEYS))}")

        control_port = data.get("control_port", DEFAULT_CONTROL_PORT)
        if not _is_int(control_port) or not 0 <= control_port <= 65535:
            raise self.fail("control_port", f"{control_port!r} is not a port number (0-65535; 0 picks a free port)")

        entries = data.get("bmcs")
        if not isinstance(entries, list) or not entries:
            raise self.fail("bmcs", "expected a non-empty list of BMC entries")

        base_port = defaults.get("base_port", DEFAULT_BASE_PORT)
        if not _is_int(base_port) or not 0 <= base_port <= 65535:
            raise self.fail("defaults.base_port", f"{base_port!r} is not a port number (0-65535; 0 picks free ports)")

        specs: list[dict] = []
        pending_ports: list[int | None] = []
        for position, entry in enumerate(entries):
            for spec, port in self._entry(position, entry, defaults):
                specs.append(spec)
                pending_ports.append(port)

        self._assign_ports(specs, pending_ports, base_port, control_port)
        self._check_unique(specs, control_port)
        return Factory(source=self.origin, control_port=control_port, bmcs=specs)

    def _entry(self, position: int, entry: Any, defaults: dict):
        where = f"bmcs[{position}]"
        if not isinstance(entry, dict):
            raise self.fail(where, "expected a mapping with at least 'name' and 'profile' or 'mockup'")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self.fail(where, "'name' is missing or empty")
        where = f"bmcs[{position}] ({name})"
        allowed = ENTRY_KEYS
        if entry.get("protocol") == "ipmi":
            # IPMI BMCs take their own keys (lab/ipmi/spec.py) and none of Redfish's.
            allowed = set(ipmi_spec.DEFAULTS) | ipmi_spec.FACTORY_ONLY_KEYS | {"name", "port"}
        unknown = set(entry) - allowed
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")

        count = entry.get("count", 1)
        if not _is_int(count) or count < 1:
            raise self.fail(where, f"count {count!r} must be a positive integer")
        index_start = entry.get("index_start", 1)
        if not _is_int(index_start) or index_start < 0:
            raise self.fail(where, f"index_start {index_start!r} must be a non-negative integer")
        if count > 1 and "{index" not in name:
            raise self.fail(where, "a name with count > 1 needs an {index} field, for example 'gpu-{index:03d}'")
        port = entry.get("port")
        if port is not None and (not _is_int(port) or not 0 <= port <= 65535):
            raise self.fail(where, f"port {port!r} is not a port number (0-65535; 0 picks a free port)")
        if port is not None and port > 0 and port + count - 1 > 65535:
            raise self.fail(where, f"ports {port}..{port + count - 1} run past 65535")

        template = self._template(where, entry, defaults)
        for offset in range(count):
            index = index_start + offset
            try:
                bmc_name = name.format(index=index)
            except (KeyError, IndexError, ValueError) as error:
                raise self.fail(where, f"name pattern cannot be formatted with index={index}: {error}") from None
            spec = dict(template, name=bmc_name)
            if port is None:
                yield spec, None
            else:
                yield spec, port + offset if port > 0 else 0

    def _template(self, where: str, entry: dict, defaults: dict) -> dict:
        def pick(key, fallback):
            return entry.get(key, defaults.get(key, fallback))

        protocol = entry.get("protocol", "redfish")
        if protocol not in PROTOCOLS:
            raise self.fail(where, f"protocol {protocol!r} is not served by this lab; known: {', '.join(PROTOCOLS)}")
        if protocol == "ipmi":
            try:
                return ipmi_spec.factory_template(entry, defaults)
            except ipmi_spec.SpecError as error:
                raise self.fail(where, str(error)) from None

        spec: dict[str, Any] = {"protocol": protocol, "profile": None, "flavour": None, "mockup": None}
        has_profile = "profile" in entry
        has_mockup = "mockup" in entry
        if has_profile == has_mockup:
            raise self.fail(where, "set exactly one of 'profile' (synthetic hardware) or 'mockup' (a captured service folder)")

        if has_profile:
            try:
                profile = profiles.load(str(entry["profile"]))
            except profiles.ProfileError as error:
                raise self.fail(where, str(error)) from None
            flavour = entry.get("flavour")
            if flavour is None:
                default_flavour = defaults.get("flavour")
                flavour = default_flavour if default_flavour in profile.flavours else profile.flavours[0]
            if flavour not in profile.flavours:
                raise self.fail(where, f"profile {profile.name} has no flavour {flavour!r}; choose one of {', '.join(profile.flavours)}")
            spec["profile"] = profile.name
            spec["flavour"] = flavour
        else:
            if "flavour" in entry:
                raise self.fail(where, "'flavour' applies to profiles only; a mockup serves the capture as it is")
            path = Path(str(entry["mockup"])).expanduser()
            if not path.is_absolute():
                path = self.base / path
            try:
                spec["mockup"] = str(mockup.mockup_root(path.resolve()))
            except mockup.MockupError as error:
                raise self.fail(where, f"mockup: {error}") from None

        tls = pick("tls", True)
        if not isinstance(tls, bool):
            raise self.fail(where, f"tls {tls!r} must be true or false")
        latency = pick("latency_ms", 0)
        if not _is_number(latency) or latency < 0:
            raise self.fail(where, f"latency_ms {latency!r} must be a number of milliseconds >= 0")
        timeout = pick("session_timeout", DEFAULT_SESSION_TIMEOUT)
        if not _is_int(timeout) or timeout < 1:
            raise self.fail(where, f"session_timeout {timeout!r} must be a whole number of seconds >= 1")
        power_state = pick("power_state", "On")
        if power_state not in ("On", "Off"):
            raise self.fail(where, f"power_state {power_state!r} must be On or Off")
        username = pick("username", DEFAULT_USERNAME)
        password = pick("password", DEFAULT_PASSWORD)
        for key, value in (("username", username), ("password", password)):
            if not isinstance(value, str) or not value:
                raise self.fail(where, f"{key} must be a non-empty string")

        faults = dict(defaults.get("faults") or {})
        faults.update(entry.get("faults") or {})
        behaviours = dict(defaults.get("behaviours") or {})
        behaviours.update(entry.get("behaviours") or {})
        spec.update(
            tls=tls,
            latency_ms=latency,
            session_timeout=timeout,
            power_state=power_state,
            username=username,
            password=password,
            faults=self._faults(where, faults),
            behaviours=self._behaviours(where, behaviours),
        )
        return spec

    def _faults(self, where: str, faults: Any) -> dict:
        if not isinstance(faults, dict):
            raise self.fail(where, "faults must be a mapping")
        unknown = set(faults) - FAULT_KEYS
        if unknown:
            raise self.fail(where, f"unknown fault(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(FAULT_KEYS))}")
        for flag in ("timeout", "malformed_json", "reject_credentials"):
            if flag in faults and not isinstance(faults[flag], bool):
                raise self.fail(where, f"faults.{flag} must be true or false, got {faults[flag]!r}")
        status = faults.get("error_status")
        if status is not None and (not _is_int(status) or not 400 <= status <= 599):
            raise self.fail(where, f"faults.error_status {status!r} must be an HTTP error status (400-599)")
        burst = faults.get("error_burst")
        if burst is not None:
            if not isinstance(burst, dict):
                raise self.fail(where, "faults.error_burst must be a mapping with at least 'count'")
            unknown = set(burst) - BURST_KEYS
            if unknown:
                raise self.fail(where, f"faults.error_burst: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(BURST_KEYS))}")
            burst = dict(burst)
            burst.setdefault("status", 503)
            if not _is_int(burst["status"]) or not 400 <= burst["status"] <= 599:
                raise self.fail(where, f"faults.error_burst.status {burst['status']!r} must be 400-599")
            if not _is_int(burst.get("count")) or burst["count"] < 1:
                raise self.fail(where, f"faults.error_burst.count {burst.get('count')!r} must be a positive integer")
            for key in ("retry_after", "message_seconds"):
                if key in burst and (not _is_int(burst[key]) or burst[key] < 0):
                    raise self.fail(where, f"faults.error_burst.{key} {burst[key]!r} must be whole seconds >= 0")
            faults = dict(faults, error_burst=burst)
        return faults

    def _behaviours(self, where: str, behaviours: Any) -> dict:
        if not isinstance(behaviours, dict):
            raise self.fail(where, "behaviours must be a mapping of behaviour name to true, false or options")
        for name, options in behaviours.items():
            if name not in BEHAVIOURS:
                raise self.fail(where, f"unknown behaviour {name!r}; known: {', '.join(sorted(BEHAVIOURS))}")
            if not isinstance(options, (bool, dict)):
                raise self.fail(where, f"behaviours.{name} must be true, false or a mapping of options")
        try:
            build_behaviours(behaviours)
        except ValueError as error:
            raise self.fail(where, str(error)) from None
        return behaviours

    def _assign_ports(self, specs: list[dict], ports: list[int | None], base_port: int, control_port: int) -> None:
        taken = {port for port in ports if port} | ({control_port} if control_port else set())
        cursor = base_port
        for spec, port in zip(specs, ports):
            if port is not None:
                spec["port"] = port
                continue
            if base_port == 0:
                spec["port"] = 0
                continue
            while cursor in taken:
                cursor += 1
            if cursor > 65535:
                raise self.fail(spec["name"], f"no port left above defaults.base_port {base_port}")
            spec["port"] = cursor
            taken.add(cursor)
            cursor += 1

    def _check_unique(self, specs: list[dict], control_port: int) -> None:
        names: set[str] = set()
        ports: dict[int, str] = {}
        if control_port:
            ports[control_port] = "control_port"
        for spec in specs:
            if spec["name"] in names:
                raise self.fail(spec["name"], "the name is used by more than one BMC; BMC names must be unique")
            names.add(spec["name"])
            if spec["port"]:
                other = ports.get(spec["port"])
                if other is not None:
                    raise self.fail(spec["name"], f"port {spec['port']} is also used by {other}; give each BMC its own port")
                ports[spec["port"]] = spec["name"]


def validate_faults(faults: Any, origin: str = "control API") -> dict:
    """Check a `faults:` mapping as the factory does; used when faults change at runtime."""
    return _Builder(origin, Path.cwd())._faults("faults", faults)
