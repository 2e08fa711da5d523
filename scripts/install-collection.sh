#!/usr/bin/env bash
# Build the Galaxy artifact and install it into .build/demo-collections.
#
# Two ways of exposing the collection to Ansible are used in this repository, on purpose:
#   - the demo (`make demo`, `make collection`) installs the built tarball, exactly as a user
#     would with `ansible-galaxy collection install`, so build_ignore mistakes, missing files
#     and metadata errors show up there; scripts/run-demo.sh points ANSIBLE_COLLECTIONS_PATH
#     at this directory;
#   - the tests and hand-run playbooks use .build/collections (ansible.cfg's
#     collections_path), where tests/conftest.py links the source tree, so they always see
#     the current files without a rebuild.
# The two live in different directories because `install --force` replaces the target
# directory and must never meet the link to the repository.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VENV:-$repo_root/.venv}"
dist="$repo_root/.build/dist"
collections="$repo_root/.build/demo-collections"

cd "$repo_root"
rm -rf "$dist"
mkdir -p "$dist" "$collections"

"$venv/bin/ansible-galaxy" collection build --force --output-path "$dist" . >/dev/null
artifact="$(find "$dist" -maxdepth 1 -name 'aifactory-infra-*.tar.gz' -print -quit)"
if [[ -z "$artifact" ]]; then
    echo "install-collection: ansible-galaxy built no aifactory-infra-*.tar.gz in $dist" >&2
    exit 1
fi

# --offline: dependencies must already be installed locally, never fetched from Galaxy.
ANSIBLE_COLLECTIONS_PATH="$collections" \
    "$venv/bin/ansible-galaxy" collection install --offline --force -p "$collections" "$artifact" >/dev/null
echo "install-collection: installed $(basename "$artifact") into $collections"
