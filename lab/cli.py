"""Command line of the lab: `python -m lab up|down|status` (run from the repository root)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lab import runner
from lab.factory import FactoryError

EXIT_NOT_RUNNING = 3  # LSB convention for "program is not running"


def _kind(endpoint: dict) -> str:
    if endpoint.get("protocol") == "ipmi":
        return f"IPMI {endpoint['profile']} ({endpoint['flavour']})" if endpoint.get("profile") else "IPMI"
    if endpoint.get("mockup"):
        return f"mockup {Path(endpoint['mockup']).name}"
    return f"{endpoint['profile']} ({endpoint['flavour']})"


def _table(endpoints: list[dict], counts: dict | None = None) -> str:
    rows = [("NAME", "URL", "KIND") + (("REQUESTS",) if counts is not None else ())]
    for endpoint in endpoints:
        row = (endpoint["name"], endpoint["url"], _kind(endpoint))
        if counts is not None:
            row += (str(counts.get(endpoint["name"], "")),)
        rows.append(row)
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def cmd_up(args) -> int:
    existing = runner.find(args.state_dir)
    if existing is not None:
        print(f"lab already running (pid {existing.pid}, {len(existing.endpoints)} BMCs, state in {args.state_dir}); `python -m lab status` lists them")
        return 0
    try:
        lab = runner.start(args.factory, args.state_dir, timeout=args.timeout, debug=args.debug)
    except (FactoryError, runner.LabError) as error:
        print(f"lab: {error}", file=sys.stderr)
        return 2
    print(_table(lab.endpoints))
    print()
    print(f"lab running: pid {lab.pid}, {len(lab.endpoints)} BMCs, control API {lab.control_url}")
    print(f"CA certificate: {lab.ca}   log: {Path(args.state_dir) / runner.LOG_FILE}")
    return 0


def cmd_down(args) -> int:
    if runner.stop(args.state_dir, timeout=args.timeout):
        print(f"lab stopped (state in {args.state_dir})")
    else:
        print(f"lab is not running (no live daemon for {args.state_dir})")
    return 0


def cmd_status(args) -> int:
    lab = runner.find(args.state_dir)
    if lab is None:
        print(f"lab is not running (no live daemon for {args.state_dir})")
        return EXIT_NOT_RUNNING
    counts = None
    if lab.control_url:
        try:
            counts = lab.control("GET", "/lab/v1/requests", timeout=5)
        except (runner.LabError, OSError):
            counts = None
    print(_table(lab.endpoints, counts))
    print()
    print(f"lab running: pid {lab.pid}, {len(lab.endpoints)} BMCs, control API {lab.control_url or '(starting)'}")
    return 0


def _add_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    def default(value):
        return argparse.SUPPRESS if suppress else value

    parser.add_argument("-f", "--factory", type=Path, default=default(runner.DEFAULT_FACTORY), help="factory YAML file (default: lab/factory.yml)")
    parser.add_argument("--state-dir", type=Path, default=default(runner.DEFAULT_STATE_DIR), help="directory for the PID file, log, endpoints.json and TLS files (default: lab/.run)")
    parser.add_argument("--timeout", type=float, default=default(120.0), help="seconds to wait for the daemon to start or stop (default: 120)")
    parser.add_argument("--debug", action="store_true", default=default(False), help="log every request to lab.log")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lab",
        description="Run the local AI factory emulator: emulated Redfish BMCs on 127.0.0.1.",
    )
    _add_options(parser, suppress=False)
    # The options work before or after the command: `python -m lab up -f my.yml`.
    options = argparse.ArgumentParser(add_help=False)
    _add_options(options, suppress=True)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", parents=[options], help="start the lab in the background and list its BMCs").set_defaults(func=cmd_up)
    commands.add_parser("down", parents=[options], help="stop the lab").set_defaults(func=cmd_down)
    commands.add_parser("status", parents=[options], help="list the running BMCs and their request counts").set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
