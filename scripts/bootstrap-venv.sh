#!/usr/bin/env bash
# Create or refresh the development virtual environment .venv at the repository root, and
# link the source tree into .build/collections for playbooks run from the repository.
#
# The venv is rebuilt only when the requirements change: a stamp file inside .venv records
# a SHA-256 of requirements.txt, requirements-dev.txt and this script, so a second run with
# unchanged files returns in well under a second.
#
# Environment:
#   PYTHON  interpreter used to create the venv (default: the first of python3.11 on PATH,
#           /usr/bin/python3.11 and /usr/local/bin/python3.11 that starts)
#   VENV    venv directory (default: <repo>/.venv)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VENV:-$repo_root/.venv}"
stamp="$venv/.requirements.sha256"

cd "$repo_root"

# Playbooks run from the repository root find the collection through ansible.cfg's
# collections_path (.build/collections); link the source tree there, as tests/conftest.py
# does for the tests. Cheap, so it runs even when the venv is up to date.
link_collection() {
    local link="$repo_root/.build/collections/ansible_collections/aifactory/infra"
    if [[ -L "$link" && "$(readlink -f "$link")" == "$repo_root" ]]; then
        return
    fi
    rm -rf "$link"
    mkdir -p "$(dirname "$link")"
    ln -s "$repo_root" "$link"
}
link_collection

want_hash="$(cat requirements.txt requirements-dev.txt scripts/bootstrap-venv.sh | sha256sum | cut -d' ' -f1)"

# A venv counts as up to date only when its interpreter still starts: a venv whose base
# Python was removed or upgraded must be rebuilt, not reused.
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want_hash" ]] && "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    echo "bootstrap-venv: $venv is up to date"
    exit 0
fi

# pyenv and similar tools install shims that exist on PATH but fail when the version they
# point at is not active, so each candidate is started once instead of trusting `command -v`.
python_minor() {
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

if [[ -n "${PYTHON:-}" ]]; then
    candidates=("$PYTHON")
else
    candidates=(python3.11 /usr/bin/python3.11 /usr/local/bin/python3.11)
fi

python=""
for candidate in "${candidates[@]}"; do
    if [[ "$(python_minor "$candidate")" == "3.11" ]]; then
        python="$candidate"
        break
    fi
done
if [[ -z "$python" ]]; then
    echo "bootstrap-venv: no working Python 3.11 found (tried: ${candidates[*]}); install Python 3.11 or set PYTHON=/path/to/python3.11" >&2
    exit 1
fi

if ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    echo "bootstrap-venv: creating $venv with $("$python" -c 'import sys; print(sys.executable)')"
    rm -rf "$venv"
    "$python" -m venv "$venv"
fi

echo "bootstrap-venv: installing requirements-dev.txt into $venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

echo "$want_hash" > "$stamp"
# Read the whole output: `| head -n1` would close the pipe early and break ansible's print.
ansible_version="$("$venv/bin/ansible" --version)"
echo "bootstrap-venv: $venv is ready (${ansible_version%%$'\n'*})"
