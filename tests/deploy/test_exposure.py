"""terraform/: what the internet may reach, which checkov does not model.

No listener forwards by default; every forward rule is limited to path patterns that match
neither /metrics nor a percent-encoded spelling of it; a rule answering /metrics* with a fixed
response comes before every forward rule; the instances admit the load balancer only, the
database and Redis the instances only; the boot script hands the instances a TLS Redis URI.
"""

import copy
import re
from pathlib import Path

import pytest

hcl2 = pytest.importorskip("hcl2", reason="needs bc-python-hcl2 (requirements-dev.txt)")

TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"
# What must never be forwarded: /metrics as the service routes it, whatever its spelling on the wire.
METRICS_PROBES = ("/metrics", "/metrics/", "/metrics?x", "/%6Detrics", "/%2Fmetrics", "/x/../metrics")
SECURITY_GROUP = re.compile(r"aws_security_group\.([a-z_]+)\.id")
# Who may reach whom: the instances from the load balancer, the data stores from the instances.
INGRESS_SOURCES = {"service": "alb", "database": "service", "redis": "service"}


def merged(directory: Path) -> dict[str, list]:
    """Every top-level block of the .tf files under directory: {"resource": [...], "locals": [...]}."""
    blocks: dict[str, list] = {}
    for path in sorted(directory.glob("*.tf")):
        for kind, entries in hcl2.loads(path.read_text()).items():
            blocks.setdefault(kind, []).extend(entries)
    return blocks


def resources_of(blocks: dict[str, list], kind: str) -> dict[str, dict]:
    """The resources of one type, by name."""
    return {name: body for entry in blocks.get("resource", []) for name, body in entry.get(kind, {}).items()}


def first(body: dict, key: str, default=None):
    """One argument of a parsed block (the parser wraps each in a list)."""
    value = body.get(key, [default])
    return value[0] if isinstance(value, list) and value else value


def alb_pattern_matches(pattern: str, path: str) -> bool:
    """The load balancer's path-pattern test: case-sensitive, * any run, ? one character, on the raw path."""
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, path.split("?", 1)[0]) is not None


def forwarded_patterns(rule: dict, local_values: dict) -> list[str] | None:
    """The path patterns a rule matches, or None when it has no path condition."""
    patterns = []
    for condition in rule.get("condition", []):
        for path_pattern in condition.get("path_pattern", []):
            values = first(path_pattern, "values")
            if isinstance(values, str):  # an expression: the local list it slices
                names = re.findall(r"local\.([a-z_]+)", values)
                values = [pattern for name in names for pattern in local_values.get(name, [])]
            patterns.extend(values or [])
    return patterns or None


def priority_floor(rule: dict) -> int:
    """The lowest priority a rule (or a counted rule's first copy) takes."""
    priority = first(rule, "priority")
    return priority if isinstance(priority, int) else int(re.search(r"\d+", str(priority)).group())


def ingress_problems(blocks: dict[str, list]) -> list[str]:
    """Ingress rules of the instances and the data stores that admit anything but their one source."""
    problems = []
    for name, rule in resources_of(blocks, "aws_vpc_security_group_ingress_rule").items():
        target = SECURITY_GROUP.search(str(first(rule, "security_group_id")))
        if not target or target.group(1) not in INGRESS_SOURCES:
            continue
        wanted = INGRESS_SOURCES[target.group(1)]
        source = SECURITY_GROUP.search(str(first(rule, "referenced_security_group_id")))
        if not source or source.group(1) != wanted or {"cidr_ipv4", "cidr_ipv6", "prefix_list_id"} & rule.keys():
            problems.append(f"aws_vpc_security_group_ingress_rule.{name}: {target.group(1)} must admit {wanted} only")
    return problems


def exposure_problems(blocks: dict[str, list]) -> list[str]:
    """Ways the stack would expose /metrics or a data store, one sentence each."""
    local_values = {name: first(entry, name) for entry in blocks.get("locals", []) for name in entry}
    problems = []
    for name, listener in resources_of(blocks, "aws_lb_listener").items():
        if any("forward" in str(first(action, "type")) for action in listener.get("default_action", [])):
            problems.append(f"aws_lb_listener.{name}: its default action forwards; forward the public paths by rule")
    deny_priorities, forward_priorities = [], []
    for name, rule in resources_of(blocks, "aws_lb_listener_rule").items():
        action_types = " ".join(str(first(action, "type")) for action in rule.get("action", []))
        patterns = forwarded_patterns(rule, local_values)
        if "forward" not in action_types:
            if action_types == "fixed-response" and "/metrics*" in (patterns or []):
                deny_priorities.append(priority_floor(rule))
            continue
        forward_priorities.append(priority_floor(rule))
        if patterns is None:
            problems.append(f"aws_lb_listener_rule.{name}: forwards without a path condition")
        for pattern in patterns or []:
            leaks = [probe for probe in METRICS_PROBES if alb_pattern_matches(pattern, probe)]
            if leaks:
                problems.append(f"aws_lb_listener_rule.{name}: pattern {pattern!r} forwards {', '.join(leaks)}")
    if not deny_priorities:
        problems.append("no listener rule answers /metrics* with a fixed response")
    elif forward_priorities and min(deny_priorities) >= min(forward_priorities):
        problems.append(f"the /metrics* rule must come before the forward rules (from {min(forward_priorities)})")
    return problems + ingress_problems(blocks)


@pytest.fixture(scope="module")
def blocks():
    return merged(TERRAFORM)


def test_metrics_and_the_data_stores_are_not_exposed(blocks):
    assert exposure_problems(blocks) == []


def test_the_instances_get_a_tls_redis_uri():
    assert "RATELIMIT_STORAGE_URI=rediss://" in (TERRAFORM / "user_data.sh.tftpl").read_text()


def test_a_forward_rule_that_matches_metrics_is_found(blocks):
    leaky = copy.deepcopy(blocks)
    rule = next(iter(resources_of(leaky, "aws_lb_listener_rule").values()))
    rule["action"] = [{"type": "forward"}]
    rule["condition"] = [{"path_pattern": [{"values": [["/%6D*"]]}]}]  # each argument in a list
    assert any("forwards /%6Detrics" in problem for problem in exposure_problems(leaky))


def test_a_data_store_open_to_an_address_range_is_found(blocks):
    open_ = copy.deepcopy(blocks)
    for rule in resources_of(open_, "aws_vpc_security_group_ingress_rule").values():
        rule["cidr_ipv4"] = "0.0.0.0/0"
    assert any("redis must admit service only" in problem for problem in exposure_problems(open_))
