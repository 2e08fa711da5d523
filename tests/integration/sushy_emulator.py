"""sushy-tools' sushy-emulator as an independent Redfish implementation for the module tests.

Two drivers need no daemon. The fake driver serves power, boot, virtual media and secure
boot, and lands power changes 1 to 11 seconds late. The libvirt driver on libvirt's
in-process test hypervisor ``test:///default`` serves power, boot and BIOS, applied at once,
and needs the libvirt-python binding.
"""

import json
import urllib.request
from contextlib import contextmanager

import pytest

from helpers import BIN, BackgroundServer, free_port

LIBVIRT_HINT = ("libvirt-python is not installed; on Debian install libvirt-dev, pkg-config and gcc, "
                "then pip install libvirt-python into the venv")


def require_libvirt():
    """Skip the calling test when the libvirt binding is missing."""
    try:
        import libvirt  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        pytest.skip(LIBVIRT_HINT)


@contextmanager
def sushy_emulator(workdir, driver):
    """Start sushy-emulator with ``driver`` (``fake`` or ``libvirt``); yield ``(url, system_id)``."""
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    # sushy-emulator keeps the fake driver's systems and the virtual media in SQLite files
    # under a state directory, by default one shared by every run in the system's temporary
    # directory; each test gets its own so that it starts from the emulator's initial state.
    settings = ["SUSHY_EMULATOR_STATE_DIR = %r" % str(workdir / ("sushy-%s-state" % driver))]
    argv = [str(BIN / "sushy-emulator"), "-i", "127.0.0.1", "-p", str(port)]
    if driver == "fake":
        argv.append("--fake")
    else:
        require_libvirt()
        settings.append("SUSHY_EMULATOR_LIBVIRT_URI = 'test:///default'")
    config = workdir / ("sushy-%s.conf" % driver)
    config.write_text("\n".join(settings) + "\n", encoding="utf-8")
    argv += ["--config", str(config)]
    with BackgroundServer(argv, url + "/redfish/v1/", workdir / ("sushy-%s.log" % driver)):
        with urllib.request.urlopen(url + "/redfish/v1/Systems", timeout=10) as response:
            members = json.load(response)["Members"]
        yield url, members[0]["@odata.id"].rstrip("/").rsplit("/", 1)[-1]


def connection(url, system_id=None):
    """Return the connection options of the redfish modules for an emulator at ``url``."""
    options = {"baseurl": url, "username": "admin", "password": "sushy-password", "timeout": 15,
               "retries": 2}
    if system_id:
        options["system_id"] = system_id
    return options
