"""Run lab IPMI BMCs in the foreground: `python -m lab.ipmi CONFIG [--state-dir DIR]`.

CONFIG is a YAML or JSON file ``{defaults: {...}, bmcs: [...]}`` with the keys of
lab/ipmi/spec.py.  Once every UDP port is bound, one line of JSON with the endpoints goes
to standard output; SIGTERM or SIGINT stops the process.  `python -m lab up` starts the
IPMI BMCs of the factory file itself, so this entry point is for tests and experiments.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path

import yaml

from lab.ipmi.server import IpmiLab
from lab.ipmi.spec import SpecError, resolve_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.ipmi", description="Run lab IPMI BMCs on 127.0.0.1.")
    parser.add_argument("config", type=Path, help="YAML or JSON file with a 'bmcs' list")
    parser.add_argument("--state-dir", type=Path, help="write ipmi-<name>.json state files here")
    parser.add_argument("--debug", action="store_true", help="log every state change")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the process that started this one ends (for test fixtures)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO if args.debug else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        specs = resolve_all(yaml.safe_load(args.config.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, SpecError) as error:
        print("lab.ipmi: %s" % error, file=sys.stderr)
        return 2
    if args.state_dir:
        args.state_dir.mkdir(parents=True, exist_ok=True)

    try:
        lab = IpmiLab(specs, args.state_dir)
    except OSError as error:
        print("lab.ipmi: cannot bind a UDP port: %s" % error, file=sys.stderr)
        return 2

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(json.dumps({"endpoints": lab.endpoints()}), flush=True)
    lab.serve_forever(parent_pid=os.getppid() if args.exit_with_parent else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
