"""The Makefile's promises: `make test` needs no C compiler, `make help` shows the real address."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.c_compiler import c_compiler_problem
from tests.production.test_worker_crash import meinheld_missing_reason

ROOT = Path(__file__).resolve().parents[1]
FAR_FUTURE = 4_000_000_000  # an mtime after any requirements file's: make sees the installs as done
# make test runs one test process per core (nproc: the cores this process may use) and one more.
DEFAULT_WORKERS = len(os.sched_getaffinity(0)) + 1


def make(*arguments: str, **environ: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (make, with our own arguments)
        ["make", "--no-print-directory", "-C", str(ROOT), *arguments],  # noqa: S607 (make from the PATH)
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def calls_log(venv: Path) -> Path:
    return venv.parent / "calls.log"


def calls(venv: Path) -> list[str]:
    return calls_log(venv).read_text().splitlines() if calls_log(venv).exists() else []


@pytest.fixture
def fake_venv(tmp_path):
    """A virtualenv whose installs are done, whose pip and pytest only record how they were called."""
    venv = tmp_path / "venv"
    bin_dir = venv / "bin"
    bin_dir.mkdir(parents=True)
    log = calls_log(venv)
    scripts = {
        "python": f'#!/bin/sh\nexec "{sys.executable}" "$@"\n',
        "pip": f'#!/bin/sh\necho "pip $*" >> "{log}"\n',
        "pytest": f'#!/bin/sh\necho "pytest $*" >> "{log}"\n',
    }
    for name, script in scripts.items():
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    for marker in (".installed", ".installed-dev"):
        (venv / marker).touch()
        os.utime(venv / marker, (FAR_FUTURE, FAR_FUTURE))
    return venv


def test_make_test_without_a_c_compiler_skips_meinheld_and_runs_the_suite(fake_venv):
    result = make("test", f"VENV={fake_venv}", "PYTEST_ARGS=-q", CC="/nonexistent/cc")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Not installing meinheld: the C compiler '/nonexistent/cc' (from CC) is not installed." in result.stdout
    assert calls(fake_venv) == [f"pytest -n {DEFAULT_WORKERS} --dist worksteal -q"]


def test_make_test_with_a_c_compiler_installs_meinheld_first(fake_venv):
    result = make("test", f"VENV={fake_venv}", "PYTEST_ARGS=-q", CC=sys.executable)
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls(fake_venv) == [
        "pip install --quiet --no-deps -r requirements-meinheld.txt",
        f"pytest -n {DEFAULT_WORKERS} --dist worksteal -q",
    ]


def test_make_test_fails_when_meinheld_fails_to_build_with_a_compiler(fake_venv):
    (fake_venv / "bin" / "pip").write_text("#!/bin/sh\nexit 1\n")
    result = make("test", f"VENV={fake_venv}", CC=sys.executable)
    assert result.returncode != 0
    assert calls(fake_venv) == []


def test_the_c_compiler_check_names_the_missing_compiler():
    assert c_compiler_problem({"CC": "/nonexistent/cc", "PATH": "/usr/bin"}) == (
        "the C compiler '/nonexistent/cc' (from CC) is not installed"
    )
    assert c_compiler_problem({"CC": sys.executable, "PATH": "/usr/bin"}) is None


def test_the_meinheld_tests_skip_naming_the_missing_compiler(monkeypatch):
    monkeypatch.setenv("CC", "/nonexistent/cc")
    reason = meinheld_missing_reason()
    assert "the C compiler '/nonexistent/cc' (from CC) is not installed" in reason
    assert "make install-meinheld" in reason


def test_make_help_prints_the_real_address():
    result = make("help", "HOST=0.0.0.0", "PORT=8000")
    assert result.returncode == 0
    assert "http://0.0.0.0:8000 " in result.stdout
    assert "$(" not in result.stdout
