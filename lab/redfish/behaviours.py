"""Stateful behaviours of emulated BMCs, selected per BMC by name.

A behaviour installs action, PATCH or collection handlers on a BMC's resource store and
may expose a section of the BMC's state to the control API. The factory's per-BMC
`behaviours:` block enables a behaviour (`name: {options}` or `name: true`) or turns a
default one off (`name: false`); flavours choose the defaults.

Behaviours find their resources through `store.facts`, which the flavour renderer or the
mockup loader fills in:

- `systems`: URIs of the ComputerSystems that have power and boot state,
- `virtual_media`: URIs of VirtualMedia resources,
- `dpu`: `{"system", "oem", "bios"}` URIs of a BlueField DPU BMC.
"""

from __future__ import annotations

import asyncio
import datetime
import time
from typing import TYPE_CHECKING, Any

from lab.redfish.errors import RedfishError
from lab.redfish.patching import boolean, one_of, text
from lab.redfish.store import Call, Reply

if TYPE_CHECKING:
    from lab.redfish.service import Bmc

DEFAULT_OVERRIDE_TARGETS = ["None", "Pxe", "Cd", "Usb", "Hdd", "BiosSetup", "UefiHttp"]
DEFAULT_OVERRIDE_ENABLED = ["Once", "Continuous", "Disabled"]
DEFAULT_OVERRIDE_MODES = ["UEFI", "Legacy"]
POWER_STATES = ["On", "Off", "PoweringOn", "PoweringOff"]
# The Boot properties a boot override sets; the control API reports and accepts these.
BOOT_STATE_KEYS = (
    "BootSourceOverrideEnabled",
    "BootSourceOverrideMode",
    "BootSourceOverrideTarget",
    "UefiTargetBootSourceOverride",
    "HttpBootUri",
    "BootNext",
)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def _check_options(name: str, options: dict, known: dict[str, type]) -> dict:
    """Validate a behaviour's options against `known` (option -> type)."""
    for key, value in options.items():
        if key not in known:
            raise ValueError(f"behaviour {name}: unknown option '{key}'; known: {', '.join(sorted(known)) or 'none'}")
        expected = known[key]
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            continue
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ValueError(f"behaviour {name}: option '{key}' must be {expected.__name__}, got {value!r}")
    return options


class Behaviour:
    """Base class: a named set of handlers installed on one BMC."""

    name = ""
    options_schema: dict[str, type] = {}

    def __init__(self, options: dict | None = None) -> None:
        self.options = _check_options(self.name, options or {}, self.options_schema)

    def install(self, bmc: Bmc) -> None:
        raise NotImplementedError

    def state(self, bmc: Bmc) -> dict:
        """Return this behaviour's sections of the control API state document."""
        return {}

    def set_state(self, bmc: Bmc, document: dict) -> None:
        """Apply the sections of a control API state document that this behaviour owns."""


def _reset_allowable(bmc: Bmc, system: dict) -> tuple[str | None, list[str]]:
    action = (system.get("Actions") or {}).get("#ComputerSystem.Reset")
    if not isinstance(action, dict) or "target" not in action:
        return None, []
    allowable = action.get("ResetType@Redfish.AllowableValues")
    if allowable is None and "@Redfish.ActionInfo" in action:
        info = bmc.store.get(action["@Redfish.ActionInfo"]) or {}
        for parameter in info.get("Parameters", []):
            if parameter.get("Name") == "ResetType":
                allowable = parameter.get("AllowableValues")
    return action["target"], list(allowable or ["On", "ForceOff", "GracefulShutdown", "ForceRestart", "GracefulRestart"])


class Power(Behaviour):
    """ComputerSystem.Reset changes PowerState; a boot runs the BMC's boot hooks.

    Options: `transition_seconds` keeps the system in PoweringOn/PoweringOff that long;
    `conflict_on_no_op` returns 409 for On while on and ForceOff while off, as iDRAC does;
    `reset_types` replaces the ResetTypes the BMC allows (inline or in its ActionInfo);
    `on_conflict_seconds` rejects a power-on with 409 for that long after the system went
    off, as some BMCs do while they finish the power-off.
    """

    name = "power"
    options_schema = {"transition_seconds": float, "conflict_on_no_op": bool, "reset_types": list,
                      "on_conflict_seconds": float}

    def install(self, bmc: Bmc) -> None:
        self.off_since: dict[str, float] = {}
        for uri in bmc.store.facts.get("systems", []):
            system = bmc.store.get(uri)
            if "reset_types" in self.options:
                _replace_reset_types(bmc, system, self.options["reset_types"])
            target, allowable = _reset_allowable(bmc, system)
            if target is None:
                continue
            bmc.store.actions[bmc.store.resolve(target)] = self._handler(bmc, uri, allowable)

    def _handler(self, bmc: Bmc, uri: str, allowable: list[str]):
        async def reset(call: Call) -> Reply:
            body = call.body if isinstance(call.body, dict) else {}
            for key in body:
                if key != "ResetType":
                    raise RedfishError(400, "ActionParameterUnknown", "ComputerSystem.Reset", key)
            reset_type = body.get("ResetType")
            if reset_type is None:
                raise RedfishError(400, "ActionParameterMissing", "ComputerSystem.Reset", "ResetType")
            if reset_type not in allowable:
                raise RedfishError(400, "ActionParameterValueNotInList", reset_type, "ResetType", "ComputerSystem.Reset")
            self.reset(bmc, uri, reset_type)
            return Reply(204)

        return reset

    def reset(self, bmc: Bmc, uri: str, reset_type: str) -> None:
        """Apply `reset_type` to the system at `uri`, raising 409 when it cannot."""
        system = bmc.store.get(uri)
        state = system.get("PowerState", "On")
        if state in ("PoweringOn", "PoweringOff"):
            raise RedfishError(409, "ResourceInUse")
        conflict = self.options.get("conflict_on_no_op", False)

        if reset_type == "PushPowerButton":
            reset_type = "ForceOff" if state == "On" else "On"
        window = float(self.options.get("on_conflict_seconds", 0))
        if window > 0 and reset_type in ("On", "ForceOn", "PowerCycle") and state == "Off":
            if time.monotonic() - self.off_since.get(uri, float("-inf")) < window:
                raise RedfishError(409, "ResourceInUse")
        if reset_type in ("On", "ForceOn"):
            if state == "On":
                if conflict:
                    raise RedfishError(409, "ResourceInUse")
                return
            self._transition(bmc, uri, "PoweringOn", "On", boots=True)
        elif reset_type in ("ForceOff", "GracefulShutdown"):
            if state == "Off":
                if conflict:
                    raise RedfishError(409, "ResourceInUse")
                return
            self._transition(bmc, uri, "PoweringOff", "Off", boots=False)
        elif reset_type in ("ForceRestart", "GracefulRestart", "Nmi"):
            if state == "Off":
                raise RedfishError(409, "ResourceInStandby")
            if reset_type != "Nmi":
                self._transition(bmc, uri, None, "On", boots=True)
        elif reset_type == "PowerCycle":
            self._transition(bmc, uri, None if state == "On" else "PoweringOn", "On", boots=True)
        if "LastResetTime" in system and reset_type != "Nmi":
            system["LastResetTime"] = _now()

    def _transition(self, bmc: Bmc, uri: str, during: str | None, final: str, boots: bool) -> None:
        delay = float(self.options.get("transition_seconds", 0))

        def finish() -> None:
            set_power_state(bmc, uri, final)
            if final == "Off":
                self.off_since[uri] = time.monotonic()
            if boots:
                for hook in bmc.on_boot:
                    hook(uri)

        if delay <= 0:
            finish()
            return
        if during is not None:
            set_power_state(bmc, uri, during)
        asyncio.get_running_loop().call_later(delay, finish)

    def state(self, bmc: Bmc) -> dict:
        return {"systems": systems_state(bmc)}

    def set_state(self, bmc: Bmc, document: dict) -> None:
        for system_id, values in (document.get("systems") or {}).items():
            uri = system_uri(bmc, system_id)
            if "PowerState" in values:
                if values["PowerState"] not in POWER_STATES:
                    raise ValueError(f"PowerState must be one of {', '.join(POWER_STATES)}, got {values['PowerState']!r}")
                set_power_state(bmc, uri, values["PowerState"])


def _replace_reset_types(bmc: Bmc, system: dict, reset_types: list[str]) -> None:
    """Make the system's Reset action allow exactly `reset_types`."""
    action = (system.get("Actions") or {}).get("#ComputerSystem.Reset")
    if not isinstance(action, dict):
        return
    info = bmc.store.get(action["@Redfish.ActionInfo"]) if "@Redfish.ActionInfo" in action else None
    if info is None:
        action["ResetType@Redfish.AllowableValues"] = list(reset_types)
        return
    for parameter in info.get("Parameters", []):
        if parameter.get("Name") == "ResetType":
            parameter["AllowableValues"] = list(reset_types)


def set_power_state(bmc: Bmc, uri: str, value: str) -> None:
    """Set PowerState on a system and on the chassis it links that report one."""
    system = bmc.store.get(uri)
    system["PowerState"] = value
    for link in (system.get("Links") or {}).get("Chassis", []) or []:
        chassis = bmc.store.get(link.get("@odata.id", "")) if isinstance(link, dict) else None
        if chassis is not None and "PowerState" in chassis:
            chassis["PowerState"] = value


def system_uri(bmc: Bmc, system_id: str) -> str:
    for uri in bmc.store.facts.get("systems", []):
        if uri.rstrip("/").rsplit("/", 1)[-1] == system_id:
            return uri
    known = ", ".join(uri.rsplit("/", 1)[-1] for uri in bmc.store.facts.get("systems", []))
    raise KeyError(f"no system '{system_id}' on BMC {bmc.name}; systems: {known}")


def systems_state(bmc: Bmc) -> dict:
    result = {}
    for uri in bmc.store.facts.get("systems", []):
        system = bmc.store.get(uri)
        boot = system.get("Boot") or {}
        result[system.get("Id", uri.rsplit("/", 1)[-1])] = {
            "PowerState": system.get("PowerState"),
            "AssetTag": system.get("AssetTag"),
            "Boot": {key: value for key, value in boot.items() if "@" not in key and key in BOOT_STATE_KEYS},
        }
    return result


class BootOverride(Behaviour):
    """PATCH of the Boot override properties; a `Once` override is used up by a boot."""

    name = "boot_override"

    def install(self, bmc: Bmc) -> None:
        for uri in bmc.store.facts.get("systems", []):
            boot = bmc.store.get(uri).get("Boot")
            if not isinstance(boot, dict):
                continue
            rules = bmc.patch_rules

            def allowable(key, default):
                return lambda resource: (resource.get("Boot") or {}).get(f"{key}@Redfish.AllowableValues", default)

            rules.allow(uri, ("Boot", "BootSourceOverrideTarget"), one_of(allowable("BootSourceOverrideTarget", DEFAULT_OVERRIDE_TARGETS)))
            rules.allow(uri, ("Boot", "BootSourceOverrideEnabled"), one_of(allowable("BootSourceOverrideEnabled", DEFAULT_OVERRIDE_ENABLED)))
            if "BootSourceOverrideMode" in boot:
                rules.allow(uri, ("Boot", "BootSourceOverrideMode"), one_of(allowable("BootSourceOverrideMode", DEFAULT_OVERRIDE_MODES)))
            for optional in ("UefiTargetBootSourceOverride", "HttpBootUri", "BootNext"):
                if optional in boot:
                    rules.allow(uri, ("Boot", optional), text(2048, nullable=True))
        bmc.on_boot.append(lambda uri: self._use_once(bmc, uri))

    @staticmethod
    def _use_once(bmc: Bmc, uri: str) -> None:
        boot = (bmc.store.get(uri) or {}).get("Boot") or {}
        if boot.get("BootSourceOverrideEnabled") == "Once":
            boot["BootSourceOverrideEnabled"] = "Disabled"

    def state(self, bmc: Bmc) -> dict:
        return {"systems": systems_state(bmc)}

    def set_state(self, bmc: Bmc, document: dict) -> None:
        for system_id, values in (document.get("systems") or {}).items():
            if "Boot" in values:
                bmc.patch_rules.apply(system_uri(bmc, system_id), {"Boot": values["Boot"]})


class AssetTag(Behaviour):
    """PATCH of the system's AssetTag."""

    name = "asset_tag"

    def install(self, bmc: Bmc) -> None:
        for uri in bmc.store.facts.get("systems", []):
            bmc.patch_rules.allow(uri, ("AssetTag",), text(64, nullable=True))

    def set_state(self, bmc: Bmc, document: dict) -> None:
        for system_id, values in (document.get("systems") or {}).items():
            if "AssetTag" in values:
                bmc.patch_rules.apply(system_uri(bmc, system_id), {"AssetTag": values["AssetTag"]})


class VirtualMedia(Behaviour):
    """VirtualMedia.InsertMedia and EjectMedia; inserting over an image returns 409."""

    name = "virtual_media"

    def install(self, bmc: Bmc) -> None:
        for uri in bmc.store.facts.get("virtual_media", []):
            actions = bmc.store.get(uri).get("Actions") or {}
            insert = actions.get("#VirtualMedia.InsertMedia", {}).get("target")
            eject = actions.get("#VirtualMedia.EjectMedia", {}).get("target")
            if insert:
                bmc.store.actions[bmc.store.resolve(insert)] = self._insert(bmc, uri)
            if eject:
                bmc.store.actions[bmc.store.resolve(eject)] = self._eject(bmc, uri)

    @staticmethod
    def _insert(bmc: Bmc, uri: str):
        known = {"Image", "Inserted", "WriteProtected", "TransferProtocolType", "TransferMethod", "UserName", "Password"}

        def insert(call: Call) -> Reply:
            body = call.body if isinstance(call.body, dict) else {}
            for key in body:
                if key not in known:
                    raise RedfishError(400, "ActionParameterUnknown", "VirtualMedia.InsertMedia", key)
            image = body.get("Image")
            if not isinstance(image, str) or not image:
                raise RedfishError(400, "ActionParameterMissing", "VirtualMedia.InsertMedia", "Image")
            media = bmc.store.get(uri)
            if media.get("Inserted"):
                raise RedfishError(409, "ResourceInUse")
            media["Image"] = image
            media["ImageName"] = image.rstrip("/").rsplit("/", 1)[-1]
            media["Inserted"] = bool(body.get("Inserted", True))
            media["WriteProtected"] = bool(body.get("WriteProtected", True))
            media["ConnectedVia"] = "URI"
            if "TransferProtocolType" in body:
                media["TransferProtocolType"] = body["TransferProtocolType"]
            return Reply(204)

        return insert

    @staticmethod
    def _eject(bmc: Bmc, uri: str):
        def eject(call: Call) -> Reply:
            media = bmc.store.get(uri)
            media["Image"] = None
            media["ImageName"] = None
            media["Inserted"] = False
            media["ConnectedVia"] = "NotConnected"
            return Reply(204)

        return eject

    def state(self, bmc: Bmc) -> dict:
        section = {}
        for uri in bmc.store.facts.get("virtual_media", []):
            media = bmc.store.get(uri)
            section[uri] = {"Inserted": media.get("Inserted"), "Image": media.get("Image")}
        return {"virtual_media": section}


class DpuMode(Behaviour):
    """BlueField `Mode.Set` (Oem/Nvidia): the new mode applies at the DPU's next boot.

    This follows the BlueField BMC, where the mode change takes effect only after the
    DPU is reset; until then GET still returns the old `Mode`.
    """

    name = "dpu_mode"

    def install(self, bmc: Bmc) -> None:
        dpu = bmc.store.facts.get("dpu")
        if not dpu:
            return
        oem = bmc.store.get(dpu["oem"])
        action = (oem.get("Actions") or {}).get("#Mode.Set", {})
        allowable = []
        for parameter in action.get("Parameters", []):
            if parameter.get("Name") == "Mode":
                allowable = parameter.get("AllowableValues", [])
        self.pending: str | None = None

        def set_mode(call: Call) -> Reply:
            body = call.body if isinstance(call.body, dict) else {}
            mode = body.get("Mode")
            if mode is None:
                raise RedfishError(400, "ActionParameterMissing", "Mode.Set", "Mode")
            if mode not in allowable:
                raise RedfishError(400, "ActionParameterValueNotInList", mode, "Mode", "Mode.Set")
            self.pending = None if mode == oem.get("Mode") else mode
            return Reply(204)

        bmc.store.actions[bmc.store.resolve(action["target"])] = set_mode
        bmc.on_boot.append(lambda uri: self._apply(bmc, uri))

    def _apply(self, bmc: Bmc, uri: str) -> None:
        dpu = bmc.store.facts["dpu"]
        if self.pending is None or bmc.store.resolve(uri) != bmc.store.resolve(dpu["system"]):
            return
        bmc.store.get(dpu["oem"])["Mode"] = self.pending
        bios = bmc.store.get(dpu["bios"])
        if bios is not None:
            bios.setdefault("Attributes", {})["NicMode"] = self.pending
        self.pending = None

    def state(self, bmc: Bmc) -> dict:
        dpu = bmc.store.facts.get("dpu")
        if not dpu:
            return {}
        return {"dpu": {"mode": bmc.store.get(dpu["oem"]).get("Mode"), "pending_mode": self.pending}}

    def set_state(self, bmc: Bmc, document: dict) -> None:
        section = document.get("dpu") or {}
        dpu = bmc.store.facts.get("dpu")
        if "mode" in section and dpu:
            bmc.store.get(dpu["oem"])["Mode"] = section["mode"]
            bmc.store.get(dpu["bios"]).setdefault("Attributes", {})["NicMode"] = section["mode"]
            self.pending = None


class RequireIfMatch(Behaviour):
    """PATCH without an If-Match header returns 428 PreconditionRequired.

    Option `weak`: GET sends weak ETags (`W/"..."`), as some BMCs do. An If-Match with the
    tag as received, or its strong form, still matches. A tag stripped of its quotes does not.
    """

    name = "require_if_match"
    options_schema = {"weak": bool}

    def install(self, bmc: Bmc) -> None:
        bmc.store.facts["require_if_match"] = True
        if self.options.get("weak"):
            bmc.store.facts["weak_etags"] = True


BEHAVIOURS: dict[str, type[Behaviour]] = {
    cls.name: cls for cls in (Power, BootOverride, AssetTag, VirtualMedia, DpuMode, RequireIfMatch)
}

# Behaviours every BMC gets unless its factory entry turns them off.
DEFAULT_BEHAVIOURS: dict[str, Any] = {
    "power": {},
    "boot_override": {},
    "asset_tag": {},
    "virtual_media": {},
    "dpu_mode": {},
}


# The lifecycle behaviours (settings objects, BIOS, secure boot, firmware) live in their own
# module, which adds them to BEHAVIOURS when it is imported.
import lab.redfish.lifecycle  # noqa: E402,F401  pylint: disable=wrong-import-position,cyclic-import,unused-import


def build_behaviours(selection: dict[str, Any]) -> list[Behaviour]:
    """Instantiate the behaviours named in `selection` (name -> options, True or False)."""
    behaviours = []
    for name, options in selection.items():
        if options is False or options is None:
            continue
        if name not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour '{name}'; known: {', '.join(sorted(BEHAVIOURS))}")
        behaviours.append(BEHAVIOURS[name]({} if options is True else options))
    return behaviours
