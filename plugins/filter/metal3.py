# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Filters that render Metal3 manifests from the hardware model (used by the metal3_hosts role)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.aifactory.infra.plugins.module_utils import metal3
from ansible_collections.aifactory.infra.plugins.module_utils.errors import InvalidInputError
from ansible_collections.aifactory.infra.plugins.module_utils.metal3_inventory import (
    KubeAccessError,
    describe_failure,
    load_client,
)


def metal3_baremetalhost(hardware, name, namespace, bmc_url, **options):
    """Return the BareMetalHost manifest of one server (see metal3.baremetalhost for the options)."""
    warnings = []
    try:
        metal3.check_namespace(namespace)
        manifest = metal3.baremetalhost(name, namespace, hardware, bmc_url, warnings=warnings, **options)
    except InvalidInputError as exc:
        raise AnsibleFilterError("Cannot render the BareMetalHost of %s: %s" % (name, exc))
    except TypeError as exc:
        raise AnsibleFilterError("metal3_baremetalhost: %s" % exc)
    for warning in warnings:
        Display().warning(warning)
    return manifest


def metal3_bmc_secret(name, namespace, username, password, labels=None, placeholder=False):
    """Return the BMC credentials Secret; with ``placeholder`` the password is a fill-in text."""
    try:
        metal3.check_namespace(namespace)
        if placeholder:
            return metal3.bmc_secret_template(name, namespace, username, labels)
        return metal3.bmc_secret(name, namespace, username, password, labels)
    except InvalidInputError as exc:
        raise AnsibleFilterError("Cannot render the BMC Secret %s: %s" % (name, exc))


def metal3_name(text):
    """Return ``text`` as a Kubernetes object name."""
    try:
        return metal3.resource_name(text)
    except InvalidInputError as exc:
        raise AnsibleFilterError(str(exc))


def kube_endpoint(kubeconfig=None, context=None):
    """Return the API server URL a kubeconfig (or the client's defaults) points at, else a reason."""
    try:
        api_client, endpoint = load_client(kubeconfig or None, context or None)
    except KubeAccessError as exc:
        return "(unknown: %s)" % exc.message
    api_client.close()
    return endpoint


def kube_failure(message, endpoint, kubeconfig=None, context=None):
    """Return a one-paragraph error for a failed kubernetes.core task that names the cluster."""
    reason, fix = describe_failure(message)
    source = "kubeconfig %s" % kubeconfig if kubeconfig else "the default kubeconfig"
    if context:
        source += ", context %s" % context
    text = "Cannot use the management cluster at %s (%s): %s. %s" % (endpoint, source, reason, fix)
    if reason != str(message):
        text += " Details: %s" % message
    return text


class FilterModule(object):
    def filters(self):
        return {
            "metal3_baremetalhost": metal3_baremetalhost,
            "metal3_bmc_secret": metal3_bmc_secret,
            "metal3_name": metal3_name,
            "kube_endpoint": kube_endpoint,
            "kube_failure": kube_failure,
        }
