"""The lab's background process: one asyncio loop serving every BMC and the control API.

Started by `lab.runner` as `python -m lab.daemon --factory <resolved.json> --state-dir DIR`.
It binds one socket per BMC on 127.0.0.1, writes `endpoints.json` and `lab.json` when all
of them listen, and stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import signal
import socket
import ssl
import sys
import time
from pathlib import Path

from aiohttp import web

from lab import certs, flavours, profiles
from lab.control import ControlApi
from lab.factory import Factory
from lab.redfish import mockup
from lab.redfish.behaviours import DEFAULT_BEHAVIOURS, build_behaviours
from lab.redfish.service import Bmc

log = logging.getLogger("lab.daemon")

HOST = "127.0.0.1"
# Seconds a stopping server waits for open requests (a `timeout` fault keeps one open
# for a day) before cancelling them.
SHUTDOWN_GRACE_S = 1.0


def _merge_behaviours(*layers: dict) -> dict:
    """Merge behaviour selections; later layers win, option mappings merge key by key."""
    result: dict = {}
    for layer in layers:
        for name, options in layer.items():
            if isinstance(options, dict) and isinstance(result.get(name), dict):
                result[name] = {**result[name], **options}
            else:
                result[name] = options
    return result


def build_bmc(spec: dict) -> Bmc:
    """Build one emulated BMC (store, behaviours, faults) from its resolved factory spec."""
    if spec["mockup"]:
        store, defaults = mockup.load(Path(spec["mockup"]))
        selection = _merge_behaviours(defaults, spec["behaviours"])
    else:
        profile = profiles.load(spec["profile"])
        store, defaults = flavours.render(profile, spec["flavour"], spec)
        selection = _merge_behaviours(DEFAULT_BEHAVIOURS, defaults, spec["behaviours"])
    return Bmc(spec, store, build_behaviours(selection))


def endpoint_record(spec: dict) -> dict:
    scheme = "https" if spec["tls"] else "http"
    return {
        "name": spec["name"],
        "url": f"{scheme}://{HOST}:{spec['port']}",
        "protocol": spec["protocol"],
        "profile": spec["profile"],
        "flavour": spec["flavour"],
        "mockup": spec["mockup"],
        "port": spec["port"],
        "tls": spec["tls"],
    }


def _start_ipmi(specs: list[dict], state_dir: Path):
    """Bind and serve the IPMI BMCs; return their lab.ipmi.server.IpmiLab, or None on error."""
    # Imported here so that a lab without IPMI BMCs does not need pyghmi.
    from lab.ipmi.server import IpmiLab

    try:
        return IpmiLab(specs, state_dir).start()
    except OSError as error:
        log.error("IPMI BMCs: cannot bind a UDP port on %s: %s; free the port or change it in the factory", HOST, error)
        return None


def _listen(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(256)
    sock.setblocking(False)
    return sock


def _write_json(path: Path, data) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


def _raise_file_limit() -> None:
    # Every BMC keeps a listening socket plus its client connections.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def serve(factory: Factory, state_dir: Path) -> int:
    started = time.monotonic()
    files = certs.ensure_certificates(state_dir)
    tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_context.load_cert_chain(files.server, files.server_key)

    # IPMI BMCs (UDP, pyghmi) run in a thread of their own; see _start_ipmi.
    redfish_specs = [spec for spec in factory.bmcs if spec["protocol"] != "ipmi"]
    ipmi_specs = [spec for spec in factory.bmcs if spec["protocol"] == "ipmi"]

    bmcs: dict[str, Bmc] = {}
    for spec in redfish_specs:
        try:
            bmcs[spec["name"]] = build_bmc(spec)
        except (OSError, ValueError) as error:
            # ValueError covers unreadable profiles and mockups (ProfileError, MockupError).
            log.error("BMC %s: cannot build its resource tree: %s", spec["name"], error)
            return 1
    log.info("built %d BMCs in %.2fs", len(bmcs), time.monotonic() - started)

    runners: list[web.BaseRunner] = []
    endpoints = []
    ipmi_lab = None
    try:
        for spec in redfish_specs:
            try:
                sock = _listen(spec["port"])
            except OSError as error:
                log.error("BMC %s: cannot listen on %s:%s: %s; free the port or change it in the factory", spec["name"], HOST, spec["port"], error)
                return 1
            spec = dict(spec, port=sock.getsockname()[1])
            bmc = bmcs[spec["name"]]
            runner = web.ServerRunner(web.Server(bmc.handle), shutdown_timeout=SHUTDOWN_GRACE_S, handle_signals=False)
            await runner.setup()
            runners.append(runner)
            await web.SockSite(runner, sock, ssl_context=tls_context if spec["tls"] else None).start()
            endpoints.append(endpoint_record(spec))

        if ipmi_specs:
            ipmi_lab = _start_ipmi(ipmi_specs, state_dir)
            if ipmi_lab is None:
                return 1
            endpoints += ipmi_lab.endpoints()

        try:
            control_sock = _listen(factory.control_port)
        except OSError as error:
            log.error("control API: cannot listen on %s:%s: %s; set control_port in the factory", HOST, factory.control_port, error)
            return 1
        control_runner = web.AppRunner(ControlApi(bmcs, endpoints).app(), shutdown_timeout=SHUTDOWN_GRACE_S, handle_signals=False, access_log=None)
        await control_runner.setup()
        runners.append(control_runner)
        await web.SockSite(control_runner, control_sock).start()
        control_url = f"http://{HOST}:{control_sock.getsockname()[1]}"

        _write_json(state_dir / "endpoints.json", endpoints)
        _write_json(
            state_dir / "lab.json",
            {
                "pid": os.getpid(),
                "factory": factory.source,
                "control_url": control_url,
                "ca": str(files.ca),
                "bmcs": len(endpoints),
            },
        )
        log.info("serving %d BMCs, control API at %s, ready in %.2fs", len(endpoints), control_url, time.monotonic() - started)

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        log.info("stopping")
        return 0
    finally:
        if ipmi_lab is not None:
            ipmi_lab.stop()
        for runner in runners:
            await runner.cleanup()
        for name in ("endpoints.json", "lab.json"):
            (state_dir / name).unlink(missing_ok=True)
        log.info("stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.daemon", description="Serve the lab's emulated BMCs (started by `python -m lab up`).")
    parser.add_argument("--factory", required=True, type=Path, help="resolved factory JSON written by the runner")
    parser.add_argument("--state-dir", required=True, type=Path, help="directory for endpoints.json, lab.json and the TLS files")
    parser.add_argument("--debug", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.debug:
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    _raise_file_limit()
    factory = Factory.from_json(args.factory.read_text(encoding="utf-8"))
    return asyncio.run(serve(factory, args.state_dir))


if __name__ == "__main__":
    sys.exit(main())
