"""Process helpers shared by the benchmark and the tests of the real server (tests/production)."""

import socket

import psutil


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> set[int]:
    """The pids whose parent is pid (gunicorn's workers, for the master)."""
    return {child.pid for child in psutil.Process(pid).children()}
