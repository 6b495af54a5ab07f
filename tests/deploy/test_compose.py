"""docker-compose.yml: what its schema cannot check (depends_on targets, env files, build targets)."""

import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
STAGE = re.compile(r"^FROM\s+\S+\s+AS\s+(\S+)", re.IGNORECASE | re.MULTILINE)
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def dependencies(service: dict) -> dict[str, str]:
    """A service's depends_on as {target: condition}, whichever syntax it uses."""
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):
        return dict.fromkeys(depends_on, "service_started")
    return {target: (options or {}).get("condition", "service_started") for target, options in depends_on.items()}


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_dependency_is_a_service_started_with_it(name):
    service = SERVICES[name]
    for target, condition in dependencies(service).items():
        assert target in SERVICES, f"{name}: depends_on {target!r}, which is not a service"
        assert condition in CONDITIONS, f"{name}: depends_on {target!r} with unknown condition {condition!r}"
        # A service in a profile only starts when that profile is asked for.
        target_profiles = set(SERVICES[target].get("profiles") or [])
        assert not target_profiles or target_profiles & set(service.get("profiles") or []), (
            f"{name}: depends_on {target!r}, only in profile(s) {sorted(target_profiles)}"
        )


@pytest.mark.parametrize("name", list(SERVICES))
def test_env_files_exist_and_build_targets_are_stages(name):
    service = SERVICES[name]
    env_files = service.get("env_file") or []
    for env_file in env_files if isinstance(env_files, list) else [env_files]:
        path = env_file["path"] if isinstance(env_file, dict) else env_file
        assert (ROOT / path).is_file(), f"{name}: env_file {path!r} does not exist"
    build = service.get("build")
    if isinstance(build, dict) and build.get("target"):
        dockerfile = ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
        assert build["target"] in STAGE.findall(dockerfile.read_text()), f"{name}: no stage {build['target']!r}"
