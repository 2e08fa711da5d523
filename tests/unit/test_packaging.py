"""The Galaxy metadata and the artifact that `ansible-galaxy collection build` makes."""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]

# Directories that are development or test infrastructure, never part of the artifact.
NOT_SHIPPED = (".venv", ".build", ".ci", ".git", "lab", "bench", "tests/output", "scripts", "report")


def ansible_galaxy(*args, cwd, env=None):
    """Run the ansible-galaxy beside the running Python, failing with its output."""
    command = [str(Path(sys.executable).with_name("ansible-galaxy")), *args]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, "%s failed (exit %d):\n%s\n%s" % (
        " ".join(command), result.returncode, result.stdout, result.stderr)
    return result


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    """Build the collection once for this module and return the tarball path."""
    output = tmp_path_factory.mktemp("dist")
    ansible_galaxy("collection", "build", "--output-path", str(output), str(REPO_ROOT), cwd=output)
    tarballs = list(output.glob("*.tar.gz"))
    assert len(tarballs) == 1, "expected one tarball, found %s" % tarballs
    return tarballs[0]


@pytest.fixture(scope="module")
def artifact_members(artifact):
    with tarfile.open(artifact) as tar:
        return tar.getnames()


def test_artifact_file_name(artifact):
    assert artifact.name == "aifactory-infra-0.1.0.tar.gz"


@pytest.mark.parametrize("excluded", NOT_SHIPPED)
def test_artifact_excludes_dev_paths(artifact_members, excluded):
    shipped = [name for name in artifact_members if name == excluded or name.startswith(excluded + "/")]
    assert shipped == []


def test_artifact_has_no_bytecode(artifact_members):
    assert [name for name in artifact_members if name.endswith(".pyc") or "__pycache__" in name] == []


@pytest.mark.parametrize("required", ["MANIFEST.json", "FILES.json", "meta/runtime.yml", "LICENSE", "requirements.txt"])
def test_artifact_contains(artifact_members, required):
    assert required in artifact_members


def test_artifact_manifest_identity(artifact):
    with tarfile.open(artifact) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))

    info = manifest["collection_info"]
    assert info["namespace"] == "aifactory"
    assert info["name"] == "infra"
    assert info["version"] == "0.1.0"
    assert info["license"] == ["Apache-2.0"]


def test_artifact_installs_offline(artifact, tmp_path):
    """The artifact installs without Galaxy, as `make demo` installs it."""
    target = tmp_path / "collections"

    # Only the target directory may count as installed: the tests' linked source tree in the
    # configured collections path would make ansible-galaxy skip the install.
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(target))
    ansible_galaxy("collection", "install", "--offline", "-p", str(target), str(artifact), cwd=tmp_path, env=env)

    installed = target / "ansible_collections" / "aifactory" / "infra"
    assert (installed / "MANIFEST.json").is_file()
    assert not (installed / "lab").exists()


def test_galaxy_yml_identity():
    galaxy = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8"))

    assert galaxy["namespace"] == "aifactory"
    assert galaxy["name"] == "infra"
    assert galaxy["version"] == "0.1.0"
    assert galaxy["license"] == ["Apache-2.0"]
    assert "example.invalid" not in json.dumps(galaxy)


def test_runtime_requires_ansible():
    runtime = yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))

    assert runtime["requires_ansible"] == ">=2.17.0"


def test_license_is_apache_2():
    text = (REPO_ROOT / "LICENSE").read_text(encoding="utf-8")

    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
