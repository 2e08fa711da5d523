"""Every synthetic lab BMC passes the DMTF Redfish Service Validator with zero failures.

The validator (`rf_service_validator`, PyPI redfish-service-validator) walks the whole
service from the root, checks every payload against the DMTF CSDL schemas and every link
target's type. It runs offline: `--skipschema` keeps it from downloading schemas, and
`--schema_directory` points at the schema files next to the repository.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lab import profiles, runner
from lab.testing import CSDL

COMBINATIONS = [(name, flavour) for name in profiles.names() for flavour in profiles.load(name).flavours]
SUMMARY = re.compile(r"\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|")


def find_validator() -> str | None:
    beside_python = Path(sys.executable).parent / "rf_service_validator"
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("rf_service_validator")


VALIDATOR = find_validator()

pytestmark = [
    pytest.mark.skipif(not CSDL.is_dir(), reason=f"DMTF CSDL schema folder {CSDL} is missing (expected next to the repository)"),
    pytest.mark.skipif(VALIDATOR is None, reason="rf_service_validator is not installed (pip install redfish-service-validator)"),
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    bmcs = [{"name": f"{p}-{f}", "profile": p, "flavour": f} for p, f in COMBINATIONS]
    factory = {"control_port": 0, "defaults": {"base_port": 0}, "bmcs": bmcs}
    with runner.running(factory, tmp_path_factory.mktemp("lab-validator")) as running_lab:
        yield running_lab


def run_validator(lab, name: str, report_dir: Path) -> dict:
    user, password = lab.credentials(name)
    completed = subprocess.run(
        [
            VALIDATOR,
            "--rhost", lab.url(name),
            "--user", user,
            "--password", password,
            "--authtype", "Session",
            "--schema_directory", str(CSDL),
            "--skipschema",
            "--logdir", str(report_dir),
            "--timeout", "30",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    logs = sorted(report_dir.glob("*/RedfishServiceValidatorDebug_*.log"))
    reports = sorted(report_dir.glob("*/RedfishServiceValidatorReport_*.html"))
    log_text = logs[-1].read_text(errors="replace") if logs else ""
    summary = SUMMARY.search(completed.stdout)
    return {
        "returncode": completed.returncode,
        "stdout": completed.stdout,
        "stderr": completed.stderr,
        "counts": dict(zip(("pass", "warn", "fail", "skip"), map(int, summary.groups()))) if summary else None,
        "failures": [line.split(" - ERROR - ", 1)[1] for line in log_text.splitlines() if " - ERROR - " in line],
        "critical": [line.split(" - CRITICAL - ", 1)[1] for line in log_text.splitlines() if " - CRITICAL - " in line],
        "validated": sum(1 for line in completed.stdout.splitlines() if line.startswith("Validating ")),
        "report": reports[-1] if reports else None,
    }


@pytest.mark.parametrize(("profile", "flavour"), COMBINATIONS)
def test_validator_zero_failures(lab, tmp_path, profile, flavour):
    result = run_validator(lab, f"{profile}-{flavour}", tmp_path / "reports")
    details = "\n".join(
        ["failures:", *result["failures"], "critical:", *result["critical"], "output:", result["stdout"][-3000:], result["stderr"][-2000:]]
    )
    print(f"{profile} ({flavour}): counts {result['counts']}, resources {result['validated']}, report {result['report']}")

    assert result["counts"] is not None, details
    assert result["report"] is not None, details
    assert result["counts"]["fail"] == 0, details
    assert result["failures"] == [], details
    assert result["critical"] == [], details
    assert result["returncode"] == 0, details
    # A service that could not be walked would pass with almost nothing checked.
    assert result["validated"] >= 30, details
    assert result["counts"]["pass"] >= 400, details
