"""The harness's summary: medians over rounds, the Arcane/baseline ratios, errors, the Markdown tables."""

from scripts import bench


def run(server, number, rate, *, failed=0, requests=1000):
    return {
        "operation": "property",
        "server": server,
        "round": number,
        "requests_per_second": rate,
        "p50_ms": rate / 100,
        "p99_ms": rate / 10,
        "requests": requests,
        "failed": failed,
    }


def outcome(*runs):
    rss = {"arcane": {"1": 2048}, "baseline": {"1": 1024}}
    return {
        "worker_class": "gthread",
        "operations": ["property"],
        "runs": list(runs),
        "rss_kib_after_start": rss,
        "rss_kib_after_load": rss,
    }


def test_medians_and_ratios_over_the_rounds():
    runs = [run("arcane", 1, 100), run("baseline", 1, 200), run("arcane", 2, 300), run("baseline", 2, 400)]
    runs += [run("arcane", 3, 500), run("baseline", 3, 500)]

    [row] = bench.summarise(outcome(*runs))

    assert row["arcane"]["requests_per_second"] == 300
    assert row["baseline"]["requests_per_second"] == 400
    assert row["ratio"] == 0.75
    assert row["paired_ratio_median"] == 0.75  # of 0.5, 0.75 and 1
    assert row["arcane"]["requests"] == 3000
    assert row["errors"] == []


def test_more_than_one_percent_failed_or_nothing_answered_is_an_error():
    runs = [run("arcane", 1, 100, failed=11), run("baseline", 1, 0, requests=0)]

    [row] = bench.summarise(outcome(*runs))

    assert row["errors"] == ["arcane: 11 of 1000 failed", "baseline: no answer"]
    assert row["ratio"] is None
    assert row["paired_ratio_median"] is None


def test_the_tables():
    result = outcome(run("arcane", 1, 150), run("baseline", 1, 200))

    lines = bench.tables(bench.summarise(result), bench.memory_rows(result)).splitlines()

    assert lines[2] == "| gthread | One property by id | 150 | 200 | 0.75 | 1.5 / 15.0 | 2.0 / 20.0 | ok |"
    assert lines[-2:] == ["| gthread | arcane | 1 | 2.0 | 2.0 |", "| gthread | baseline | 1 | 1.0 | 1.0 |"]
