"""Hardware profiles of the lab: vendor-neutral descriptions of a machine.

A profile (`lab/profiles/<name>.yml`) lists a machine's CPUs, memory, GPUs, network
adapters, DPUs and disks, the vendor model names per flavour, and an `expected:` table of
what a correct introspection must find (counts and models). Flavours under `lab/flavours/`
render a profile into one vendor's Redfish resource tree.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

PROFILE_DIR = Path(__file__).resolve().parent

REQUIRED_KEYS = {"name", "kind", "description", "flavours", "system", "expected"}


class ProfileError(ValueError):
    """A profile file is missing or malformed."""


@dataclass(frozen=True)
class Profile:
    name: str
    data: dict

    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def flavours(self) -> list[str]:
        return list(self.data["flavours"])

    @property
    def expected(self) -> dict:
        return dict(self.data["expected"])

    def system_value(self, key: str, flavour: str):
        """Return a per-flavour system value (model, BIOS version, ...)."""
        value = self.data["system"][key]
        if isinstance(value, dict):
            return value[flavour]
        return value


def names() -> list[str]:
    return sorted(path.stem for path in PROFILE_DIR.glob("*.yml"))


@functools.lru_cache(maxsize=None)
def load(name: str) -> Profile:
    """Load the profile `name`, raising ProfileError with the known names when absent."""
    path = PROFILE_DIR / f"{name}.yml"
    if not path.is_file():
        raise ProfileError(f"unknown profile '{name}'; known profiles: {', '.join(names())}")
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ProfileError(f"profile {path} is not a YAML mapping")
    missing = REQUIRED_KEYS - set(data)
    if missing:
        raise ProfileError(f"profile {path} lacks {', '.join(sorted(missing))}")
    if data["name"] != name:
        raise ProfileError(f"profile {path} names itself '{data['name']}'; rename the file or the profile")
    return Profile(name=name, data=data)
