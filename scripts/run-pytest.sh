#!/usr/bin/env bash
# Run one pytest group: scripts/run-pytest.sh GROUP DIRECTORY [PYTEST ARGS...]
#
# A group with no tests yet is not a failure: pytest exits 5 when it collects nothing, and
# git does not keep an empty directory, so a fresh clone may not have DIRECTORY at all. Both
# cases print why and exit 0. The JUnit XML result goes to .build/test-results/GROUP.xml,
# where scripts/run-tests.sh adds up the counts for its closing line.
set -uo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 GROUP DIRECTORY [PYTEST ARGS...]" >&2
    exit 2
fi

group="$1"
directory="$2"
shift 2

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
results="$repo_root/.build/test-results"
cd "$repo_root" || exit
mkdir -p "$results"
rm -f "$results/$group.xml"

if [[ ! -d "$directory" ]]; then
    echo "$group: $directory does not exist; no tests to run in this group"
    exit 0
fi

python -m pytest "$directory" --junitxml="$results/$group.xml" -o junit_family=xunit2 "$@"
rc=$?

if [[ $rc -eq 5 ]]; then
    echo "$group: pytest collected no tests in $directory (exit code 5); the group passes while it is empty"
    exit 0
fi
exit $rc
