"""The harness's summary: medians over rounds, the Arcane/baseline ratios, errors, the Markdown tables."""

from scripts import bench


def run(server, number, rate, *, failed=0, requests=1000):
    figures = {"rate": rate, "p50_us": rate * 10, "p99_us": rate * 100, "requests": requests, "failed": failed}
    return {"operation": "property", "server": server, "round": number, **figures}


def outcome(*runs):
    rss = {"arcane": 2.0, "baseline": 1.0}
    return {"worker_class": "gthread", "runs": list(runs), "rss_mib": {"start": rss, "load": rss}}


def test_medians_and_ratios_over_the_rounds():
    runs = [run("arcane", 1, 100), run("baseline", 1, 200), run("arcane", 2, 300), run("baseline", 2, 400)]
    runs += [run("arcane", 3, 500), run("baseline", 3, 500)]

    [row] = bench.summarise(outcome(*runs))

    assert row["arcane"]["rate"] == 300
    assert row["baseline"]["rate"] == 400
    assert row["ratio"] == 0.75
    assert row["paired_ratio"] == 0.75  # of 0.5, 0.75 and 1
    assert row["errors"] == []


def test_more_than_one_percent_failed_or_nothing_answered_is_an_error():
    runs = [run("arcane", 1, 100, failed=11), run("baseline", 1, 0, requests=0)]

    [row] = bench.summarise(outcome(*runs))

    assert row["errors"] == ["arcane: 11 of 1000 failed", "baseline: no answer"]
    assert row["ratio"] is None
    assert row["paired_ratio"] is None


def test_the_tables():
    result = outcome(run("arcane", 1, 150), run("baseline", 1, 200))

    lines = bench.tables(bench.summarise(result), [result]).splitlines()

    assert lines[2] == "| gthread | One property by id | 150 | 200 | 0.75 | 0.75 | 1.5 / 15.0 | 2.0 / 20.0 | ok |"
    assert lines[-2:] == ["| gthread | arcane | 2.00 | 2.00 |", "| gthread | baseline | 1.00 | 1.00 |"]
