"""Is there a C compiler to build meinheld's sdist with? `make test` asks, and so do the meinheld tests.

pip builds a C extension with the compiler named by the CC environment variable, else with the
one Python was built with (sysconfig's CC). Without it meinheld cannot be installed: `make test`
then runs without meinheld, and the meinheld tests skip, naming what is missing.

Usage: python -m scripts.c_compiler  (prints the compiler and exits 0, or says what is missing and exits 1)
"""

import os
import shlex
import shutil
import sys
import sysconfig


def configured_compiler(environ=os.environ) -> tuple[str, str]:
    """The executable pip would compile with (empty when none is configured), and where it comes from."""
    if environ.get("CC", "").strip():
        return shlex.split(environ["CC"])[0], "CC"
    built_with = (sysconfig.get_config_var("CC") or "").strip()
    return (shlex.split(built_with)[0] if built_with else ""), "Python's build configuration"


def c_compiler_problem(environ=os.environ) -> str | None:
    """None when the C compiler pip would use is installed, else a sentence naming what is missing."""
    executable, source = configured_compiler(environ)
    if not executable:
        return "no C compiler is configured (CC is unset and Python names none)"
    if shutil.which(executable, path=environ.get("PATH")) is None:
        return f"the C compiler {executable!r} (from {source}) is not installed"
    return None


def main() -> int:
    problem = c_compiler_problem()
    print(problem or configured_compiler()[0])
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main())
