"""Vendor flavours: how one vendor's BMC presents a hardware profile in Redfish.

- `dell`: iDRAC 9 ids and OEM sections, GPUs as Processors and PCIe devices, `$expand`.
- `supermicro`: AMI MegaRAC ids, GPUs only as PCIe devices, no `$expand`.
- `nvidia`: OpenBMC (DGX/HGX) ids, SXM GPUs on an `HGX_Baseboard_0` system, `$expand`.
- `bluefield`: the BMC of a BlueField-3 DPU (only for DPU profiles).
"""

from __future__ import annotations

from lab.flavours import bluefield, dell, nvidia, supermicro
from lab.profiles import Profile
from lab.redfish.store import ResourceStore

FLAVOURS = {
    "dell": dell.render,
    "supermicro": supermicro.render,
    "nvidia": nvidia.render,
    "bluefield": bluefield.render,
}


def render(profile: Profile, flavour: str, spec: dict) -> tuple[ResourceStore, dict]:
    """Render `profile` in `flavour`; return the store and the flavour's default behaviours."""
    if flavour not in profile.flavours:
        raise ValueError(
            f"profile {profile.name} has no flavour '{flavour}'; choose one of {', '.join(profile.flavours)}"
        )
    renderer = FLAVOURS[flavour](profile, spec)
    store = renderer.render()
    return store, dict(renderer.default_behaviours)
