"""Arcane as the benchmark serves it: ``create_app()`` unchanged, plus the benchmark's dataset.

Served by the harness as ``gunicorn 'scripts.bench_arcane_app:serve()'``. The dataset's plain
documents go straight into mongoengine's connection, so Arcane needs no hook of its own; on the
embedded database each worker holds its own copy, which is why the harness runs a single worker.
"""

import os

import mongoengine

from arcane import create_app
from scripts.bench_data import ResetMiddleware, insert_dataset, read_dataset


def serve():
    """The WSGI app gunicorn runs: Arcane from its environment, seeded from BENCH_DATASET."""
    app = create_app()
    dataset_path = os.environ.get("BENCH_DATASET")
    if not dataset_path:
        return app
    dataset = read_dataset(dataset_path)
    if os.environ.get("BENCH_SEED") == "1":
        with app.app_context():
            insert_dataset(mongoengine.get_db(), dataset)
    return ResetMiddleware(app, mongoengine.get_db, dataset)
