"""sushy-tools' sushy-emulator as an independent Redfish implementation for the module tests.

Two drivers need no daemon. The fake driver serves power, boot, virtual media and secure
boot, and lands power changes 1 to 11 seconds late. The libvirt driver on libvirt's
in-process test hypervisor ``test:///default`` serves power, boot and BIOS, applied at once,
and needs the libvirt-python binding.
"""

import json
import os
import subprocess
import sys
import urllib.request
from contextlib import contextmanager

import pytest

from helpers import BIN, REPO, BackgroundServer, free_port


def require_libvirt():
    """Install the libvirt binding when it is missing (CI runs as root on a fresh machine).

    With AIFACTORY_SKIP_LIBVIRT set, a missing binding skips the test instead.
    """
    probe = subprocess.run([sys.executable, "-c", "import libvirt"], capture_output=True, check=False)
    if probe.returncode == 0:
        return
    if os.environ.get("AIFACTORY_SKIP_LIBVIRT"):
        pytest.skip("libvirt-python is not installed and AIFACTORY_SKIP_LIBVIRT is set")
    completed = subprocess.run([str(REPO / "scripts" / "install-libvirt-python.sh"), sys.executable],
                               capture_output=True, text=True, timeout=900, check=False)
    if completed.returncode != 0:
        pytest.fail("libvirt-python is needed and could not be installed:\n%s%s"
                    % (completed.stdout, completed.stderr))


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
