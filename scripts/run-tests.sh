#!/usr/bin/env bash
# Run test groups in order through make: scripts/run-tests.sh unit integration sanity lint
#
# Stops at the first group that fails and names it. Ends with a table of the groups with
# their durations and, as the last line, the pytest totals of the groups that ran, read
# from the JUnit XML files that scripts/run-pytest.sh writes.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
results="$repo_root/.build/test-results"
cd "$repo_root" || exit
rm -rf "$results"

summary=()
failed_group=""
failed_rc=0

for group in "$@"; do
    echo
    echo "==> make $group"
    started=$SECONDS
    make --no-print-directory "$group"
    rc=$?
    elapsed=$((SECONDS - started))

    if [[ $rc -ne 0 ]]; then
        summary+=("$(printf '%-12s FAILED (exit %d) %5ds' "$group" "$rc" "$elapsed")")
        failed_group="$group"
        failed_rc=$rc
        break
    fi
    summary+=("$(printf '%-12s ok             %5ds' "$group" "$elapsed")")
done

echo
echo "==> make test summary"
printf '%s\n' "${summary[@]}"

if [[ -n "$failed_group" ]]; then
    not_run=()
    seen=0
    for group in "$@"; do
        [[ $seen -eq 1 ]] && not_run+=("$group")
        [[ "$group" == "$failed_group" ]] && seen=1
    done
    echo "make test: group '$failed_group' failed (exit $failed_rc); not run: ${not_run[*]:-none}"
else
    echo "make test: all groups passed ($*)"
fi

# The pytest totals come last, as the closing line of the run.
python - "$results" <<'EOF'
"""Print the pytest totals over the JUnit XML files of this run."""
import pathlib
import sys
import xml.etree.ElementTree as ET

counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.xml")):
    for suite in ET.parse(path).getroot().iter("testsuite"):
        for key in counts:
            counts[key] += int(suite.get(key, 0))

failed = counts["failures"] + counts["errors"]
passed = counts["tests"] - failed - counts["skipped"]
print(f"pytest: {passed} passed, {failed} failed, {counts['skipped']} skipped")
EOF

if [[ -n "$failed_group" ]]; then
    exit "$failed_rc"
fi
