# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: metal3
short_description: Servers registered as Metal3 BareMetalHosts in a Kubernetes cluster
version_added: 0.1.0
description:
  - Reads the BareMetalHosts (C(metal3.io/v1alpha1)) of a management cluster, and their
    HardwareData objects where present, and builds one inventory host per BareMetalHost.
  - Each host gets the C(hardware) variable in the same shape as the
    P(aifactory.infra.redfish#inventory) inventory (see docs/hardware-model.md). It is filled from what
    Ironic inspection reported (system vendor, product and serial, BIOS version, memory, CPU
    model, network interfaces, BlueField DPUs by PCI id, disks, boot MAC). Fields Metal3 does
    not report stay null or empty; C(gpu_count) comes from the C(<label_prefix>/gpu-count)
    label that the aifactory.infra.metal3_hosts role writes.
  - Hosts also get C(metal3) (name, namespace, provisioning state, power, errors, consumer,
    labels), and C(bmc_url), C(bmc_protocol) and C(bmc_system_id) read from C(spec.bmc.address),
    so the Redfish modules of this collection can act on them.
  - All hosts are in the C(baremetalhosts) group, and in one group per provisioning state
    (C(metal3_provisioning_available), C(metal3_provisioning_provisioned), ...) and per power state
    (C(metal3_power_on), C(metal3_power_off), C(metal3_power_unknown)); hosts with an error are in
    C(metal3_error). O(keyed_groups), O(groups) and O(compose) build more.
  - A host is named after its BareMetalHost. When BareMetalHosts of the same name exist in several
    namespaces, each of them is named C(<name>.<namespace>).
  - The inventory configuration file name must end with C(metal3.yml) or C(metal3.yaml).
author:
  - aifactory.infra maintainers (@aifactory)
requirements:
  - kubernetes >= 29.0.0 (the Python client) on the controller
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; it makes the file an inventory source of this plugin.
    required: true
    type: str
    choices: [aifactory.infra.metal3]
  kubeconfig:
    description:
      - Path of the kubeconfig file of the management cluster.
      - Unset, the Kubernetes client's defaults apply, as for C(kubectl) - the files listed in
        C(KUBECONFIG), else C(~/.kube/config), else the service account of the pod Ansible runs in.
      - A relative path is relative to the directory of the inventory file.
    type: path
    env:
      - name: K8S_AUTH_KUBECONFIG
  context:
    description: The kubeconfig context to use; unset, the kubeconfig's current context.
    type: str
    env:
      - name: K8S_AUTH_CONTEXT
  namespaces:
    description:
      - The namespaces whose BareMetalHosts are read. Empty reads all namespaces, which needs
        permission to list BareMetalHosts cluster-wide.
    type: list
    elements: str
    default: []
  label_selector:
    description:
      - Read only the BareMetalHosts that match this label selector, in the syntax of
        C(kubectl -l), for example V(aifactory.io/gpu-model=NVIDIA-H100-80GB-HBM3) or
        V(aifactory.io/gpu-count!=0).
    type: str
  hardware_data:
    description:
      - Read the HardwareData objects as well, and prefer them to C(status.hardware). A cluster
        without the HardwareData CRD, or a user who may not read it, gives a warning and the
        status is used.
    type: bool
    default: true
  label_prefix:
    description: The prefix of the hardware labels that the aifactory.infra.metal3_hosts role writes.
    type: str
    default: aifactory.io
  request_timeout:
    description: Seconds to wait for each response of the Kubernetes API server.
    type: int
    default: 30
"""

EXAMPLES = r"""
# inventories/factory/cluster.metal3.yml
plugin: aifactory.infra.metal3
kubeconfig: ~/.kube/management.yaml
namespaces: [metal3]
label_selector: aifactory.io/gpu-count!=0
keyed_groups:
  - key: metal3.labels['aifactory.io/gpu-model'] | default('none')
    prefix: gpu
compose:
  ansible_host: bmc_url | urlsplit('hostname')
groups:
  ready_for_cluster: metal3.provisioning_state == 'available' and metal3.error_type is none

# Cache what the cluster returned for ten minutes.
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/aifactory-metal3
# cache_timeout: 600
"""

import os

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.aifactory.infra.plugins.module_utils.metal3_inventory import (
    KubeAccessError,
    group_suffix,
    host_from_objects,
    read_objects,
)

ALL_GROUP = "baremetalhosts"
GROUP_PREFIX = "metal3_"


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Build the inventory from the BareMetalHosts of a Kubernetes cluster."""

    NAME = "aifactory.infra.metal3"

    def verify_file(self, path):
        if not super(InventoryModule, self).verify_file(path):
            return False
        return path.endswith(("metal3.yml", "metal3.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)

        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        objects = None
        if use_cache:
            try:
                objects = self._cache[cache_key]
            except KeyError:
                objects = None
        if objects is None:
            objects = self._read(path)
            if self.get_option("cache"):
                self._cache[cache_key] = objects

        for warning in objects["warnings"]:
            self.display.warning("Metal3 inventory: %s" % warning)
        self._populate(objects)

    def _read(self, path):
        kubeconfig = self.get_option("kubeconfig")
        if kubeconfig and not os.path.isabs(kubeconfig):
            kubeconfig = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), kubeconfig))
        namespaces = self.get_option("namespaces") or []
        if not all(isinstance(name, str) and name for name in namespaces):
            raise AnsibleParserError("Metal3 inventory: namespaces must be a list of namespace names, got %r."
                                     % (namespaces,))
        try:
            return read_objects(kubeconfig=kubeconfig, context=self.get_option("context"),
                                namespaces=namespaces, label_selector=self.get_option("label_selector"),
                                hardware_data=self.get_option("hardware_data"),
                                timeout=self.get_option("request_timeout"))
        except KubeAccessError as exc:
            raise AnsibleParserError("Metal3 inventory: %s" % exc)

    def _host_names(self, hosts):
        """Return the inventory name of each BareMetalHost, with the namespace only where needed."""
        count = {}
        for bmh in hosts:
            name = bmh["metadata"]["name"]
            count[name] = count.get(name, 0) + 1
        return ["%s.%s" % (bmh["metadata"]["name"], bmh["metadata"]["namespace"])
                if count[bmh["metadata"]["name"]] > 1 else bmh["metadata"]["name"] for bmh in hosts]

    def _populate(self, objects):
        strict = self.get_option("strict")
        label_prefix = self.get_option("label_prefix")
        self.inventory.add_group(ALL_GROUP)
        hardware_data = {(item["metadata"].get("namespace"), item["metadata"].get("name")): item
                         for item in objects["hardwaredata"]}

        # ansible-core 2.19 tags every string that set_variable stores with its origin, which is
        # slow for large hardware models.  These values come from the API server as JSON and are
        # never templated either way (see the same note in the redfish inventory).
        inventory_data = getattr(self.inventory, "__wrapped__", self.inventory)

        for bmh, name in zip(objects["baremetalhosts"], self._host_names(objects["baremetalhosts"])):
            metadata = bmh["metadata"]
            hostvars = host_from_objects(bmh, hardware_data.get((metadata.get("namespace"), metadata.get("name"))),
                                         label_prefix)
            host = self.inventory.add_host(name, group=ALL_GROUP)
            for group in self._state_groups(hostvars["metal3"]):
                self.inventory.add_group(group)
                self.inventory.add_child(group, host)
            for key, value in hostvars.items():
                inventory_data.set_variable(host, key, value)

            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)

    @staticmethod
    def _state_groups(metal3):
        state = metal3["provisioning_state"]
        powered_on = metal3["powered_on"]
        groups = [
            GROUP_PREFIX + "provisioning_" + group_suffix(state or "unknown"),
            GROUP_PREFIX + "power_" + ("unknown" if powered_on is None else ("on" if powered_on else "off")),
        ]
        if metal3["error_type"]:
            groups.append(GROUP_PREFIX + "error")
        return groups
