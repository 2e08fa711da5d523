"""The four-step idempotence check of a module, run with the real ansible-playbook.

One playbook runs the same task four times: in check mode, for real, in check mode again and
for real again. A correct module reports a change in the first two runs and none in the last
two. The registered results come back as JSON for the test to inspect.
"""

import http.server
import json
import os
import subprocess
import threading
from functools import partial
from pathlib import Path

import yaml

from helpers import BIN

STEPS = ("check", "apply", "check again", "apply again")


def run_tasks(tasks, workdir, name="play", timeout=600):
    """Run ``tasks`` (a list of task dicts) on localhost; return ``(results, process)``.

    Each task that registers a variable has its result in ``results`` under that name.
    """
    workdir = Path(workdir)
    registered = [task["register"] for task in tasks if "register" in task]
    results_path = workdir / ("%s.results.json" % name)
    play = [{
        "name": name,
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "tasks": list(tasks) + [{
            "name": "Save the registered results",
            "ansible.builtin.copy": {
                "content": "{{ %s | to_json }}" % ("{" + ", ".join("'%s': %s" % (var, var) for var in registered) + "}"),
                "dest": str(results_path),
                "mode": "0600",
            },
        }],
    }]
    playbook = workdir / ("%s.yml" % name)
    playbook.write_text(yaml.safe_dump(play, sort_keys=False), encoding="utf-8")
    environment = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    process = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", "--diff", str(playbook)],
        capture_output=True, text=True, env=environment, cwd=str(workdir), timeout=timeout, check=False)
    results = json.loads(results_path.read_text()) if results_path.exists() else None
    return results, process


def four_steps(module, arguments, workdir, name=None):
    """Run ``module`` with ``arguments`` in the four steps; return the four results in order.

    Fails with the playbook output when a step fails.
    """
    name = name or module.rsplit(".", 1)[-1]
    return four_step_runs([(name, module, arguments)], workdir, name)[name]


def four_step_runs(runs, workdir, name="four-steps"):
    """Run several four-step sequences, one after the other, in one playbook.

    ``runs`` is a list of ``(label, module, arguments)``; returns ``{label: [four results]}``.
    One playbook saves the start-up time of ansible-playbook for each sequence.
    """
    tasks = []
    for run_index, (label, module, arguments) in enumerate(runs):
        for index, step in enumerate(STEPS):
            tasks.append({
                "name": "%s: %s" % (label, step),
                module: arguments,
                "check_mode": step.startswith("check"),
                "register": "run%d_step%d" % (run_index, index),
            })
    results, process = run_tasks(tasks, workdir, name=name)
    assert process.returncode == 0, "ansible-playbook failed:\n%s\n%s" % (process.stdout[-6000:], process.stderr[-3000:])
    return {label: [results["run%d_step%d" % (run_index, index)] for index in range(len(STEPS))]
            for run_index, (label, _module, _arguments) in enumerate(runs)}


def assert_idempotent(results):
    """Assert the four-step pattern: change, change, no change, no change."""
    changed = [result["changed"] for result in results]
    assert changed == [True, True, False, False], "changed per step %s: %s" % (
        dict(zip(STEPS, changed)), json.dumps(results, indent=1)[:4000])
    assert "diff" in results[0], "check mode returned no diff"
    assert results[0]["diff"]["before"] != results[0]["diff"]["after"]


class ImageServer:
    """A static HTTP server on 127.0.0.1 for images (ISOs) that an emulated BMC fetches."""

    def __init__(self, folder):
        handler = partial(_QuietHandler, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
