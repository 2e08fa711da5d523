"""Reading and checking lab factory descriptions (no daemon started)."""

from __future__ import annotations

import os

import pytest
import yaml

from lab.factory import DEFAULT_PASSWORD, DEFAULT_USERNAME, FactoryError, load_factory
from lab.testing import MOCKUPS


def build(bmcs, **top):
    return load_factory({"bmcs": bmcs, **top})


def test_count_stamps_names_and_ports():
    factory = build([{"name": "gpu-{index:03d}", "count": 3, "port": 9100, "profile": "hgx-h100", "flavour": "nvidia"}])
    assert [spec["name"] for spec in factory.bmcs] == ["gpu-001", "gpu-002", "gpu-003"]
    assert [spec["port"] for spec in factory.bmcs] == [9100, 9101, 9102]
    assert {spec["flavour"] for spec in factory.bmcs} == {"nvidia"}


def test_index_start_shifts_names():
    factory = build([{"name": "n{index}", "count": 2, "index_start": 7, "port": 0, "profile": "cpu-mgmt"}])
    assert [spec["name"] for spec in factory.bmcs] == ["n7", "n8"]
    assert [spec["port"] for spec in factory.bmcs] == [0, 0]


def test_base_port_skips_explicit_ports():
    factory = build(
        [
            {"name": "a", "profile": "cpu-mgmt"},
            {"name": "b", "profile": "cpu-mgmt", "port": 9001},
            {"name": "c", "profile": "cpu-mgmt"},
        ],
        defaults={"base_port": 9000},
        control_port=9002,
    )
    assert [spec["port"] for spec in factory.bmcs] == [9000, 9001, 9003]


def test_defaults_apply_and_entries_override():
    factory = build(
        [
            {"name": "a", "profile": "cpu-mgmt"},
            {"name": "b", "profile": "cpu-mgmt", "latency_ms": 5, "tls": False, "username": "root"},
        ],
        defaults={"latency_ms": 50, "base_port": 0, "flavour": "supermicro"},
    )
    first, second = factory.bmcs
    assert first["latency_ms"] == 50
    assert first["tls"] is True
    assert first["flavour"] == "supermicro"
    assert first["username"] == DEFAULT_USERNAME
    assert first["password"] == DEFAULT_PASSWORD
    assert second["latency_ms"] == 5
    assert second["tls"] is False
    assert second["username"] == "root"


def test_default_flavour_ignored_where_missing():
    factory = build([{"name": "dpu", "profile": "bf3-dpu"}], defaults={"flavour": "dell", "base_port": 0})
    assert factory.bmcs[0]["flavour"] == "bluefield"


def test_faults_normalised():
    factory = build([{"name": "a", "profile": "cpu-mgmt", "port": 0, "faults": {"error_burst": {"count": 2}}}])
    assert factory.bmcs[0]["faults"]["error_burst"] == {"count": 2, "status": 503}


@pytest.mark.skipif(not MOCKUPS.is_dir(), reason=f"captures folder {MOCKUPS} is missing")
def test_mockup_path_relative_to_file(tmp_path):
    path = tmp_path / "factories" / "capture.yml"
    path.parent.mkdir()
    relative = os.path.relpath(MOCKUPS / "dell", path.parent)
    path.write_text(yaml.safe_dump({"bmcs": [{"name": "r750", "mockup": relative, "port": 0}]}))
    factory = load_factory(path)
    assert factory.bmcs[0]["mockup"] == str((MOCKUPS / "dell").resolve())
    assert factory.bmcs[0]["profile"] is None


INVALID = [
    ({"bmcs": []}, "non-empty list"),
    ({"bmcs": [{"name": "a"}]}, "exactly one of 'profile'"),
    ({"bmcs": [{"name": "a", "profile": "nope"}]}, "unknown profile 'nope'"),
    ({"bmcs": [{"name": "a", "profile": "hgx-h100", "flavour": "hpe"}]}, "has no flavour 'hpe'"),
    ({"bmcs": [{"name": "a", "mockup": "/nonexistent/capture"}]}, "is not a Redfish mockup"),
    ({"bmcs": [{"name": "a", "profile": "cpu-mgmt", "colour": "red"}]}, "unknown key(s) colour"),
    ({"bmcs": [{"name": "a", "profile": "cpu-mgmt", "count": 2}]}, "needs an {index} field"),
    ({"bmcs": [{"name": "a", "profile": "cpu-mgmt"}, {"name": "a", "profile": "cpu-mgmt"}]}, "used by more than one BMC"),
    ({"bmcs": [{"name": "a", "profile": "cpu-mgmt", "port": 9000}, {"name": "b", "profile": "cpu-mgmt", "port": 9000}]}, "port 9000 is also used by a"),
    ({"control_port": 9000, "bmcs": [{"name": "a", "profile": "cpu-mgmt", "port": 9000}]}, "also used by control_port"),
    ({"bmcs": [{"name": "a", "profile": "cpu-mgmt", "port": 70000}]}, "not a port number"),
    ({"bmcs": [{"name": "a", "profile": "cpu-mgmt", "latency_ms": -1}]}, "latency_ms -1"),
    ({"bmcs": [{"name": "a", "profile": "cpu-mgmt", "faults": {"flaky": True}}]}, "unknown fault(s) flaky"),
    ({"bmcs": [{"name": "a", "profile": "cpu-mgmt", "faults": {"error_status": 200}}]}, "error_status 200"),
    ({"bmcs": [{"name": "a", "profile": "cpu-mgmt", "faults": {"error_burst": {"status": 503}}}]}, "error_burst.count"),
    ({"bmcs": [{"name": "a", "profile": "cpu-mgmt", "behaviours": {"teleport": True}}]}, "unknown behaviour 'teleport'"),
    ({"bmcs": [{"name": "a", "profile": "cpu-mgmt", "behaviours": {"power": {"delay": 1}}}]}, "unknown option 'delay'"),
    ({"bmcs": [{"name": "a", "mockup": "/x", "flavour": "dell"}]}, "applies to profiles only"),
    ({"bmcs": [{"name": "a", "profile": "cpu-mgmt", "power_state": "Sleeping"}]}, "power_state 'Sleeping'"),
    ({"defaults": {"colour": 1}, "bmcs": [{"name": "a", "profile": "cpu-mgmt"}]}, "defaults: unknown key(s) colour"),
    ({"extra": 1, "bmcs": [{"name": "a", "profile": "cpu-mgmt"}]}, "top level: unknown key(s) extra"),
]


@pytest.mark.parametrize(("data", "message"), INVALID, ids=[message for unused_data, message in INVALID])
def test_invalid_factory_rejected(data, message):
    with pytest.raises(FactoryError) as raised:
        load_factory(data)
    assert message in str(raised.value)


def test_error_names_the_entry():
    with pytest.raises(FactoryError, match=r"bmcs\[1\] \(node-b\)"):
        build([{"name": "node-a", "profile": "cpu-mgmt"}, {"name": "node-b", "profile": "nope"}])


def test_missing_file_message(tmp_path):
    with pytest.raises(FactoryError, match="not found"):
        load_factory(tmp_path / "absent.yml")


def test_invalid_yaml_message(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("bmcs: [\n")
    with pytest.raises(FactoryError, match="not valid YAML"):
        load_factory(path)
