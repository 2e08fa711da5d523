#!/usr/bin/env bash
# Run `ansible-test sanity` on the collection.
#
# ansible-test only works from a directory laid out as .../ansible_collections/NAMESPACE/NAME,
# and the repository root is the collection root, so this script copies the files in the git
# index (committed or staged: `git add` a new file to have it checked) to
# .build/sanity/ansible_collections/aifactory/infra and runs ansible-test there, as a CI
# run on a fresh clone would. The copy is rebuilt on every run so that deleted files do not
# linger.
#
# ansible-test --venv creates one virtual environment per sanity test and installs that
# test's pinned requirements from PyPI. Before installing, it bootstraps pip into each empty
# venv with a get-pip script that it downloads from an Ansible CI host, which this machine
# cannot reach. ansible-test looks for that script in its cache first
# (~/.ansible/test/cache/get_pip_<version>.py), so the script below places an equivalent one
# there, built on a pip wheel downloaded from PyPI.
#
# Extra arguments are passed to ansible-test, e.g. `scripts/run-sanity.sh --test pep8`.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VENV:-$repo_root/.venv}"
python="$venv/bin/python"
build_dir="$repo_root/.build"
collection_copy="$build_dir/sanity/ansible_collections/aifactory/infra"

if [[ ! -x "$python" ]]; then
    echo "run-sanity: $python not found; run 'make venv' first" >&2
    exit 1
fi

# 1. shellcheck, which the shellcheck sanity test needs and ansible-test does not install;
#    without it that test is skipped with only a warning.
if ! command -v shellcheck >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "run-sanity: installing shellcheck with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
    else
        echo "run-sanity: shellcheck is not installed; install it (Debian/Ubuntu: apt-get install shellcheck)" >&2
        exit 1
    fi
fi

# 2. The pip bootstrap script ansible-test would otherwise download.
pip_version="$("$python" - <<'EOF'
import types

from ansible_test._internal.python_requirements import get_venv_packages

print(get_venv_packages(types.SimpleNamespace(version="3.11"))["pip"])
EOF
)"
cache_dir="$HOME/.ansible/test/cache"
get_pip="$cache_dir/get_pip_${pip_version//./_}.py"
wheel_name="pip-${pip_version}-py3-none-any.whl"

if [[ ! -f "$get_pip" ]]; then
    mkdir -p "$cache_dir" "$build_dir/pip-bootstrap"
    if [[ ! -f "$build_dir/pip-bootstrap/$wheel_name" ]]; then
        "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
            --dest "$build_dir/pip-bootstrap" "pip==$pip_version"
    fi
    cp "$build_dir/pip-bootstrap/$wheel_name" "$cache_dir/$wheel_name"

    # ansible-test runs this file as __main__ with the arguments it would give the official
    # get-pip.py: pip options and requirements, plus --no-setuptools/--no-wheel.
    cat > "$get_pip.tmp" <<EOF
"""Install pip $pip_version into the running Python from the wheel stored beside this file.

Written by aifactory.infra's scripts/run-sanity.sh in place of the get-pip script that
ansible-test downloads, for machines that reach PyPI but not Ansible's CI file host.
"""
import os
import sys

WHEEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "$wheel_name")

# pip can run directly from its wheel: put the wheel first on the import path.
sys.path.insert(0, WHEEL)

from pip._internal.cli.main import main  # noqa: E402

arguments = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--upgrade", "--force-reinstall"] + arguments))
EOF
    mv "$get_pip.tmp" "$get_pip"
    echo "run-sanity: placed a pip $pip_version bootstrap script at $get_pip"
fi

# 3. A fresh copy of the collection under an ansible_collections/ path. tests/output is kept:
#    ansible-test keeps the controller venv that --venv creates there (.tmp/delegation), and
#    recreating it costs every run half a minute.
mkdir -p "$collection_copy/tests"
find "$collection_copy" -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
find "$collection_copy/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
cd "$repo_root"
# lab/ (the emulators) is left out: like in galaxy.yml's build_ignore, it is test
# infrastructure that never ships, and the lab's own tests check it.
git ls-files -z --cached -- . ':(exclude)lab' \
    | while IFS= read -r -d '' path; do
        # A file deleted in the work tree but still in the index is skipped.
        [[ -e "$path" || -L "$path" ]] && printf '%s\0' "$path"
    done \
    | tar --null --files-from=- --create --file=- \
    | tar --extract --file=- --directory="$collection_copy"

# ansible-test walks up from the working directory to the first .git and asks git for the
# file list; without a repository of its own the copy would resolve to this repository, in
# which .build/ is ignored, and every target would be skipped. An empty repository is
# enough: ansible-test also lists untracked files that .gitignore does not exclude, and
# the copied .gitignore keeps tests/output out of that list.
git init --quiet "$collection_copy"

# 4. ansible-test itself. --venv keeps each test's pinned tools out of .venv.
cd "$collection_copy"
export PATH="$venv/bin:$PATH"
exec ansible-test sanity --venv --python 3.11 --color no "$@"
