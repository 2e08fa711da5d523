"""Apply CustomResourceDefinition files to a lab API server and wait until they are served."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path

import yaml
from kubernetes import client
from kubernetes.client.rest import ApiException

from lab.kube.errors import LabKubeError

# libyaml parses the 5 MB of upstream CRDs several times faster than the pure-Python loader.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Minimal lab-only stand-ins for the kinds the demo creates (see lab/kube/README.md).
LAB_CRDS_DIR = Path(__file__).resolve().parent / "crds"

ESTABLISH_TIMEOUT_SECONDS = 120.0


class CrdApplyError(LabKubeError):
    """A CRD was rejected by the API server or did not become Established in time."""


def crd_documents(paths: Iterable[str | Path]) -> list[tuple[Path, dict]]:
    """Load every CustomResourceDefinition document from files or directories.

    Directories are searched recursively for ``*.yaml`` and ``*.yml``. Documents of other
    kinds (chart values, ConfigMaps) are skipped, so a folder of mixed files can be passed.
    """
    files: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            files += sorted(p for p in entry.rglob("*") if p.suffix in (".yaml", ".yml"))
        elif entry.is_file():
            files.append(entry)
        else:
            raise CrdApplyError(f"CRD path {entry} not found; pass a CRD file or a directory of them")

    documents = []
    for path in files:
        with open(path, encoding="utf-8") as handle:
            for document in yaml.load_all(handle, Loader=_LOADER):
                if isinstance(document, dict) and document.get("kind") == "CustomResourceDefinition":
                    documents.append((path, document))
    return documents


def _error_message(exc: ApiException) -> str:
    try:
        return json.loads(exc.body)["message"]
    except (TypeError, ValueError, KeyError):
        return str(exc.body or exc.reason)


def _create_or_replace(api: client.ApiextensionsV1Api, path: Path, document: dict) -> str:
    name = document["metadata"]["name"]
    try:
        api.create_custom_resource_definition(body=document, _preload_content=False)
        return name
    except ApiException as exc:
        if exc.status != 409:
            raise CrdApplyError(
                f"the API server rejected CRD {name} from {path}: {_error_message(exc)}"
            ) from exc

    # Replace keeps the stored objects, as `kubectl replace` does. The resourceVersion makes
    # the update conditional on the version just read.
    current = json.loads(
        api.read_custom_resource_definition(name, _preload_content=False).data
    )
    body = dict(document)
    body["metadata"] = {**document["metadata"],
                        "resourceVersion": current["metadata"]["resourceVersion"]}
    try:
        api.replace_custom_resource_definition(name, body=body, _preload_content=False)
    except ApiException as exc:
        raise CrdApplyError(
            f"the API server rejected the update of CRD {name} from {path}: {_error_message(exc)}"
        ) from exc
    return name


def _conditions(api: client.ApiextensionsV1Api, name: str) -> dict[str, dict]:
    # Raw JSON, because the generated models of some client releases reject a status without
    # conditions, which is what a CRD has right after creation.
    raw = json.loads(api.read_custom_resource_definition(name, _preload_content=False).data)
    return {c["type"]: c for c in raw.get("status", {}).get("conditions") or []}


def wait_established(api_client: client.ApiClient, names: Iterable[str],
                     timeout: float = ESTABLISH_TIMEOUT_SECONDS) -> None:
    """Wait until every named CRD reports Established=True; raise CrdApplyError otherwise."""
    api = client.ApiextensionsV1Api(api_client)
    pending = list(names)
    deadline = time.monotonic() + timeout
    while pending:
        still_pending = []
        for name in pending:
            conditions = _conditions(api, name)
            names_accepted = conditions.get("NamesAccepted", {})
            if names_accepted.get("status") == "False":
                raise CrdApplyError(
                    f"CRD {name} names were not accepted: {names_accepted.get('message')}"
                )
            if conditions.get("Established", {}).get("status") != "True":
                still_pending.append(name)
        pending = still_pending
        if not pending:
            return
        if time.monotonic() > deadline:
            raise CrdApplyError(
                f"timed out after {timeout:.0f} s waiting for CRDs to become Established: "
                f"{', '.join(sorted(pending))}"
            )
        time.sleep(0.2)


def apply_crds(api_client: client.ApiClient, paths: Iterable[str | Path],
               timeout: float = ESTABLISH_TIMEOUT_SECONDS) -> list[str]:
    """Create (or replace) every CRD found under ``paths`` and wait until all are Established.

    Returns the CRD names in the order they were applied.
    """
    api = client.ApiextensionsV1Api(api_client)
    names = [_create_or_replace(api, path, document) for path, document in crd_documents(paths)]
    wait_established(api_client, names, timeout)
    return names
