"""Gunicorn worker classes: ``gunicorn -k arcane.workers.MeinheldWorker``.

meinheld 1.0.2's worker (``meinheld.gmeinheld.MeinheldWorker``) replaces ``access`` and ``error``
on gunicorn's ``Logger`` class in its ``__init__``. The arbiter builds each worker object before
it forks, so that patch lands in the master too, where ``Logger.error`` then takes meinheld's
``(exc_type, exc, traceback)`` signature. The first time a worker dies (SIGKILL, OOM) the master
logs it with ``log.error(msg, pid, signal)``, that call fails, the main loop's
``log.error(..., exc_info=True)`` fails in turn with ``TypeError: _error() got an unexpected
keyword argument 'exc_info'``, and the master exits, taking the service down.

This worker leaves gunicorn's ``Logger`` class alone and hands meinheld's C server an adapter,
in the forked worker only: the master keeps a working logger and replaces dead workers.
"""

import sys

from gunicorn.workers.base import Worker
from meinheld import server
from meinheld.gmeinheld import MeinheldWorker as StockMeinheldWorker
from meinheld.mlogging import SafeAtoms


class MeinheldLogAdapter:
    """The logger interface meinheld's server calls (``access(environ)``, ``error(type, exc, tb)``)."""

    def __init__(self, log):
        self.log = log
        # meinheld's access formatter reads these from the logger it is bound to.
        self.cfg = log.cfg
        self.access_log = log.access_log

    def access(self, environ) -> None:
        """Write one access line in gunicorn's access_log_format, from meinheld's environ."""
        if "REQUEST_METHOD" not in environ:
            # meinheld also reports a keep-alive connection the client closed, as an empty request.
            return
        # meinheld's own formatter has no %(m)s or %(U)s, and its %(r)s and %(f)s are what the
        # format leaves out: the atoms gunicorn documents, without the query string.
        atoms = {
            "h": environ.get("REMOTE_ADDR", "-"),
            "m": environ.get("REQUEST_METHOD", "-"),
            "U": environ.get("PATH_INFO", "-"),
            "s": str(environ.get("STATUS_CODE", "-")),
            "b": str(environ.get("SEND_BYTES", "-")),
            "a": environ.get("HTTP_USER_AGENT", "-"),
            # meinheld's request time, in its own unit (its stock formatter reports it as %(D)s too).
            "D": str(environ.get("REQUEST_TIME", "-")),
        }
        self.access_log.info(self.cfg.access_log_format % SafeAtoms(atoms))

    def error(self, exc_type=None, exc=None, traceback=None) -> None:
        """Log an exception the server caught (an application error or a bad access format)."""
        exc_info = (exc_type, exc, traceback) if exc_type is not None else sys.exc_info()
        self.log.error("Error handling request", exc_info=exc_info)


class MeinheldWorker(StockMeinheldWorker):
    """meinheld's gunicorn worker whose logging hooks live in the worker process only."""

    def __init__(self, *args, **kwargs):
        # Skip the stock __init__: it patches gunicorn's Logger class, in the master as well.
        Worker.__init__(self, *args, **kwargs)

    def init_process(self):
        """Runs in the forked worker: connect meinheld's server to gunicorn's logger, then serve."""
        adapter = MeinheldLogAdapter(self.log)
        server.set_access_logger(None if self.cfg.accesslog is self.cfg.logconfig is None else adapter)
        server.set_error_logger(adapter)
        super().init_process()
