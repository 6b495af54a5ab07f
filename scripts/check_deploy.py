"""Checks of the deployment files that their linters cannot make.

    python scripts/check_deploy.py compose [docker-compose.yml]
    python scripts/check_deploy.py terraform [terraform/]
    python scripts/check_deploy.py exposure [terraform/]
    python scripts/check_deploy.py user-data terraform/user_data.sh.tftpl

compose: every depends_on names a service that exists and is started with it (a service in a
profile only starts when asked for), every env_file exists, every build target is a stage of its
Dockerfile.
terraform: every .tf and .tfvars file parses (python-hcl2) and is laid out as `terraform fmt` would: two-space
indentation by bracket depth, the `=` of consecutive one-line arguments aligned, one space after
it, no tabs or trailing spaces (terraform itself cannot be installed here).

exposure: what the internet may reach in the Terraform stack, which checkov does not model: no
listener forwards by default, every forward rule is limited to path patterns that match neither
/metrics nor a percent-encoded spelling of it, a rule answering /metrics* with a fixed response
comes before every forward rule, the instances admit traffic from the load balancer only, the
database and Redis from the instances only, and the boot script hands the instances a TLS Redis URI.

user-data: prints the boot script with every template variable replaced by a placeholder and
every template directive line removed (both branches kept), for shellcheck.

Prints one line per problem and exits 1 if there is any. Needs PyYAML and python-hcl2 (.venv-tools).
"""

import re
import sys
from pathlib import Path

import hcl2
import yaml

CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
STAGE = re.compile(r"^FROM\s+\S+\s+AS\s+(\S+)", re.IGNORECASE | re.MULTILINE)


def dependencies(service: dict) -> dict[str, str]:
    """A service's depends_on as {target: condition}, whichever syntax it uses."""
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):
        return dict.fromkeys(depends_on, "service_started")
    return {target: (options or {}).get("condition", "service_started") for target, options in depends_on.items()}


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def problems_in(compose_path: Path) -> list[str]:
    """Everything wrong with the compose file, one sentence each."""
    compose = yaml.safe_load(compose_path.read_text())
    services = compose.get("services") or {}
    base = compose_path.parent
    problems = []
    for name, service in services.items():
        for target, condition in dependencies(service).items():
            if target not in services:
                problems.append(f"{name}: depends_on {target!r}, which is not a service")
                continue
            if condition not in CONDITIONS:
                problems.append(f"{name}: depends_on {target!r} with unknown condition {condition!r}")
            target_profiles = set(services[target].get("profiles") or [])
            if target_profiles and not target_profiles & set(service.get("profiles") or []):
                problems.append(f"{name}: depends_on {target!r}, only in profile(s) {sorted(target_profiles)}")
        for env_file in as_list(service.get("env_file")):
            path = env_file["path"] if isinstance(env_file, dict) else env_file
            if not (base / path).is_file():
                problems.append(f"{name}: env_file {path!r} does not exist")
        build = service.get("build")
        if isinstance(build, dict) and build.get("target"):
            dockerfile = base / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
            stages = STAGE.findall(dockerfile.read_text()) if dockerfile.is_file() else []
            if build["target"] not in stages:
                problems.append(f"{name}: build target {build['target']!r} is not a stage of {dockerfile.name}")
    return problems


OPENERS = {"{": 1, "[": 1, "(": 1, "}": -1, "]": -1, ")": -1}
NOT_ASSIGNMENT = ("==", "=>", "<=", ">=", "!=")


def code_of(line: str) -> list[tuple[int, str]]:
    """The (column, character) pairs of a line outside strings and comments.

    An interpolation (`${` or `%{` ... `}`) inside a string counts as a pair of brackets, as in HCL.
    """
    code, frames, column = [], ["code"], 0  # frames: "code", "string", or an interpolation's brace depth
    while column < len(line):
        char, frame = line[column], frames[-1]
        if frame == "string":
            if char == "\\" or line.startswith(("$${", "%%{"), column):
                column += 3 if char != "\\" else 2
                continue
            if char == '"':
                frames.pop()
            elif line.startswith(("${", "%{"), column):
                code.append((column, "{"))
                frames.append(0)
                column += 2
                continue
        elif char == '"':
            frames.append("string")
        elif char == "#" or line.startswith("//", column):
            break
        else:
            if isinstance(frame, int) and char in "{}":
                if char == "}" and frame == 0:
                    frames.pop()
                else:
                    frames[-1] += 1 if char == "{" else -1
            code.append((column, char))
        column += 1
    return code


def assignment_column(line: str, code: list[tuple[int, str]]) -> int | None:
    """Column of the `=` of a one-line argument (`name = value`), as terraform fmt aligns them."""
    for index, (column, char) in enumerate(code):
        if (
            char != "="
            or line[column - 1 : column + 1] in NOT_ASSIGNMENT
            or line[column : column + 2] in NOT_ASSIGNMENT
        ):
            continue
        if not line[:column].strip():
            return None
        net = sum(OPENERS.get(other, 0) for _, other in code[index:])
        return column if net == 0 else None
    return None


def layout_problems(text: str) -> list[str]:
    """Where a file departs from terraform fmt's layout (indentation and `=` alignment)."""
    problems, depths, chain = [], [], []

    def close_chain():
        if chain:
            expected = max(len(line[:column].rstrip()) for _, line, column in chain) + 1
            problems.extend(
                f"line {number}: align `=` at column {expected + 1}"
                for number, line, column in chain
                if column != expected
            )
            chain.clear()

    for number, line in enumerate(text.split("\n"), start=1):
        if "\t" in line or line != line.rstrip():
            problems.append(f"line {number}: tab or trailing whitespace")
        if not line.strip():
            close_chain()
            continue
        code = code_of(line)
        net = sum(OPENERS.get(char, 0) for _, char in code)
        if net < 0:
            closed = -net
            while closed > 0 and depths:
                if closed >= depths[-1]:
                    closed -= depths.pop()
                else:
                    depths[-1] -= closed
                    closed = 0
        indent = len(line) - len(line.lstrip(" "))
        if indent != 2 * len(depths):
            problems.append(f"line {number}: indent {indent} spaces, terraform fmt uses {2 * len(depths)}")
        if net > 0:
            depths.append(net)
        column = assignment_column(line, code)
        if column is None:
            close_chain()
            continue
        if line[column + 1 : column + 2] != " " or line[column + 2 : column + 3] == " ":
            problems.append(f"line {number}: one space after `=`")
        chain.append((number, line, column))
    close_chain()
    if not text.endswith("\n") or text.endswith("\n\n"):
        problems.append("the file must end with exactly one newline")
    return problems


def terraform_problems(directory: Path) -> tuple[list[str], int]:
    """Problems of every .tf and .tfvars file under directory, and how many files were checked."""
    problems = []
    files = sorted([*directory.rglob("*.tf"), *directory.rglob("*.tfvars")])
    for path in files:
        text = path.read_text()
        try:
            hcl2.loads(text)
        except Exception as error:  # the parser raises several unrelated types
            problems.append(f"{path}: does not parse: {error}")
            continue
        problems.extend(f"{path}: {problem}" for problem in layout_problems(text))
    return problems, len(files)


# What must never be forwarded: /metrics as the service routes it, whatever its spelling on the wire.
METRICS_PROBES = ("/metrics", "/metrics/", "/metrics?x", "/%6Detrics", "/%2Fmetrics", "/x/../metrics")


def merged(directory: Path) -> dict[str, list]:
    """Every top-level block of the .tf files under directory: {"resource": [...], "locals": [...]}."""
    blocks: dict[str, list] = {}
    for path in sorted(directory.rglob("*.tf")):
        for kind, entries in hcl2.loads(path.read_text()).items():
            blocks.setdefault(kind, []).extend(entries)
    return blocks


def resources_of(blocks: dict[str, list], kind: str) -> dict[str, dict]:
    """The resources of one type, by name."""
    return {name: body for entry in blocks.get("resource", []) for name, body in entry.get(kind, {}).items()}


def first(body: dict, key: str, default=None):
    """One argument of a parsed block (python-hcl2 wraps each in a list)."""
    value = body.get(key, [default])
    return value[0] if isinstance(value, list) and value else value


def alb_pattern_matches(pattern: str, path: str) -> bool:
    """The load balancer's path-pattern test: case-sensitive, * any run, ? one character, on the raw path."""
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, path.split("?", 1)[0]) is not None


def forwarded_patterns(rule: dict, local_values: dict) -> list[str] | None:
    """The path patterns a forward rule matches, or None when it has no path condition."""
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


SECURITY_GROUP = re.compile(r"aws_security_group\.([a-z_]+)\.id")
# Who may reach whom: the instances from the load balancer, the data stores from the instances.
INGRESS_SOURCES = {"service": "alb", "database": "service", "redis": "service"}


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


def exposure_problems(directory: Path) -> list[str]:
    """Ways the stack would expose /metrics or a data store, one sentence each."""
    blocks = merged(directory)
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
        problems.append(
            f"the /metrics* rule (priority {min(deny_priorities)}) must come before "
            f"the forward rules (from {min(forward_priorities)})"
        )
    problems.extend(ingress_problems(blocks))
    user_data = directory / "user_data.sh.tftpl"
    if user_data.is_file() and "RATELIMIT_STORAGE_URI=rediss://" not in user_data.read_text():
        problems.append(f"{user_data}: the instances get no TLS (rediss://) RATELIMIT_STORAGE_URI")
    return problems


TEMPLATE_DIRECTIVE = re.compile(r"^\s*%\{[^}]*\}\s*$\n?", re.MULTILINE)
TEMPLATE_VARIABLE = re.compile(r"(?<!\$)\$\{\s*([a-z_][a-z0-9_]*)\s*\}")


def render_template(text: str) -> str:
    """A Terraform template with placeholders for its variables, for a shell linter."""
    text = TEMPLATE_DIRECTIVE.sub("", text)
    return TEMPLATE_VARIABLE.sub(lambda match: f"placeholder-{match.group(1).replace('_', '-')}", text)


def main(argv: list[str]) -> int:
    kind = argv[0] if argv else ""
    if kind == "user-data" and len(argv) == 2:
        sys.stdout.write(render_template(Path(argv[1]).read_text()))
        return 0
    if kind == "compose":
        target = Path(argv[1] if len(argv) > 1 else "docker-compose.yml")
        problems = [f"{target}: {problem}" for problem in problems_in(target)]
        success = f"{target}: depends_on targets, env files and build targets are consistent"
    elif kind == "terraform":
        target = Path(argv[1] if len(argv) > 1 else "terraform")
        problems, count = terraform_problems(target)
        success = f"{target}: {count} .tf and .tfvars files parse and follow terraform fmt's layout"
        if not count:
            problems.append(f"{target}: no .tf file found")
    elif kind == "exposure":
        target = Path(argv[1] if len(argv) > 1 else "terraform")
        problems = exposure_problems(target)
        success = f"{target}: /metrics stays behind the load balancer, the data stores behind the instances"
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(success)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
