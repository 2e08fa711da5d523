"""Checking and completing the description of the lab's IPMI BMCs.

An IPMI BMC is an entry of the factory file with ``protocol: ipmi`` (see lab/README.md),
or an entry of a file given to ``python -m lab.ipmi``.  ``resolve`` fills the defaults and
raises SpecError naming the entry, the value and the fix.
"""

from __future__ import annotations

from lab import profiles

# The cipher suites lab.ipmi.session implements (kept here so that checking a factory does
# not import pyghmi).
CIPHER_SUITES = (3, 17)

DEFAULTS = {
    "address": "127.0.0.1",
    "port": 0,
    "username": "lab-admin",
    "password": "lab-only-password",
    "kg": None,
    "cipher_suites": [17, 3],
    "power_state": "On",
    # The IPMI 2.0 specification's timer for the boot-flags valid bit.
    "boot_flag_timeout": 60,
    # Most BMCs ignore the request to keep the valid bit (boot option parameter 3, bit 3).
    "honour_keep_valid_bit": False,
    "soft_off_seconds": 1,
    "cycle_seconds": 1,
    "profile": None,
    "flavour": None,
    "fru": None,
    "bmc_firmware": None,
    "manufacturer_id": None,
    "product_id": None,
    "faults": None,
}
FAULTS = {
    "timeout": "drop every packet, as a BMC that never responds",
    "reject_credentials": "answer every login with 'unauthorized name'",
    "initializing": "answer this many commands with 0xD2 (initialization in progress) first",
    "ignore_soft_off": "accept a soft off and never power off",
    "sensor_health": "OK, Warning or Critical: where the CPU1 temperature sits",
}
# Keys of a factory entry that the factory itself handles.
FACTORY_ONLY_KEYS = {"protocol", "count", "index_start"}
# Keys of the factory's defaults that IPMI BMCs take too.
FACTORY_DEFAULT_KEYS = ("username", "password", "power_state")


class SpecError(ValueError):
    """An IPMI BMC description is invalid; the message names the entry and the fix."""


def _fail(name: str, message: str) -> SpecError:
    return SpecError("IPMI BMC %s: %s" % (name, message))


def resolve(entry: dict, defaults: dict | None = None) -> dict:
    """Return a complete spec for one BMC entry; ``defaults`` apply where the entry is silent."""
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise SpecError("an IPMI BMC entry has no name: %r" % ({k: v for k, v in entry.items() if k != "password"},))
    unknown = set(entry) - set(DEFAULTS) - {"name"} - FACTORY_ONLY_KEYS
    if unknown:
        raise _fail(name, "unknown key(s) %s; allowed: %s" % (", ".join(sorted(unknown)), ", ".join(sorted(DEFAULTS))))

    spec = {"name": name}
    for key, default in DEFAULTS.items():
        spec[key] = entry.get(key, (defaults or {}).get(key, default))
    spec["faults"] = dict(spec["faults"] or {})

    port = spec["port"]
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise _fail(name, "port %r is not a UDP port number (0-65535; 0 picks a free port)" % (port,))
    if spec["power_state"] not in ("On", "Off"):
        raise _fail(name, "power_state %r must be On or Off" % (spec["power_state"],))
    suites = spec["cipher_suites"]
    if not isinstance(suites, list) or not suites or any(suite not in CIPHER_SUITES for suite in suites):
        raise _fail(name, "cipher_suites %r must be a non-empty list of %s" % (suites, sorted(CIPHER_SUITES)))
    for key in ("boot_flag_timeout", "soft_off_seconds", "cycle_seconds"):
        value = spec[key]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise _fail(name, "%s %r must be a number of seconds >= 0" % (key, value))
    for key in ("username", "password"):
        if not isinstance(spec[key], str) or not spec[key]:
            raise _fail(name, "%s must be a non-empty string" % key)
    if len(spec["password"].encode()) > 20:
        raise _fail(name, "the password is longer than the 20 bytes IPMI 2.0 allows")

    unknown = set(spec["faults"]) - set(FAULTS)
    if unknown:
        raise _fail(name, "unknown fault(s) %s; known: %s" % (", ".join(sorted(unknown)), ", ".join(sorted(FAULTS))))
    health = spec["faults"].get("sensor_health", "OK")
    if health not in ("OK", "Warning", "Critical"):
        raise _fail(name, "faults.sensor_health %r must be OK, Warning or Critical" % (health,))
    busy = spec["faults"].get("initializing", 0)
    if not isinstance(busy, int) or isinstance(busy, bool) or busy < 0:
        raise _fail(name, "faults.initializing %r must be a whole number of answers >= 0" % (busy,))
    return spec


def resolve_all(data: dict) -> list[dict]:
    """Return the specs of a ``{defaults: {...}, bmcs: [...]}`` description."""
    if not isinstance(data, dict) or not isinstance(data.get("bmcs"), list) or not data["bmcs"]:
        raise SpecError("expected a mapping with a non-empty 'bmcs' list")
    specs = [resolve(entry, data.get("defaults")) for entry in data["bmcs"]]
    names = [spec["name"] for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SpecError("BMC names must be unique; repeated: %s" % ", ".join(duplicates))
    return specs


def factory_template(entry: dict, defaults: dict) -> dict:
    """Return the spec of a factory entry with ``protocol: ipmi``, without name and port.

    The factory stamps out names and assigns ports itself; its defaults give the
    credentials, the power state and the flavour when the profile offers it.
    """
    own = {key: value for key, value in entry.items() if key not in FACTORY_ONLY_KEYS | {"name", "port"}}
    inherited = {key: defaults[key] for key in FACTORY_DEFAULT_KEYS if key in defaults}
    if own.get("profile"):
        try:
            profile = profiles.load(str(own["profile"]))
        except profiles.ProfileError as error:
            raise SpecError(str(error)) from None
        flavour = own.get("flavour") or defaults.get("flavour")
        if flavour not in profile.flavours:
            if own.get("flavour"):
                raise SpecError("profile %s has no flavour %r; choose one of %s"
                                % (profile.name, flavour, ", ".join(profile.flavours)))
            flavour = profile.flavours[0]
        own["flavour"] = flavour
    elif own.get("flavour"):
        raise SpecError("'flavour' needs a 'profile'")
    spec = resolve(dict(own, name=entry.get("name", "?")), inherited)
    spec.update(protocol="ipmi", mockup=None, tls=False)
    return spec
