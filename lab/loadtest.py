"""Load test of the lab daemon: is the emulator or the client the bottleneck?

    python -m lab.loadtest --bmcs 200 --latency-ms 50 --threads 64

Starts a lab of identical BMCs and walks each one from a thread pool the way an inventory
does: root, system, processors, memory, interfaces, chassis and adapters, about 30
requests per BMC. It prints the request rate and the CPU seconds the daemon and the client
used. The daemon is not the bottleneck while its CPU time stays well below the client's.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from lab import runner


def _daemon_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _walk(lab: runner.Lab, endpoint: dict, local: threading.local) -> int:
    if not hasattr(local, "session"):
        local.session = requests.Session()
        local.session.trust_env = False
    session = local.session
    auth = lab.credentials(endpoint["name"])
    count = 0

    def get(path: str) -> dict:
        nonlocal count
        response = session.get(endpoint["url"] + path, auth=auth, verify=str(lab.ca), timeout=60)
        count += 1
        response.raise_for_status()
        return response.json()

    get("/redfish/v1")
    for member in get("/redfish/v1/Systems")["Members"][:1]:
        system = get(member["@odata.id"])
        for collection in ("Processors", "Memory", "EthernetInterfaces"):
            for item in get(system[collection]["@odata.id"])["Members"][:8]:
                get(item["@odata.id"])
    for member in get("/redfish/v1/Chassis")["Members"][:1]:
        chassis = get(member["@odata.id"])
        for adapter in get(chassis["NetworkAdapters"]["@odata.id"])["Members"][:4]:
            get(adapter["@odata.id"])
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bmcs", type=int, default=200, help="number of BMCs (default: 200)")
    parser.add_argument("--latency-ms", type=float, default=50, help="latency added by each BMC, in ms (default: 50)")
    parser.add_argument("--threads", type=int, default=64, help="client threads (default: 64)")
    parser.add_argument("--profile", default="hgx-h100", help="hardware profile (default: hgx-h100)")
    parser.add_argument("--flavour", default="dell", help="vendor flavour (default: dell)")
    args = parser.parse_args(argv)

    factory = {
        "control_port": 0,
        "defaults": {"base_port": 0, "latency_ms": args.latency_ms},
        "bmcs": [{"name": "load-{index:04d}", "count": args.bmcs, "profile": args.profile, "flavour": args.flavour}],
    }
    with tempfile.TemporaryDirectory(prefix="lab-loadtest-") as state_dir:
        started = time.monotonic()
        with runner.running(factory, state_dir) as lab:
            start_seconds = time.monotonic() - started
            daemon_before = _daemon_cpu_seconds(lab.pid)
            client_before = os.times()
            local = threading.local()

            walk_started = time.monotonic()
            with ThreadPoolExecutor(args.threads) as pool:
                counts = list(pool.map(lambda endpoint: _walk(lab, endpoint, local), lab.endpoints))
            elapsed = time.monotonic() - walk_started

            daemon_seconds = _daemon_cpu_seconds(lab.pid) - daemon_before
            client_after = os.times()
            client_seconds = (client_after.user - client_before.user) + (client_after.system - client_before.system)

    total = sum(counts)
    # With enough threads, latency alone limits each thread to 1000/latency requests per second.
    latency_bound = args.threads * 1000 / args.latency_ms if args.latency_ms else float("inf")
    print(f"BMCs                 {args.bmcs} ({args.profile}, {args.flavour}), latency {args.latency_ms:g} ms, {args.threads} client threads")
    print(f"lab start            {start_seconds:.2f} s")
    print(f"requests             {total} ({total / len(counts):.0f} per BMC) in {elapsed:.2f} s = {total / elapsed:.0f} requests/s")
    print(f"latency-bound limit  {latency_bound:.0f} requests/s")
    print(f"daemon CPU           {daemon_seconds:.2f} s ({1000 * daemon_seconds / total:.2f} ms per request)")
    print(f"client CPU           {client_seconds:.2f} s ({1000 * client_seconds / total:.2f} ms per request)")
    print(f"machine              {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
