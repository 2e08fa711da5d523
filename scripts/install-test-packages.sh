#!/usr/bin/env bash
# Install the Debian packages that the integration tests run as independent peers:
#   ipmitool  an IPMI client the project did not write, used to check the lab's IPMI BMCs
#   openipmi  provides ipmi_sim, an IPMI BMC simulator the project did not write
#
# CI runs on a fresh Debian or Ubuntu machine as root, so a missing package is installed with
# apt-get. On a developer machine without root, the script prints the command to run instead
# and exits 1. A second run with everything present does nothing and exits 0.
set -euo pipefail

# Each entry is "command package": the command the tests start and the package that ships it.
wanted=("ipmitool ipmitool" "ipmi_sim openipmi")

missing=()
for entry in "${wanted[@]}"; do
    read -r command package <<<"$entry"
    if ! command -v "$command" >/dev/null 2>&1; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-test-packages: ipmitool and ipmi_sim are installed"
    exit 0
fi

if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-packages: missing ${missing[*]}; install them as root (Debian/Ubuntu: apt-get install ${missing[*]})" >&2
    exit 1
fi

echo "install-test-packages: installing ${missing[*]} with apt-get"
apt-get update -qq
# openipmi recommends an init script that would start the OpenIPMI daemon; the tests start
# ipmi_sim themselves, so recommended packages are left out.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-test-packages: installed ${missing[*]}"
