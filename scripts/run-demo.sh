#!/usr/bin/env bash
# Run the demo: start the lab, run playbooks/site.yml against inventories/lab with the
# collection artifact that scripts/install-collection.sh installed in .build/demo-collections,
# summarise the report, and stop the lab whatever happened.
#
# Where Go can build (or has cached) the lab's kube-apiserver and etcd, the lab management
# cluster starts too and playbooks/cluster.yml registers the servers there as BareMetalHosts.
# Without it the Metal3 step uses the user's KUBECONFIG when set, and otherwise writes the
# manifests into the report folder.
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
    if [[ $kube_started -eq 1 ]]; then
        python -m lab.kube down >/dev/null \
            || echo "demo: 'python -m lab.kube down' failed; check 'python -m lab.kube status'" >&2
    fi
}

kube_started=0
echo "demo: starting the lab"
trap stop_lab EXIT
python -m lab up

# The lab management cluster: a real kube-apiserver with the lab's BareMetalHost CRD.
if python -m lab.kube build --check >/dev/null 2>&1; then
    echo "demo: starting the lab management cluster (the first start builds kube-apiserver and etcd, for minutes)"
    if python -m lab.kube up --lab-crds >/dev/null; then
        kube_started=1
        export KUBECONFIG="$repo_root/lab/.run/kube/kubeconfig"
        unset K8S_AUTH_KUBECONFIG K8S_AUTH_CONTEXT
    else
        echo "demo: the lab management cluster did not start; see lab/.run/kube for its logs" >&2
    fi
fi
if [[ $kube_started -eq 1 ]]; then
    echo "demo: BareMetalHosts go to the lab management cluster (KUBECONFIG=$KUBECONFIG)"
elif [[ -n "${KUBECONFIG:-}${K8S_AUTH_KUBECONFIG:-}" ]]; then
    echo "demo: no lab management cluster here (Go is missing or cannot build); BareMetalHosts go to" \
        "the cluster of KUBECONFIG=${K8S_AUTH_KUBECONFIG:-$KUBECONFIG}, namespace aifactory-lab, paused"
else
    echo "demo: no management cluster (Go is missing or cannot build, and KUBECONFIG is unset);" \
        "the BareMetalHost manifests are written to $report_dir/metal3"
fi

# The Metal3 step registers the lab servers in a namespace of their own, paused so that a
# baremetal-operator in a user's cluster never acts on these 127.0.0.1 BMCs, with the lab's
# BMC credentials (lab/factory.yml). The redfish inventory file sets its own credentials, so
# these variables do not change discovery.
export AIFACTORY_BMC_USERNAME=lab-admin AIFACTORY_BMC_PASSWORD=lab-only-password
demo_vars=(-e metal3_hosts_namespace=aifactory-lab -e metal3_hosts_paused=true
           -e "aifactory_report_dir=$report_dir")

playbook_rc=0
ansible-playbook -i inventories/lab playbooks/site.yml "${demo_vars[@]}" || playbook_rc=$?

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
