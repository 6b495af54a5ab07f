"""Consistency checks of docker-compose.yml that its JSON schema cannot express.

    python scripts/check_deploy.py [docker-compose.yml]

Every depends_on names a service that exists and is started with it (a service in a profile
only starts when asked for), every env_file exists, and every build target is a stage of its
Dockerfile. Prints one line per problem and exits 1 if there is any. Needs PyYAML (.venv-tools).
"""

import re
import sys
from pathlib import Path

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


def main(argv: list[str]) -> int:
    compose_path = Path(argv[0] if argv else "docker-compose.yml")
    problems = problems_in(compose_path)
    for problem in problems:
        print(f"{compose_path}: {problem}")
    if problems:
        return 1
    print(f"{compose_path}: depends_on targets, env files and build targets are consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
