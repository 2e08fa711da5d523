"""A Redfish source that answers from a recorded mockup folder instead of a BMC.

It implements the same ``root``, ``get`` and ``get_collection`` as RedfishClient, so the
discovery walk and the hardware model run exactly as against a live BMC, and it counts the
requests that a BMC would have received.
"""

import json
from pathlib import Path

from ansible_collections.aifactory.infra.plugins.module_utils.errors import RedfishNotFoundError


class RecordedBmc:
    def __init__(self, folder, expand=True):
        self.folder = Path(folder)
        self.base_url = "recorded://%s" % self.folder.name
        self.expand = expand
        self.requests = []
        self.root = self.get("/redfish/v1")

    def _load(self, uri):
        path = self.folder / uri.strip("/") / "index.json"
        if not path.is_file():
            raise RedfishNotFoundError(self.base_url, uri, "not in the recording", status=404)
        return json.loads(path.read_text(encoding="utf-8"))

    def get(self, uri, query=None):
        self.requests.append(uri if query is None else "%s?%s" % (uri, query))
        return self._load(uri.split("?")[0])

    @property
    def expand_supported(self):
        return self.expand

    def get_expanded(self, uri):
        """Return the resource with the links outside ``Links`` expanded one level."""
        payload = self.get(uri, "$expand=.($levels=1)" if self.expand else None)
        if not self.expand:
            return payload
        for key, value in list(payload.items()):
            if key == "Links" or not isinstance(value, list):
                continue
            expanded = []
            for item in value:
                ref = item.get("@odata.id") if isinstance(item, dict) and len(item) == 1 else None
                try:
                    expanded.append(self._load(ref) if ref else item)
                except RedfishNotFoundError:
                    expanded.append(item)
            payload[key] = expanded
        return payload

    def get_collection(self, uri, expand=True):
        collection = self.get(uri, "$expand=.($levels=1)" if (expand and self.expand) else None)
        refs = [m.get("@odata.id") for m in collection.get("Members") or [] if isinstance(m, dict)]
        if expand and self.expand:
            members = []
            for ref in refs:
                try:
                    members.append(self._load(ref))
                except RedfishNotFoundError:
                    continue
            return collection, members, []
        return collection, [], [ref.rstrip("/") for ref in refs if ref]
