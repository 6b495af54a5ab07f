"""Prometheus metrics at /metrics: requests and their latencies by method, route template and status.

Under gunicorn every worker is a process of its own, and a scrape reaches one of them. With
PROMETHEUS_MULTIPROC_DIR set (config/gunicorn.conf.py sets it), prometheus_client writes each
worker's numbers to files in that directory and /metrics adds up every worker's, those of workers
that have since exited included, whichever worker answers.

Labels hold the route template (``/api/v1/properties/<objectid:property_id>``), never the URL: no
id, query string or other personal data reaches the metrics, and the number of series stays bounded.
"""

import os
import time

from flask import Flask, Response, current_app, g, request, request_finished, request_started
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder

MULTIPROCESS_DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
ENDPOINT = "metrics"
EXTENSION = "arcane.metrics"
LABELS = ("method", "route", "status")
UNMATCHED_ROUTE = "<unmatched>"
# Any token is a valid method name: the others share one label value so that a client cannot
# create series at will.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"


class RequestMetrics:
    """The request counter and latency histogram of one app, and their exposition."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "arcane_http_requests",
            "HTTP requests answered, by method, route template and status.",
            LABELS,
            registry=self.registry,
        )
        self.duration = Histogram(
            "arcane_http_request_duration_seconds",
            "Time from the start of a request's handling to its response, by method, route template and status.",
            LABELS,
            registry=self.registry,
        )

    def start(self, _app: Flask, **_extra) -> None:
        """Note when the request started (Flask's request_started signal: before any before_request hook)."""
        g.metrics_started = time.perf_counter()

    def finish(self, _app: Flask, response: Response, **_extra) -> None:
        """Count the answered request (Flask's request_finished signal, which error responses send too)."""
        rule = request.url_rule
        if rule is not None and rule.endpoint == ENDPOINT:
            return  # scrapes are not API traffic
        method = request.method if request.method in KNOWN_METHODS else OTHER_METHOD
        labels = (method, rule.rule if rule is not None else UNMATCHED_ROUTE, str(response.status_code))
        self.requests.labels(*labels).inc()
        started = g.pop("metrics_started", None)
        if started is not None:
            self.duration.labels(*labels).observe(time.perf_counter() - started)

    def exposition(self) -> Response:
        """The metrics in the format the scraper asks for (Prometheus text by default)."""
        if os.environ.get(MULTIPROCESS_DIRECTORY_VARIABLE):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = self.registry
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        return Response(encode(registry), content_type=content_type)


def init_app(app: Flask) -> None:
    """Measure every request and serve the metrics at /metrics."""
    app.extensions[EXTENSION] = RequestMetrics()
    # The receivers look the metrics up in the app, so that they are the app's state alone
    # (module functions, too: the signals hold their receivers weakly).
    request_started.connect(_request_started, app)
    request_finished.connect(_request_finished, app)
    app.add_url_rule("/metrics", ENDPOINT, lambda: current_app.extensions[EXTENSION].exposition(), methods=["GET"])


def _request_started(app: Flask, **extra) -> None:
    app.extensions[EXTENSION].start(app, **extra)


def _request_finished(app: Flask, response: Response, **extra) -> None:
    app.extensions[EXTENSION].finish(app, response, **extra)
