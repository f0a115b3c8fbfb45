"""The OpenMP wait policy set by `import nmfkit` (docs/python.md, "Threads, BLAS and Ctrl-C").

Each case runs a fresh interpreter (libgomp reads the policy once, when it is loaded) with
OMP_DISPLAY_ENV=verbose, so libgomp itself prints the spin count it uses on stderr: 0 for passive,
300000 for its default."""

import os
import re
import subprocess
import sys

import nmfkit

SCRIPT = """
import os, sys
{before}
import nmfkit
print(nmfkit.omp_wait_policy())
print(os.environ.get("OMP_WAIT_POLICY", "unset"))
"""


def run(env_extra, before=""):
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.update(env_extra, OMP_DISPLAY_ENV="verbose")
    # PYTHONPATH as this interpreter sees it, so the child imports the same nmfkit
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(before=before)], env=env,
                         capture_output=True, text=True, check=True)
    spins = re.findall(r"GOMP_SPINCOUNT = '([^']*)'", out.stderr)
    return out.stdout.splitlines(), spins


def test_import_sets_passive_and_leaves_the_environment_clean():
    (policy, env_after), spins = run({})
    assert policy == "OMP_WAIT_POLICY=passive (set by nmfkit)"
    assert spins == ["0"]  # libgomp's own report: no spinning
    assert env_after == "unset"  # child processes do not inherit it


def test_a_user_setting_is_kept():
    (policy, env_after), spins = run({"GOMP_SPINCOUNT": "12345"})
    assert policy == "GOMP_SPINCOUNT=12345 (from the environment)"
    assert spins == ["12345"]
    assert env_after == "unset"
    (policy, env_after), spins = run({"OMP_WAIT_POLICY": "active"})
    assert policy == "OMP_WAIT_POLICY=active (from the environment)"
    assert env_after == "active"


def test_too_late_when_libgomp_was_loaded_first():
    (policy, env_after), spins = run({}, before="import ctypes; ctypes.CDLL('libgomp.so.1')")
    assert policy.startswith("libgomp default")
    assert spins == ["300000"]
    assert env_after == "unset"


def test_reported_in_this_process():
    assert isinstance(nmfkit.omp_wait_policy(), str) and nmfkit.omp_wait_policy()
