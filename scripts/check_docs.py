"""Check the API documentation the way its readers meet it.

1. Redocly's recommended lint rules pass on the OpenAPI document (redocly.yaml).
2. openapi-python-client generates a client from it without a warning, with one type per enum (one
   RoomKind, not one per schema that uses it), and the client imports.
3. Swagger UI and ReDoc render in headless Chromium, driven by Playwright, with no internet access:
   every operation is on the page, Swagger UI's Authorize dialog offers the bearer token and "Try it
   out" reaches the service, ReDoc's search finds an operation; nothing is logged as an error (a
   Content-Security-Policy violation included) and no request leaves the machine. Screenshots go to
   --screenshots for a person to look at.

Usage: python -m scripts.check_docs [--screenshots DIR] [--only lint,client,browser] [--csp POLICY]
Needs: npx (Node 18+), Chromium (Debian's `chromium`, or set CHROMIUM), requirements-docs.txt.
"""

import argparse
import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from arcane import create_app
from arcane.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
REDOCLY_CLI = "@redocly/cli@2.77.0"
# redocly.yaml and .redocly.lint-ignore.yaml name this file.
SPEC_PATH = ROOT / "build" / "docs-check" / "openapi.json"
CLIENT_PACKAGE = "arcane_client"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
NON_NETWORK_SCHEMES = {"data", "blob", "about"}
VIEWPORT = {"width": 1280, "height": 900}
RENDER_TIMEOUT_MS = 10_000
SETTLE_MS = 1_500
# A CSP violation is reported to the page, not always to its console: say it there.
REPORT_CSP_VIOLATIONS = """document.addEventListener('securitypolicyviolation', event => console.error(
  `CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || 'inline code'}`
  + ` at ${new URL(event.sourceFile, location.href).pathname}:${event.lineNumber}:${event.columnNumber}`))"""
# keep_local refuses outside requests with this error and reports them: not twice.
REFUSED = "net::ERR_BLOCKED_BY_CLIENT"
EXPECTED_CONSOLE_ERRORS = (
    # ReDoc's search tries Function() to learn whether it may index in a worker; the policy refuses
    # eval, and ReDoc searches in the page instead (the search check shows that it still finds).
    "CSP violation: script-src blocked eval at /docs/assets/redoc/js/redoc.standalone.js:",
    f"Failed to load resource: {REFUSED}",
)


class CheckFailed(Exception):
    """One check did not pass; the message says what a person should look at."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--screenshots", type=Path, default=ROOT / "build" / "docs-check", help="where PNGs go")
    parser.add_argument("--only", default="lint,client,browser", help="comma-separated subset of the checks")
    parser.add_argument("--csp", help="serve the pages with this Content-Security-Policy (to try a policy)")
    args = parser.parse_args()
    checks = {name.strip() for name in args.only.split(",") if name.strip()}

    spec = export_spec()
    SPEC_PATH.parent.mkdir(parents=True, exist_ok=True)
    SPEC_PATH.write_text(json.dumps(spec, indent=2) + "\n")
    failures = []
    with tempfile.TemporaryDirectory(prefix="arcane-docs-") as workdir:
        steps = [
            ("lint", lint_spec),
            ("client", lambda: generate_client(SPEC_PATH, Path(workdir))),
            ("browser", lambda: check_pages(spec, args.screenshots, args.csp)),
        ]
        for name, step in steps:
            if name not in checks:
                continue
            started = time.monotonic()
            print(f"== {name}", flush=True)
            try:
                step()
            except CheckFailed as failure:
                failures.append(f"{name}: {failure}")
                print(f"FAIL {name}: {failure}", flush=True)
            else:
                print(f"ok   {name} ({time.monotonic() - started:.1f}s)", flush=True)
    if failures:
        print("\nThe documentation check failed:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("The documentation check passed.")
    return 0


def docs_app(csp: str | None = None):
    """The app on the embedded database, as `make run` serves it but without demo data."""
    app = create_app(Settings.from_env({"ARCANE_ENV": "test", "LOG_LEVEL": "WARNING"}, seed_demo_data=False))
    if csp:
        app.wsgi_app = _with_policy(app.wsgi_app, csp)
    return app


def _with_policy(wsgi_app, csp: str):
    """Replace whatever Content-Security-Policy the app sends with csp (to try a policy)."""

    def app_with_policy(environ, start_response):
        def start_with_policy(status, headers, exc_info=None):
            headers = [(name, value) for name, value in headers if name.lower() != "content-security-policy"]
            return start_response(status, [*headers, ("Content-Security-Policy", csp)], exc_info)

        return wsgi_app(environ, start_with_policy)

    return app_with_policy


def export_spec() -> dict:
    response = docs_app().test_client().get("/docs/openapi.json")
    if response.status_code != 200:
        raise SystemExit(f"/docs/openapi.json answered {response.status_code}")
    return response.json


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, **kwargs)  # noqa: S603
    except FileNotFoundError as missing:
        raise CheckFailed(f"{command[0]} is not installed ({missing})") from None


def lint_spec() -> None:
    """Redocly's lint with the project's redocly.yaml (recommended-strict: a warning is an error)."""
    result = run([shutil.which("npx") or "npx", "--yes", REDOCLY_CLI, "lint"], cwd=ROOT)
    print(result.stdout + result.stderr)
    if result.returncode:
        raise CheckFailed("fix the problems above, or document an exception in .redocly.lint-ignore.yaml")


def generate_client(spec_path: Path, workdir: Path) -> None:
    """openapi-python-client must generate without a warning, and every generated module must import."""
    tools = Path(sys.executable).parent
    generator = tools / "openapi-python-client"
    if not generator.exists():
        raise CheckFailed(f"{generator} is missing: pip install -r requirements-docs.txt")
    output_path = workdir / "client"
    # Its post-generation hooks run `ruff` from PATH: use the pinned one next to it.
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = run([str(generator), "generate", "--path", str(spec_path), "--output-path", str(output_path)], env=env)
    output = (result.stdout + result.stderr).strip()
    print(output)
    if result.returncode != 0 or "warning" in output.lower() or "error" in output.lower():
        raise CheckFailed(f"openapi-python-client did not generate cleanly:\n{output}")
    package = output_path / CLIENT_PACKAGE
    if not package.is_dir():
        raise CheckFailed(f"no {CLIENT_PACKAGE} package in {output_path}")
    modules = sorted(
        ".".join(source.relative_to(output_path).with_suffix("").parts).removesuffix(".__init__")
        for source in package.rglob("*.py")
    )
    duplicates = duplicate_enums(package)
    if duplicates:
        raise CheckFailed(f"several client enums hold the same values (enums inlined in the document): {duplicates}")
    importer = "import importlib, sys\nfor name in sys.argv[1:]: importlib.import_module(name)"
    result = run([sys.executable, "-c", importer, *modules], cwd=output_path)
    if result.returncode != 0:
        raise CheckFailed(f"the generated client does not import:\n{result.stderr}")
    print(f"{len(modules)} modules of {CLIENT_PACKAGE} import")


def duplicate_enums(package: Path) -> list[list[str]]:
    """Groups of generated enum classes with the same values: one per schema that inlines the enum."""
    classes_by_values = {}
    for source in package.rglob("*.py"):
        text = source.read_text()
        for match in re.finditer(r"^class (\w+)\([^)]*Enum\):\n((?:    .*\n|\n)*)", text, flags=re.MULTILINE):
            values = frozenset(re.findall(r'^    \w+ = "([^"]*)"$', match.group(2), flags=re.MULTILINE))
            classes_by_values.setdefault(values, []).append(match.group(1))
    return sorted(sorted(names) for names in classes_by_values.values() if len(names) > 1)


def check_pages(spec: dict, screenshots: Path, csp: str | None) -> None:
    """Both pages render every operation, offline, without errors; Swagger UI can authorize."""
    operations = [
        (method, path, operation["summary"])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "summary" in operation
    ]
    screenshots.mkdir(parents=True, exist_ok=True)
    problems = []
    expect.set_options(timeout=RENDER_TIMEOUT_MS)
    with serve(docs_app(csp)) as base_url, sync_playwright() as playwright:
        # Playwright's default flags run Chromium headless, without sandbox (as root) or background calls.
        browser = playwright.chromium.launch(executable_path=find_chromium())
        # A service worker's requests would not go through the route below.
        context = browser.new_context(viewport=VIEWPORT, service_workers="block")
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.route("**/*", lambda route: keep_local(route, problems))
        for path, check_page in (("/docs/swagger", check_swagger_ui), ("/docs/redoc", check_redoc)):
            page = context.new_page()
            watch(page, problems)
            try:
                page.goto(base_url + path)
                check_page(page, operations, screenshots, problems)
                page.wait_for_timeout(SETTLE_MS)
            except (AssertionError, PlaywrightError) as failure:
                problems.append(f"{path}: {failure}")
        browser.close()
    print(f"screenshots in {screenshots}")
    if problems:
        raise CheckFailed("\n  " + "\n  ".join(problem[:400] for problem in problems))  # data: URLs are long


def keep_local(route, problems: list[str]) -> None:
    """Let requests to the service through, refuse and report any other."""
    url = urllib.parse.urlsplit(route.request.url)
    if url.scheme in NON_NETWORK_SCHEMES or url.hostname in LOCAL_HOSTS:
        route.continue_()
    else:
        problems.append(f"request to another host: {route.request.url}")
        route.abort("blockedbyclient")


def watch(page: Page, problems: list[str]) -> None:
    """Report what the page logs as an error or a warning, uncaught exceptions and failed requests."""

    def report(problem: str) -> None:
        problems.append(f"{urllib.parse.urlsplit(page.url).path}: {problem}")

    def on_console(message) -> None:
        if message.type in {"error", "warning", "assert"} and not message.text.startswith(EXPECTED_CONSOLE_ERRORS):
            report(f"console.{message.type}: {message.text} {message.location.get('url', '')}")

    def on_response(response) -> None:
        if response.status >= 400:
            report(f"HTTP {response.status}: {response.url}")

    def on_request_failed(request) -> None:
        if not request.failure.startswith(REFUSED):
            report(f"request failed ({request.failure}): {request.url}")

    page.on("pageerror", lambda error: report(f"uncaught exception: {error}"))
    page.on("console", on_console)
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)


def check_swagger_ui(page: Page, operations: list, screenshots: Path, problems: list[str]) -> None:
    page.locator(".opblock").first.wait_for()
    shown = page.locator(".opblock-summary-description").all_inner_texts()
    problems += [
        f"Swagger UI: operation not rendered: {summary!r} ({method.upper()} {path})"
        for method, path, summary in operations
        if summary not in shown
    ]
    page.screenshot(path=screenshots / "swagger.png")
    page.locator(".auth-wrapper button.authorize").click()
    expect(page.locator(".dialog-ux .modal-ux")).to_contain_text("bearerAuth")
    page.screenshot(path=screenshots / "swagger-authorize.png")
    page.locator(".dialog-ux .modal-ux button.btn-done").click()
    # "Try it out" on GET /health: the request goes to the server of the document and its answer shows.
    health = page.locator(".opblock", has=page.locator('.opblock-summary-path[data-path="/health"]'))
    health.locator(".opblock-summary-control").click()
    health.locator(".try-out__btn").click()
    health.locator(".execute").click()
    answer = health.locator(".live-responses-table")
    expect(answer.locator("tbody .response-col_status")).to_have_text("200")
    answer.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "swagger-try-it-out.png")


def check_redoc(page: Page, operations: list, screenshots: Path, problems: list[str]) -> None:
    expect(page.locator("h1").first).to_contain_text("Arcane")
    page.locator('a[href^="#/"]').first.wait_for()
    page.screenshot(path=screenshots / "redoc.png")
    # Searching runs the code that could need a worker: find one operation by its summary.
    wanted = min(summary for _, _, summary in operations)
    page.locator('[data-component-name="icons/SearchIcon/SearchIcon"]').locator("..").click()
    search = page.locator("input:focus")
    search.fill(wanted)
    results = search.locator("xpath=ancestor::div[.//a][1]")
    expect(results, f"ReDoc: searching for {wanted!r} finds it").to_contain_text(wanted)
    page.screenshot(path=screenshots / "redoc-search.png")
    page.keyboard.press("Escape")
    problems += visit_operations(page, operations)
    page.screenshot(path=screenshots / "redoc-operation.png")


def visit_operations(page: Page, operations: list[tuple[str, str, str]]) -> list[str]:
    """ReDoc 3 renders an operation when it is visited: follow each operation's link, see its heading."""
    problems = []
    for method, path, summary in operations:
        heading = page.locator("h1, h2, h3").filter(has_text=re.compile(f"^{re.escape(summary)}$"))
        try:
            page.get_by_role("link", name=f"{method} {path}", exact=True).first.click()
            expect(heading).to_be_visible()
        except (AssertionError, PlaywrightError):
            problems.append(f"ReDoc: operation not rendered: {summary!r} ({method.upper()} {path})")
    return problems


def find_chromium() -> str:
    """Debian's Chromium, or the browser CHROMIUM names: Playwright downloads none."""
    chromium = os.environ.get("CHROMIUM", "chromium")
    if found := shutil.which(chromium):
        return found
    raise CheckFailed(f"{chromium} not found: install Debian's `chromium` (make chromium) or set CHROMIUM")


@contextlib.contextmanager
def serve(app):
    """Serve the app on a free loopback port in a thread, for as long as the block runs."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per asset is noise here
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


if __name__ == "__main__":
    sys.exit(main())
