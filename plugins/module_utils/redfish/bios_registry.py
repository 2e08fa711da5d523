# -*- coding: utf-8 -*-
# Copyright: aifactory.infra contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""BIOS attribute registries: finding the one a Bios resource names, checking values with it.

The registry lists every attribute with its type, its allowed values or bounds and whether
it is read-only.  Values are checked before anything is sent, so that a typo fails with the
attribute's name and the allowed values instead of a vendor's generic 400.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re

from ansible_collections.aifactory.infra.plugins.module_utils.errors import (
    InvalidInputError,
    RedfishError,
)
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.client import odata_id
from ansible_collections.aifactory.infra.plugins.module_utils.redfish.shapes import link

TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")


def _unversioned(name):
    """Return a registry name without its version (``BiosAttributeRegistry.v1_0_3``)."""
    return re.split(r"\.v?\d", name or "", maxsplit=1)[0]


def read_registry(client, bios):
    """Return ``(attributes, warning)``: the registry's entries by AttributeName, or None.

    None with a warning means the BMC names a registry that could not be read; None
    without a warning means the BMC offers no registry.
    """
    name = bios.get("AttributeRegistry")
    registries_uri = link(client.root, "Registries")
    if not name or not registries_uri:
        return None, None
    try:
        _collection, members, missing = client.get_collection(registries_uri)
        files = members + [client.get(uri) for uri in missing]
        registry_file = _matching_file(files, name)
        if registry_file is None:
            return None, None
        registry = client.get(_location(registry_file))
    except RedfishError as exc:
        return None, "The BIOS attribute registry %s could not be read (%s); values were not checked." % (name, exc)
    entries = (registry.get("RegistryEntries") or {}).get("Attributes") or []
    return {entry["AttributeName"]: entry for entry in entries
            if isinstance(entry, dict) and entry.get("AttributeName")}, None


def _matching_file(files, name):
    for exact in (True, False):
        for registry_file in files:
            names = [registry_file.get("Id"), registry_file.get("Registry"),
                     (odata_id(registry_file) or "").rsplit("/", 1)[-1]]
            if exact and name in names:
                return registry_file
            if not exact and _unversioned(name) in [_unversioned(item) for item in names if item]:
                return registry_file
    return None


def _location(registry_file):
    locations = [item for item in registry_file.get("Location") or [] if isinstance(item, dict)]
    english = [item for item in locations if str(item.get("Language", "en")).startswith("en")]
    for item in english + locations:
        if item.get("Uri"):
            return item["Uri"]
    return odata_id(registry_file)


def check_attributes(desired, registry, current, where):
    """Return ``desired`` with values converted to the types the BMC uses.

    Names and values are checked against ``registry`` (None when there is none).  Without a
    registry, names are checked against the current attributes, and values take the type
    of the current value.  Raises InvalidInputError listing every problem.
    """
    problems = []
    converted = {}
    for name, value in desired.items():
        entry = registry.get(name) if registry is not None else None
        if (registry is not None and entry is None) or (registry is None and name not in current):
            known = list(registry) if registry is not None else list(current)
            close = difflib.get_close_matches(name, known, n=3)
            problems.append("unknown attribute %s%s" % (
                name, " (did you mean %s?)" % ", ".join(close) if close else ""))
            continue
        if entry is None:
            converted[name] = _like(value, current.get(name))
            continue
        try:
            converted[name] = _check_value(name, value, entry)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise InvalidInputError("%s: invalid BIOS attributes: %s." % (where, "; ".join(problems)),
                                hint="Check the names and values against the BIOS attribute registry.")
    return converted


def _check_value(name, value, entry):
    kind = entry.get("Type")
    if entry.get("ReadOnly"):
        raise ValueError("%s is read-only" % name)
    if kind == "Password":
        raise ValueError("%s is a password; set it with the BMC's ChangePassword action" % name)
    if kind == "Enumeration":
        return _check_enumeration(name, value, entry)
    if kind == "Integer":
        return _check_integer(name, value, entry)
    if kind == "Boolean":
        flag = _boolean(value)
        if flag is None:
            raise ValueError("%s must be true or false, not %r" % (name, value))
        return flag
    return _check_string(name, value, entry)


def _check_enumeration(name, value, entry):
    options = [item for item in entry.get("Value") or [] if isinstance(item, dict)]
    value_names = [item.get("ValueName") for item in options]
    display_names = [item.get("ValueDisplayName") for item in options]
    text = _text(value)

    # Some BMCs (Supermicro) report and accept the display names instead of ValueName.
    if text in value_names or text in display_names:
        return text
    raise ValueError("%s must be one of %s, not %r" % (name, ", ".join(str(n) for n in value_names), value))


def _check_integer(name, value, entry):
    number = None
    if not isinstance(value, bool):
        try:
            number = int(str(value).strip())
        except ValueError:
            number = None
    if number is None:
        raise ValueError("%s must be an integer, not %r" % (name, value))

    low, high = entry.get("LowerBound"), entry.get("UpperBound")
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError("%s must be between %s and %s, not %s" % (name, low, high, number))
    step = entry.get("ScalarIncrement")
    if step and low is not None and (number - low) % step:
        raise ValueError("%s must be %s plus a multiple of %s, not %s" % (name, low, step, number))
    return number


def _check_string(name, value, entry):
    text = _text(value)
    low, high = entry.get("MinLength"), entry.get("MaxLength")
    if (low is not None and len(text) < low) or (high is not None and len(text) > high):
        raise ValueError("%s must be %s to %s characters long" % (name, low, high))
    pattern = entry.get("ValueExpression")
    if pattern and not re.fullmatch(pattern, text):
        raise ValueError("%s must match %s, not %r" % (name, pattern, text))
    return text


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _boolean(value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def _like(value, current):
    """Return ``value`` with the type of ``current`` (an int for an int, and so on)."""
    if isinstance(current, bool):
        flag = _boolean(value)
        return value if flag is None else flag
    if isinstance(current, int):
        try:
            return int(str(value).strip())
        except ValueError:
            return value
    if isinstance(current, str):
        return _text(value)
    return value


def same_value(current, desired):
    """True when a BIOS attribute's current value equals the desired one.

    BMCs differ in types (``"10"`` or ``10``, ``"true"`` or ``true``), so values compare
    by their text, booleans in lower case.
    """
    if current is None or desired is None:
        return current is desired
    return _text(current) == _text(desired)
