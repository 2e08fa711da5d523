"""The lab with the BMC behaviours the lifecycle module tests need."""

from contextlib import contextmanager

from lab import runner

# Power transitions of 0.2 s: long enough to pass through PoweringOn/PoweringOff, short for tests.
FAST_POWER = {"transition_seconds": 0.2}


@contextmanager
def lifecycle_lab(workdir, bmcs):
    """Run a lab with ``bmcs`` (factory entries) on free ports; yield the Lab."""
    factory = {"control_port": 0, "defaults": {"base_port": 0}, "bmcs": bmcs}
    with runner.running(factory, workdir) as lab:
        yield lab


def connection(lab, name, **extra):
    """Return the connection options of the redfish modules for the lab BMC ``name``."""
    username, password = lab.credentials(name)
    options = {"baseurl": lab.url(name), "username": username, "password": password,
               "ca_path": str(lab.ca), "timeout": 15, "retries": 3}
    options.update(extra)
    return options


def requests_to(lab, name, method, path):
    """Return how many ``method`` requests the BMC ``name`` received for ``path``."""
    counts = lab.control("GET", "/lab/v1/bmcs/%s/requests" % name)["by_request"]
    return counts.get("%s %s" % (method, path), 0)


def bmc_state(lab, name):
    return lab.control("GET", "/lab/v1/bmcs/%s/state" % name)
