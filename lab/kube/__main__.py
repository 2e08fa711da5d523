"""Command line for the lab API server: ``python -m lab.kube build|up|down|status``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kubernetes import config

from lab.kube.binaries import available, build, cache_root
from lab.kube.cluster import info_dict, start, status, stop
from lab.kube.customresources import LAB_CRDS_DIR, apply_crds
from lab.kube.errors import LabKubeError

DEFAULT_STATE_DIR = Path(__file__).resolve().parent.parent / ".run" / "kube"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lab.kube",
        description="Build and run a real kube-apiserver with etcd on 127.0.0.1 for the lab.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    build_cmd = commands.add_parser(
        "build", help="build kube-apiserver and etcd into the cache (no-op when cached)"
    )
    build_cmd.add_argument("--force", action="store_true", help="rebuild even when cached")
    build_cmd.add_argument("--check", action="store_true",
                           help="only report whether a build is possible here")

    for name, text in (("up", "start etcd and kube-apiserver"),
                       ("down", "stop them (SIGTERM, then SIGKILL after the timeout)"),
                       ("status", "print the recorded state and readiness as JSON")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR,
                         help=f"directory for PKI, kubeconfig, data and logs "
                              f"(default: {DEFAULT_STATE_DIR})")
        if name == "up":
            sub.add_argument("--apiserver-port", type=int, default=0,
                             help="kube-apiserver HTTPS port (default: a free port)")
            sub.add_argument("--etcd-port", type=int, default=0,
                             help="etcd client port (default: a free port)")
            sub.add_argument("--etcd-peer-port", type=int, default=0,
                             help="etcd peer port (default: a free port)")
            sub.add_argument("--keep-data", action="store_true",
                             help="reuse the etcd data of the previous start")
            sub.add_argument("--lab-crds", action="store_true",
                             help=f"apply the lab-only stand-in CRDs from {LAB_CRDS_DIR}")
            sub.add_argument("--crds", type=Path, action="append", default=[],
                             metavar="PATH", help="apply CRDs from this file or directory "
                                                  "(repeatable)")
            sub.add_argument("--timeout", type=float, default=120.0,
                             help="seconds to wait for readiness (default: 120)")
        if name == "down":
            sub.add_argument("--timeout", type=float, default=30.0,
                             help="seconds to wait after SIGTERM before SIGKILL (default: 30)")
    return parser


def _run_build(args: argparse.Namespace) -> int:
    if args.check:
        ok, reason = available()
        print(("available: " if ok else "unavailable: ") + reason)
        return 0 if ok else 1

    print(f"building kube-apiserver and etcd into {cache_root()} (a cold build takes minutes)",
          file=sys.stderr)
    result = build(force=args.force)
    state = "cached" if result.cached else f"built in {result.seconds:.0f} s"
    print(f"kube-apiserver {result.kubernetes_version}, etcd {result.etcd_version}: {state}, "
          f"{result.bin_dir}")
    return 0


def _run_up(args: argparse.Namespace) -> int:
    info = start(
        args.state_dir, apiserver_port=args.apiserver_port, etcd_port=args.etcd_port,
        etcd_peer_port=args.etcd_peer_port, keep_data=args.keep_data, timeout=args.timeout,
    )
    crd_paths = list(args.crds) + ([LAB_CRDS_DIR] if args.lab_crds else [])
    applied = []
    if crd_paths:
        api_client = config.new_client_from_config(config_file=info.kubeconfig)
        with api_client:
            applied = apply_crds(api_client, crd_paths)

    print(json.dumps({**info_dict(info), "crds_applied": len(applied)}, indent=2))
    print(f"export KUBECONFIG={info.kubeconfig}", file=sys.stderr)
    return 0


def _run_down(args: argparse.Namespace) -> int:
    if stop(args.state_dir, timeout=args.timeout):
        print(f"stopped the lab API server of {args.state_dir}")
    else:
        print(f"no lab API server recorded in {args.state_dir}")
    return 0


def _run_status(args: argparse.Namespace) -> int:
    result = status(args.state_dir)
    print(json.dumps(result, indent=2))
    return 0 if result["ready"] else 3


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {"build": _run_build, "up": _run_up, "down": _run_down, "status": _run_status}
    try:
        return handlers[args.command](args)
    except LabKubeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
