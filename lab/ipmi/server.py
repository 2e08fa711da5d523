"""Serving several lab IPMI BMCs from one process.

pyghmi keeps one event loop per process for every IPMI socket, so all BMCs share it: each
``LabBmc`` binds its UDP port when it is created, and one thread runs the loop.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from pyghmi.ipmi.private import session as pyghmi_session

from lab.ipmi.bmc import LabBmc

LOG = logging.getLogger("lab.ipmi")

# Seconds one pass of the loop waits for packets before it applies due state changes.
POLL_SECONDS = 0.5


class IpmiLab:
    """The lab's IPMI BMCs; ``start`` runs the event loop in a daemon thread."""

    def __init__(self, specs: list[dict], state_dir: Path | None = None) -> None:
        self.bmcs = [LabBmc(spec, state_dir) for spec in specs]
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def endpoints(self) -> list[dict]:
        # The keys of the daemon's endpoints.json, so `python -m lab status` lists both kinds.
        return [{"name": bmc.name, "url": "ipmi://%s:%d" % (bmc.spec["address"], bmc.port), "protocol": "ipmi",
                 "profile": bmc.spec.get("profile"), "flavour": bmc.spec.get("flavour"), "mockup": None,
                 "port": bmc.port, "tls": False} for bmc in self.bmcs]

    def bmc(self, name: str) -> LabBmc:
        for bmc in self.bmcs:
            if bmc.name == name:
                return bmc
        raise KeyError("no IPMI BMC named %r" % name)

    def serve_forever(self, parent_pid: int | None = None) -> None:
        """Serve until stop(), or until the process ``parent_pid`` is gone (when given)."""
        for bmc in self.bmcs:
            bmc.log("listening")
        while not self._stopping.is_set():
            if parent_pid is not None and os.getppid() != parent_pid:
                LOG.warning("the parent process %d is gone; stopping", parent_pid)
                return
            pyghmi_session.Session.wait_for_rsp(timeout=POLL_SECONDS)
            # Expiries and delayed power changes also apply without requests, so the
            # state files stay current.
            for bmc in self.bmcs:
                before = bmc.state()
                bmc.advance()
                if bmc.state() != before:
                    bmc.save_state()

    def start(self) -> "IpmiLab":
        self._thread = threading.Thread(target=self.serve_forever, name="lab-ipmi", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the loop; the UDP ports stay bound until the process exits (pyghmi keeps them)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
