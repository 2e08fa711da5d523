"""Injected failures of one emulated BMC (the factory's `faults:` block)."""

from __future__ import annotations

from dataclasses import dataclass

from lab.redfish.errors import status_error_body

# How long a BMC with the `timeout` fault keeps a request open. Far beyond any client
# timeout, and the wait is an asyncio sleep, so the other BMCs keep responding.
HANG_SECONDS = 24 * 3600


@dataclass
class Failure:
    status: int
    body: dict
    headers: dict[str, str]


class FaultState:
    """Decide, request by request, whether an injected failure replaces the response."""

    def __init__(self, faults: dict) -> None:
        self.configure(faults)

    def configure(self, faults: dict) -> None:
        """Replace the fault settings; this also re-arms an error burst."""
        self.settings = dict(faults)
        self.timeout = bool(faults.get("timeout", False))
        self.error_status = faults.get("error_status")
        self.malformed_json = bool(faults.get("malformed_json", False))
        self.reject_credentials = bool(faults.get("reject_credentials", False))
        self.burst = faults.get("error_burst")
        self.burst_used = 0

    def failure_for_request(self) -> Failure | None:
        """Return the injected failure for the next request, consuming one burst slot."""
        if self.error_status:
            return Failure(self.error_status, status_error_body(self.error_status), {})
        if self.burst and self.burst_used < self.burst["count"]:
            self.burst_used += 1
            headers = {}
            retry_after = self.burst.get("retry_after")
            if retry_after is not None:
                headers["Retry-After"] = str(retry_after)
            seconds = self.burst.get("message_seconds", retry_after)
            return Failure(self.burst["status"], status_error_body(self.burst["status"], seconds), headers)
        return None
