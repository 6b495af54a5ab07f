"""Domain errors know nothing of HTTP: one table in arcane.http_errors maps each of them."""

import ast
import pathlib

import pytest

import arcane
from arcane import errors, http_errors

PACKAGE = pathlib.Path(arcane.__file__).parent
WEB_FRAMEWORK = ("flask", "flask_smorest", "flask_jwt_extended", "werkzeug", "marshmallow")


def domain_errors():
    return set(errors.ArcaneError.__subclasses__())


def test_every_domain_error_has_exactly_one_row_in_the_table():
    mapped = [error_type for error_type, _, _ in http_errors.ERROR_TABLE if issubclass(error_type, errors.ArcaneError)]
    assert sorted(mapped, key=repr) == sorted(domain_errors(), key=repr)


def test_domain_errors_carry_no_http_status():
    for error_type in domain_errors():
        assert not any("status" in name for name in vars(error_type)), error_type


def imported_modules(module: str) -> set[str]:
    """The modules that ``module`` (an arcane module) imports, itself included, followed through arcane's own."""
    seen, pending = set(), [module]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = PACKAGE.parent / (name.replace(".", "/") + ".py")
        if not path.exists():
            path = path.with_suffix("") / "__init__.py"
        if not path.exists() or name == "arcane":
            continue  # a library's, or the package's factory (only the app imports it)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                pending += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                pending += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return seen


FLASK_FREE = [
    "arcane.paging",
    *(f"arcane.{layer}.{path.stem}" for layer in ("services", "models") for path in (PACKAGE / layer).glob("*.py")),
]


@pytest.mark.parametrize("module", FLASK_FREE)
def test_services_models_and_paging_import_no_web_framework_even_indirectly(module):
    reached = {name.split(".")[0] for name in imported_modules(module)}
    assert not reached & set(WEB_FRAMEWORK)
