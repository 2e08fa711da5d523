#!/usr/bin/env bash
# Run the demo: start the lab, run playbooks/site.yml against inventories/lab with the
# collection artifact that scripts/install-collection.sh installed in .build/demo-collections,
# summarise the report, and stop the lab whatever happened.
#
# Expects `make venv collection` to have run (the Makefile target does that).
# Environment: REPORT_DIR (default: <repo>/report), where the playbooks write the report.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VENV:-$repo_root/.venv}"
report_dir="${REPORT_DIR:-$repo_root/report}"

cd "$repo_root"
export PATH="$venv/bin:$PATH"
export ANSIBLE_CONFIG="$repo_root/ansible.cfg"
export ANSIBLE_COLLECTIONS_PATH="$repo_root/.build/demo-collections"

# shellcheck disable=SC2317  # shellcheck does not see calls through the EXIT trap
stop_lab() {
    echo "demo: stopping the lab"
    python -m lab down || echo "demo: 'python -m lab down' failed; check 'python -m lab status'" >&2
}

echo "demo: starting the lab"
trap stop_lab EXIT
python -m lab up

playbook_rc=0
ansible-playbook -i inventories/lab playbooks/site.yml || playbook_rc=$?

# The summary runs after a failed play too: a partial report is what explains the failure.
echo
echo "demo: report directory: $report_dir"
python scripts/summarise-report.py "$report_dir"

if [[ $playbook_rc -ne 0 ]]; then
    echo "demo: ansible-playbook failed (exit $playbook_rc)" >&2
    exit "$playbook_rc"
fi

# Every lab BMC answers, so an unreachable one means the demo itself is broken.
unreachable="$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["unreachable"])' \
    "$report_dir/report.json")"
if [[ "$unreachable" != "0" ]]; then
    echo "demo: $unreachable lab BMC(s) could not be read; see $report_dir/report.md" >&2
    exit 1
fi
