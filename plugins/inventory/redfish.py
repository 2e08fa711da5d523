# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: redfish
short_description: Servers and DPUs discovered through their Redfish BMCs
version_added: 0.1.0
description:
  - Walks every listed BMC concurrently over Redfish and builds one inventory host per server
    or DPU system, with the normalised hardware model in the C(hardware) host variable.
  - A GPU baseboard system (HGX, GH200, GB200 designs) is merged into the server it belongs to.
    A BMC with several servers (blades) gives several hosts.
  - A BMC that cannot be read (timeout, rejected credentials, malformed answers) becomes a host
    in the C(bmc_error) group with the reason in C(bmc_error_reason); the inventory still
    succeeds unless O(strict=true).
  - Hosts are grouped into C(servers), C(dpus) and C(gpu_servers); O(keyed_groups), O(groups)
    and O(compose) build more from the C(hardware) variable.
  - The inventory configuration file name must end with C(redfish.yml) or C(redfish.yaml).
  - BMCs without Redfish are listed as C(ipmi://HOST[:PORT]) endpoints. They are read over IPMI
    (system FRU, device id, system GUID, power state, sensors) into the same hardware model;
    what IPMI cannot report (CPUs, memory, GPUs, NICs, disks) stays null or empty. Every host
    gets C(bmc_protocol), V(redfish) or V(ipmi).
author:
  - aifactory.infra maintainers (@aifactory)
requirements:
  - sushy >= 4.0 on the controller
  - pyghmi >= 1.5.60 on the controller, for C(ipmi://) endpoints
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; it makes the file an inventory source of this plugin.
    required: true
    type: str
    choices: [aifactory.infra.redfish]
  endpoints:
    description:
      - The BMCs to walk. Each item is a URL string such as V(https://10.1.0.11), or a mapping
        with C(url) and an optional C(name), C(username), C(password), C(validate_certs),
        C(ca_path), C(kg) and C(cipher_suite) that override the options of the same name for
        that BMC.
      - A URL V(ipmi://HOST) or V(ipmi://HOST:PORT) (UDP port 623 by default) is read over IPMI;
        O(validate_certs), O(ca_path), O(auth) and O(bmc_workers) do not apply to it.
      - Without C(name), a host is named after the URL's host name or address, with C(-<port>)
        added when several endpoints share that address.
      - When a BMC exposes several server or DPU systems, each host name gets C(-<system Id>).
      - A mapping with C(cidr) (for example V(10.1.0.0/24), at most 4096 addresses) and an
        optional C(scheme) (default V(https)), C(port), C(username), C(password),
        C(validate_certs) and C(ca_path) stands for every address of the range. Each address
        is probed for a Redfish service root (no credentials sent) within O(probe_timeout);
        the addresses that serve one are walked and named after their address, the others
        are left out. Probing happens at discovery, so a cached inventory probes nothing.
    type: list
    elements: raw
    required: true
  username:
    description: User name on the BMCs.
    type: str
    env:
      - name: AIFACTORY_BMC_USERNAME
  password:
    description:
      - Password on the BMCs. It may be a vault-encrypted string or a template that uses
        lookups. It never appears in host variables, errors or the cache.
    type: str
    env:
      - name: AIFACTORY_BMC_PASSWORD
  validate_certs:
    description: Verify the BMCs' TLS certificates. Turn off only for BMCs you trust.
    type: bool
    default: true
    env:
      - name: AIFACTORY_BMC_VALIDATE_CERTS
  ca_path:
    description:
      - A CA bundle file used to verify the BMCs' certificates instead of the system store.
      - A relative path is relative to the directory of the inventory file; C(~) and
        environment variables are expanded.
    type: str
    env:
      - name: AIFACTORY_BMC_CA_PATH
  kg:
    description:
      - The IPMI BMC key (Kg) of C(ipmi://) endpoints whose BMC has one set; V(0x) followed by
        hexadecimal digits gives it as bytes. It never appears in host variables, errors or
        the cache.
    type: str
    env:
      - name: AIFACTORY_BMC_KG
  cipher_suite:
    description:
      - The RMCP+ cipher suite for C(ipmi://) endpoints. Unset, 17 is proposed and the session
        falls back to 3 when the BMC rejects it; V(17) or V(3) allow only that one.
    type: int
    choices: [3, 17]
  probe_timeout:
    description: Seconds to wait for each address of a C(cidr) range to answer the probe.
    type: float
    default: 3
  timeout:
    description: Seconds to wait for each HTTP response from a BMC, or for each IPMI operation.
    type: int
    default: 30
  max_workers:
    description: How many BMCs are walked at the same time.
    type: int
    default: 64
  bmc_workers:
    description: How many requests one BMC receives at the same time while it is walked.
    type: int
    default: 4
  processes:
    description:
      - How many worker processes share the BMCs. Parsing the answers of hundreds of BMCs
        keeps one CPU core busy, so large inventories run faster on several.
      - V(0) picks one process per CPU core when there are at least 32 BMCs per core, and a
        single process otherwise.
    type: int
    default: 0
  auth:
    description:
      - V(auto) opens a Redfish session and falls back to HTTP basic authentication when the
        BMC has no usable session service; V(session) and V(basic) force one method.
    type: str
    default: auto
    choices: [auto, session, basic]
  retries:
    description:
      - Attempts per request (counting the first) for failures that go away by themselves
        (connection refused, HTTP 5xx, 503 with Retry-After, vendor "busy" messages).
    type: int
    default: 4
  retry_budget:
    description: Maximum seconds one request may spend waiting between its retries.
    type: float
    default: 60
  strict:
    description:
      - Besides failing on templating errors in O(compose), O(groups) and O(keyed_groups),
        fail the whole inventory source when any BMC cannot be read, instead of adding it to
        C(bmc_error).
      - Ansible reports a failed inventory source as a warning and goes on without its hosts;
        set C(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true) to make the command fail too.
"""

EXAMPLES = r"""
# inventories/factory/redfish.yml
plugin: aifactory.infra.redfish
endpoints:
  - https://10.1.0.11
  - url: https://10.1.0.12
    name: gpu-node-02
  # Every address of the range that serves Redfish (the BMC network of rack 3).
  - cidr: 10.1.3.0/26
username: admin
password: "{{ lookup('ansible.builtin.env', 'BMC_PASSWORD') }}"
ca_path: /etc/pki/bmc-ca.pem
keyed_groups:
  - key: hardware.gpus | map(attribute='model') | first | default('none') | regex_replace('[^A-Za-z0-9]', '_')
    prefix: gpu
  - key: hardware.power_state
    prefix: power
  - key: hardware.health
    prefix: health
groups:
  h100: hardware.gpus | selectattr('model', 'search', 'H100') | list | length > 0
  bluefield3: hardware.dpus | selectattr('generation', 'equalto', 'BlueField-3') | list | length > 0
compose:
  gpu_total: hardware.gpu_count

# Cache the discovered hardware for an hour (the cache holds no credentials).
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/aifactory-inventory
# cache_timeout: 3600
"""

import concurrent.futures
import json
import os
from urllib.parse import urlsplit

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError
from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_endpoints import (
    ipmi_url,
    is_ipmi_url,
    normalise_cipher_suite,
    parse_ipmi_url,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.urls import normalise_base_url
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.names import host_names

ERROR_GROUP = "bmc_error"
ENDPOINT_KEYS = ("url", "name", "username", "password", "validate_certs", "ca_path", "kg", "cipher_suite")
RANGE_KEYS = ("cidr", "scheme", "port", "username", "password", "validate_certs", "ca_path")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Build the inventory from Redfish introspection of many BMCs."""

    NAME = "aifactory.infra.redfish"

    def verify_file(self, path):
        if not super(InventoryModule, self).verify_file(path):
            return False
        return path.endswith(("redfish.yml", "redfish.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        self._config_path = os.path.abspath(path)

        cache_key = self.get_cache_key(path)
        results = None
        if self.get_option("cache") and cache:
            try:
                results = self._cache[cache_key]
            except KeyError:
                results = None
        if isinstance(results, str):
            # The cache holds the results as one JSON text: ansible-core decodes and copies a
            # cached structure value by value, which costs seconds for thousands of hosts.
            results = json.loads(results)

        if results is None:
            results = self._discover_all(self._endpoints())
            if self.get_option("cache"):
                self._cache[cache_key] = json.dumps(results)

        self._populate(results)

    # Options

    def _secret(self, value):
        """Template a credential so that vault strings and lookups work.

        Most endpoints share the plugin-wide credentials, so each distinct value is
        templated once per run.
        """
        if value is None:
            return None
        secrets = self.__dict__.setdefault("_templated_secrets", {})
        try:
            return secrets[value]
        except (KeyError, TypeError):
            pass
        templated = value
        if self.templar.is_template(value):
            templated = self.templar.template(value)
        templated = to_native(templated)
        try:
            secrets[value] = templated
        except TypeError:
            pass
        return templated

    def _relative_to_config(self, path):
        """Resolve a relative path against the inventory file's directory."""
        if not path:
            return path
        path = os.path.expanduser(os.path.expandvars(to_native(path)))
        if os.path.isabs(path):
            return path
        return os.path.normpath(os.path.join(os.path.dirname(self._config_path), path))

    def _range_endpoints(self, index, item):
        """Expand an endpoints item with a cidr into one endpoint per address, to be probed."""
        from ansible_collections.aifactory.infra.plugins.module_utils.redfish.probe import range_urls

        unknown = sorted(set(item) - set(RANGE_KEYS))
        if unknown:
            raise AnsibleParserError(
                "Invalid endpoints[%d]: unknown keys %s for a cidr range; the allowed keys are %s."
                % (index, ", ".join(unknown), ", ".join(RANGE_KEYS)))
        try:
            urls = range_urls(item["cidr"], item.get("scheme", "https"), item.get("port"))
        except InvalidInputError as exc:
            raise AnsibleParserError("endpoints[%d]: %s" % (index, exc))
        return [{
            "url": url,
            "protocol": "redfish",
            "probe": True,
            "kg": None,
            "cipher_suite": None,
            "name": None,
            "username": self._secret(item.get("username", self.get_option("username"))),
            "password": self._secret(item.get("password", self.get_option("password"))),
            "validate_certs": item.get("validate_certs", self.get_option("validate_certs")),
            "ca_path": self._relative_to_config(item.get("ca_path", self.get_option("ca_path"))),
        } for url in urls]

    def _probe(self, endpoints):
        """Return the endpoints that need no probe, plus the probed ones that serve Redfish."""
        from ansible_collections.aifactory.infra.plugins.module_utils.redfish.probe import answers_redfish

        def answers(endpoint):
            if not endpoint.get("probe"):
                return True
            verify = endpoint["ca_path"] if endpoint["validate_certs"] and endpoint["ca_path"] else bool(
                endpoint["validate_certs"])
            return answers_redfish(endpoint["url"], verify=verify, timeout=self.get_option("probe_timeout"))

        workers = max(1, min(self.get_option("max_workers"), len(endpoints)))
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            found = list(pool.map(answers, endpoints))
        skipped = len([e for e, ok in zip(endpoints, found) if not ok])
        if skipped:
            self.display.vvv("Redfish inventory: %d address(es) of the cidr ranges serve no Redfish service" % skipped)
        return [endpoint for endpoint, ok in zip(endpoints, found) if ok]

    def _endpoints(self):
        raw = self.get_option("endpoints") or []
        if not isinstance(raw, list) or not raw:
            raise AnsibleParserError("The endpoints option must be a non-empty list of BMC URLs "
                                     "or mappings with a url key.")
        endpoints = []
        for index, item in enumerate(raw):
            if isinstance(item, str):
                item = {"url": item}
            if isinstance(item, dict) and "cidr" in item:
                endpoints.extend(self._range_endpoints(index, item))
                continue
            if not isinstance(item, dict) or "url" not in item:
                # A mapping may hold a password, so only its keys are shown.
                shown = "with keys %s" % ", ".join(sorted(map(str, item))) if isinstance(item, dict) else repr(item)
                raise AnsibleParserError(
                    "Invalid endpoints[%d] %s: give a URL string or a mapping with a url key." % (index, shown))
            unknown = sorted(set(item) - set(ENDPOINT_KEYS))
            if unknown:
                raise AnsibleParserError(
                    "Invalid endpoints[%d]: unknown keys %s; the allowed keys are %s."
                    % (index, ", ".join(unknown), ", ".join(ENDPOINT_KEYS)))
            protocol = "ipmi" if is_ipmi_url(item["url"]) else "redfish"
            try:
                if protocol == "ipmi":
                    url = ipmi_url(*parse_ipmi_url(to_native(item["url"])))
                else:
                    url = normalise_base_url(to_native(item["url"]))
                cipher_suite = normalise_cipher_suite(item.get("cipher_suite", self.get_option("cipher_suite")))
            except InvalidInputError as exc:
                raise AnsibleParserError("endpoints[%d]: %s" % (index, exc))
            endpoints.append({
                "url": url,
                "protocol": protocol,
                "kg": self._secret(item.get("kg", self.get_option("kg"))),
                "cipher_suite": cipher_suite,
                "name": item.get("name"),
                "username": self._secret(item.get("username", self.get_option("username"))),
                "password": self._secret(item.get("password", self.get_option("password"))),
                "validate_certs": item.get("validate_certs", self.get_option("validate_certs")),
                "ca_path": self._relative_to_config(item.get("ca_path", self.get_option("ca_path"))),
            })

        seen = {}
        for endpoint in endpoints:
            seen.setdefault(urlsplit(endpoint["url"]).hostname, []).append(endpoint)
        for same_address in seen.values():
            for endpoint in same_address:
                if endpoint["name"]:
                    continue
                parts = urlsplit(endpoint["url"])
                endpoint["name"] = parts.hostname
                if len(same_address) > 1 and parts.port:
                    endpoint["name"] = "%s-%s" % (parts.hostname, parts.port)
        return endpoints

    # Discovery

    def _discover_all(self, endpoints):
        """Walk every BMC, at most max_workers at once; return results in endpoint order."""
        # Imported here, not at the top: an inventory read from the cache needs neither
        # sushy nor pyghmi, and importing them takes longer than building 1,000 hosts.
        from ansible_collections.aifactory.infra.plugins.module_utils.ipmi_discovery import (
            discover_ipmi_endpoints,
        )
        from ansible_collections.aifactory.infra.plugins.module_utils.redfish.discovery import (
            discover_many,
        )

        options = {key: self.get_option(key)
                   for key in ("timeout", "auth", "bmc_workers", "retries", "retry_budget")}
        endpoints = self._probe(endpoints)
        ipmi = [endpoint for endpoint in endpoints if endpoint["protocol"] == "ipmi"]
        redfish = [endpoint for endpoint in endpoints if endpoint["protocol"] != "ipmi"]

        # IPMI BMCs are read in a thread of this process while the Redfish discovery runs.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            ipmi_results = pool.submit(discover_ipmi_endpoints, ipmi, options,
                                       max_workers=self.get_option("max_workers"))
            redfish_results = iter(discover_many(redfish, options, max_workers=self.get_option("max_workers"),
                                                 processes=self.get_option("processes")))
            ipmi_results = iter(ipmi_results.result())
        # Keep the order of the endpoints option; each list is in the order of its share.
        return [next(ipmi_results if endpoint["protocol"] == "ipmi" else redfish_results) for endpoint in endpoints]

    # Inventory

    def _populate(self, results):
        for group in ("servers", "dpus", "gpu_servers", ERROR_GROUP):
            self.inventory.add_group(group)

        strict = self.get_option("strict")
        failures = []
        for result in results:
            if result["error"]:
                failures.append(result["error"])
                self._add_error_host(result)
                continue
            for warning in result["warnings"]:
                self.display.warning("Redfish inventory: %s" % warning)
            names = host_names(result["name"], result["hosts"])
            for name, hardware in zip(names, result["hosts"]):
                self._add_host(name, result["url"], hardware, result["warnings"], strict)

        if failures and strict:
            raise AnsibleError("Redfish inventory: %d BMC(s) could not be read: %s"
                               % (len(failures), "; ".join(failures)))
        for failure in failures:
            self.display.warning("Redfish inventory: %s" % failure)

    def _add_error_host(self, result):
        host = self.inventory.add_host(result["name"], group=ERROR_GROUP)
        self.inventory.set_variable(host, "bmc_url", result["url"])
        self.inventory.set_variable(host, "bmc_protocol", "ipmi" if is_ipmi_url(result["url"]) else "redfish")
        self.inventory.set_variable(host, "bmc_error_reason", result["error"])

    def _add_host(self, name, url, hardware, warnings, strict):
        group = "dpus" if hardware["kind"] == "dpu" else "servers"
        host = self.inventory.add_host(name, group=group)
        if hardware["kind"] == "server" and hardware["gpu_count"]:
            self.inventory.add_child("gpu_servers", host)

        hostvars = {
            "bmc_url": url,
            "bmc_protocol": "ipmi" if is_ipmi_url(url) else "redfish",
            "bmc_system_id": hardware["system_id"],
            "hardware": hardware,
        }
        if warnings:
            hostvars["bmc_warnings"] = list(warnings)

        # ansible-core 2.19 wraps the inventory so that set_variable tags every string of a
        # value with its origin, about 9 ms for one host's hardware model (90 s for 10,000
        # hosts).  These values are JSON from BMCs: untagged, they are already treated as
        # data that is never templated, which is what the tags would say.
        inventory_data = getattr(self.inventory, "__wrapped__", self.inventory)
        for key, value in hostvars.items():
            inventory_data.set_variable(host, key, value)

        self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)
