#!/usr/bin/env bash
# Install the libvirt-python binding into a Python environment: scripts/install-libvirt-python.sh [PYTHON]
#
# The sushy-tools module tests run sushy-emulator's libvirt driver on libvirt's in-process test
# hypervisor (test:///default), which needs no libvirt daemon but needs the binding. PyPI has
# it only as a source package that builds against the system's libvirt headers, so this script
# installs libvirt-dev, pkg-config and gcc with apt-get when they are missing (as root, on
# Debian or Ubuntu), then pip installs the binding whose version equals the system libvirt.
# Without root it prints the commands to run and exits 1. A second run does nothing.
set -euo pipefail

python="${1:-python3}"

if "$python" -c 'import libvirt' 2>/dev/null; then
    echo "install-libvirt-python: libvirt-python is installed in $python"
    exit 0
fi

missing=()
pkg-config --exists libvirt 2>/dev/null || missing+=(libvirt-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)

if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        echo "install-libvirt-python: missing ${missing[*]}; as root run: apt-get install ${missing[*]}," \
             "then: $python -m pip install libvirt-python==\$(pkg-config --modversion libvirt)" >&2
        exit 1
    fi
    echo "install-libvirt-python: installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The binding of the same version as the C library is the one known to build against it.
version="$(pkg-config --modversion libvirt)"
echo "install-libvirt-python: building libvirt-python $version for $python"
"$python" -m pip install --quiet --disable-pip-version-check "libvirt-python==$version"
"$python" -c 'import libvirt'
echo "install-libvirt-python: installed libvirt-python $version"
