#!/usr/bin/env python
"""Print a short summary of the demo's JSON report.

Usage: summarise-report.py PATH [--strict]

PATH is a report file or a directory of ``*.json`` reports. The report format belongs to the
playbooks that write it, so this summary reads it generically: a ``summary`` mapping is
printed in full, every other top-level key as its value or its size. A missing or
unreadable report is printed as such and exits 0, so that the demo still stops the lab
and shows the play's own result; ``--strict`` turns both cases into exit code 1.
"""

import argparse
import json
import pathlib
import sys


def describe(value):
    """Return a one-line description of a report value."""
    if isinstance(value, list):
        return f"{len(value)} item(s)"
    if isinstance(value, dict):
        return f"{len(value)} entr{'y' if len(value) == 1 else 'ies'}"
    return json.dumps(value)


def summarise(path):
    """Print the summary of one report file; return False when it cannot be read."""
    print(f"report: {path}")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"  cannot read the report: {exc}")
        return False

    if not isinstance(report, dict):
        print(f"  top level is a {type(report).__name__} of {describe(report)}")
        return True

    summary = report.get("summary")
    if isinstance(summary, dict):
        for key, value in summary.items():
            print(f"  summary.{key}: {describe(value)}")

    # The discovery report lists hosts; name the ones an operator has to look at.
    hosts = report.get("hosts") if isinstance(report.get("hosts"), list) else []
    for host in hosts:
        if not isinstance(host, dict) or host.get("status") not in ("mismatch", "unreachable"):
            continue
        reasons = [m.get("message") for m in host.get("mismatches") or [] if isinstance(m, dict)]
        reason = "; ".join(filter(None, reasons)) or host.get("error") or ""
        print(f"  {host.get('host')}: {host.get('status')}: {reason}")
    markdown = path.with_suffix(".md")
    if markdown.is_file():
        print(f"  readable report: {markdown}")

    for key, value in report.items():
        if key == "summary" and isinstance(value, dict):
            continue
        print(f"  {key}: {describe(value)}")
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=pathlib.Path, help="report file or directory of *.json reports")
    parser.add_argument("--strict", action="store_true", help="exit 1 when no readable report is found")
    args = parser.parse_args()

    if args.path.is_dir():
        reports = sorted(args.path.glob("*.json"))
    elif args.path.is_file():
        reports = [args.path]
    else:
        reports = []

    if not reports:
        print(f"report: no JSON report found at {args.path}")
        return 1 if args.strict else 0

    readable = [summarise(path) for path in reports]
    if args.strict and not all(readable):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
