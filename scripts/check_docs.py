"""Check the API documentation the way its readers meet it.

1. Redocly's recommended lint rules pass on the OpenAPI document (redocly.yaml).
2. openapi-python-client generates a client from it without a warning, and the client imports.
3. Swagger UI and ReDoc render in headless Chromium with no internet access: every operation is on
   the page, Swagger UI's Authorize dialog offers the bearer token and "Try it out" reaches the
   service, ReDoc's search finds an operation; nothing is logged as an error (a Content-Security-
   Policy violation included) and no request leaves the machine. Screenshots go to --screenshots
   for a person to look at.

Usage: python scripts/check_docs.py [--screenshots DIR] [--only lint,client,browser] [--csp POLICY]
Needs: npx (Node 18+), Chromium (Debian's `chromium`, or set CHROMIUM), requirements-docs.txt.
"""

import argparse
import base64
import contextlib
import fcntl
import json
import logging
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arcane import create_app
from arcane.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
REDOCLY_CLI = "@redocly/cli@2.77.0"
# redocly.yaml and .redocly.lint-ignore.yaml name this file.
SPEC_PATH = ROOT / "build" / "docs-check" / "openapi.json"
CLIENT_PACKAGE = "arcane_client"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
    # No name but the loopback resolves: the pages are checked as on a machine with no internet.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
)
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
NON_NETWORK_SCHEMES = {"data", "blob", "about"}
VIEWPORT = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
RENDER_TIMEOUT_S = 30
SETTLE_S = 1.5

# Each probe returns what the page shows: the operation summaries it rendered, and more.
SWAGGER_PROBE = """(() => ({
  summaries: [...document.querySelectorAll('.opblock .opblock-summary-description')].map(e => e.textContent.trim()),
  title: document.querySelector('.info .title')?.textContent ?? '',
  authorize: !!document.querySelector('.auth-wrapper button.authorize'),
}))()"""
SWAGGER_OPEN_AUTHORIZE = "document.querySelector('.auth-wrapper button.authorize').click()"
SWAGGER_CLOSE_AUTHORIZE = "document.querySelector('.dialog-ux .modal-ux button.btn-done').click()"
SWAGGER_AUTHORIZE_PROBE = """(() => ({
  dialog: document.querySelector('.dialog-ux .modal-ux')?.textContent ?? '',
}))()"""
# "Try it out" on GET /health: the request goes to the server of the document and its answer shows.
SWAGGER_TRY_IT_OUT = """(async () => {
  const until = async find => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const found = find();
      if (found) return found;
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    throw new Error('Swagger UI did not show what "Try it out" needs');
  };
  const block = document.querySelector('.opblock-summary-path[data-path="/health"]').closest('.opblock');
  block.querySelector('.opblock-summary-control').click();
  (await until(() => block.querySelector('.try-out__btn'))).click();
  (await until(() => block.querySelector('.execute'))).click();
  const table = await until(() => block.querySelector('.live-responses-table tbody'));
  return table.innerText;
})()"""
REDOC_PROBE = """(() => ({
  title: document.querySelector('h1')?.textContent ?? '',
  operations: document.querySelectorAll('a[href^="#/"]').length,
}))()"""
# ReDoc 3 renders an operation when it is visited: visit each one from the menu and keep the
# headings shown, going round again (more slowly) while a summary is missing, for up to 20 s.
REDOC_VISIT_OPERATIONS = """(async expected => {
  const links = [...new Set([...document.querySelectorAll('a[href^="#/"]')].map(a => a.getAttribute('href'))
    .filter(href => href.split('/').length === 3))];
  const headings = new Set();
  const missing = () => expected.filter(summary => ![...headings].some(heading => heading.includes(summary)));
  const deadline = Date.now() + 20000;
  for (let pause = 150; missing().length && Date.now() < deadline; pause *= 2) {
    for (const href of links) {
      if (!missing().length || Date.now() > deadline) break;
      location.hash = href;
      await new Promise(resolve => setTimeout(resolve, pause));
      document.querySelectorAll('h1, h2, h3').forEach(heading => headings.add(heading.textContent.trim()));
    }
  }
  return [...headings];
})(EXPECTED)"""
REDOC_OPEN_SEARCH = (
    "document.querySelector('[data-component-name=\"icons/SearchIcon/SearchIcon\"]').parentElement.click()"
)
REDOC_SEARCH_PROBE = """(() => ({
  query: document.activeElement?.value ?? '',
  results: document.activeElement?.closest('div:has(a)')?.innerText ?? '',
}))()"""


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
    """Redocly's lint with the project's redocly.yaml: an error or a warning fails."""
    npx = shutil.which("npx") or "npx"
    result = run([npx, "--yes", REDOCLY_CLI, "lint", "--format=json", "--config", str(ROOT / "redocly.yaml")], cwd=ROOT)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise CheckFailed(f"redocly lint did not run:\n{result.stdout}{result.stderr}") from None
    for problem in report["problems"]:
        where = ", ".join(location["pointer"] for location in problem["location"])
        print(f"{problem['severity']} {problem['ruleId']} at {where}: {problem['message']}")
    totals = report["totals"]
    print(
        f"redocly {report['version']}: {totals['errors']} errors, {totals['warnings']} warnings, "
        f"{totals['ignored']} ignored"
    )
    if totals["errors"] or totals["warnings"]:
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
    importer = "import importlib, sys\nfor name in sys.argv[1:]: importlib.import_module(name)"
    result = run([sys.executable, "-c", importer, *modules], cwd=output_path)
    if result.returncode != 0:
        raise CheckFailed(f"the generated client does not import:\n{result.stderr}")
    print(f"{len(modules)} modules of {CLIENT_PACKAGE} import")


def check_pages(spec: dict, screenshots: Path, csp: str | None) -> None:
    """Both pages render every operation, offline, without errors; Swagger UI can authorize."""
    summaries = {
        operation["summary"]
        for item in spec["paths"].values()
        for method, operation in item.items()
        if isinstance(operation, dict) and "summary" in operation
    }
    screenshots.mkdir(parents=True, exist_ok=True)
    chromium = find_chromium()
    problems = []
    # The browser starts before the server thread: it is forked while no other thread runs.
    with (
        tempfile.TemporaryDirectory(prefix="arcane-chromium-") as profile,
        Browser(chromium, Path(profile)) as browser,
        serve(docs_app(csp)) as base_url,
    ):
        for check_page in (check_swagger_ui, check_redoc):
            try:
                page = check_page(browser, base_url, summaries, screenshots, problems)
            except CheckFailed as failure:
                problems.append(str(failure))
            else:
                browser.pump(SETTLE_S)
                problems += browser.page_problems(page)
    print(f"screenshots in {screenshots}")
    if problems:
        raise CheckFailed("\n  " + "\n  ".join(problems))


def check_swagger_ui(browser, base_url: str, summaries: set[str], screenshots: Path, problems: list[str]):
    swagger = browser.open(f"{base_url}/docs/swagger", SWAGGER_PROBE, lambda shown: bool(shown["summaries"]))
    problems += missing_summaries("Swagger UI", summaries, swagger.shown["summaries"])
    browser.screenshot(swagger, screenshots / "swagger.png")
    if not swagger.shown["authorize"]:
        problems.append("Swagger UI: no Authorize button")
        return swagger
    browser.evaluate(swagger, SWAGGER_OPEN_AUTHORIZE)
    dialog = browser.wait_for(swagger, SWAGGER_AUTHORIZE_PROBE, lambda shown: shown["dialog"])
    if "bearerAuth" not in dialog["dialog"]:
        problems.append(f"Swagger UI: the Authorize dialog does not offer bearerAuth: {dialog}")
    browser.screenshot(swagger, screenshots / "swagger-authorize.png")
    browser.evaluate(swagger, SWAGGER_CLOSE_AUTHORIZE)
    answer = browser.evaluate(swagger, SWAGGER_TRY_IT_OUT)
    if not answer.startswith("200"):
        problems.append(f"Swagger UI: Try it out on GET /health did not show a 200: {answer!r}")
    browser.screenshot(swagger, screenshots / "swagger-try-it-out.png")
    return swagger


def check_redoc(browser, base_url: str, summaries: set[str], screenshots: Path, problems: list[str]):
    redoc = browser.open(f"{base_url}/docs/redoc", REDOC_PROBE, lambda shown: shown["operations"])
    if "Arcane" not in redoc.shown["title"]:
        problems.append(f"ReDoc: the title is {redoc.shown['title']!r}")
    browser.screenshot(redoc, screenshots / "redoc.png")
    # Searching runs the code that could need a worker: find one operation by its summary.
    wanted = min(summaries)
    browser.evaluate(redoc, REDOC_OPEN_SEARCH)
    browser.wait_for(redoc, "document.activeElement?.tagName === 'INPUT'", bool)
    browser.call("Input.insertText", session=redoc, text=wanted)
    try:
        browser.wait_for(redoc, REDOC_SEARCH_PROBE, lambda shown: wanted in shown["results"])
    except CheckFailed:
        problems.append(f"ReDoc: searching for {wanted!r} does not find it")
    browser.screenshot(redoc, screenshots / "redoc-search.png")
    browser.call("Input.dispatchKeyEvent", session=redoc, type="keyDown", key="Escape", code="Escape")
    problems += missing_summaries(
        "ReDoc",
        summaries,
        browser.evaluate(redoc, REDOC_VISIT_OPERATIONS.replace("EXPECTED", json.dumps(sorted(summaries)))),
    )
    browser.screenshot(redoc, screenshots / "redoc-operation.png")
    return redoc


def missing_summaries(page_name: str, expected: set[str], shown: list[str]) -> list[str]:
    text = "\n".join(shown)
    missing = sorted(summary for summary in expected if summary not in text)
    return [f"{page_name}: operation not rendered: {summary!r}" for summary in missing]


def shorten(text: str, limit: int = 400) -> str:
    """Problems quote URLs, and data: URLs can be kilobytes long."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def find_chromium() -> str:
    for candidate in filter(None, (os.environ.get("CHROMIUM"), *CHROMIUM_CANDIDATES)):
        found = shutil.which(candidate)
        if found:
            return found
    raise CheckFailed("Chromium not found: install Debian's `chromium` (apt-get install chromium) or set CHROMIUM")


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


class Page:
    """A tab the browser opened, and the DevTools events it produced."""

    def __init__(self, url: str, session_id: str):
        self.url = url
        self.session_id = session_id
        self.events: list[dict] = []
        self.shown: dict = {}


class Browser:
    """Headless Chromium driven through the DevTools protocol over --remote-debugging-pipe.

    The pipe is two file descriptors, 3 (commands in) and 4 (messages out), each message a JSON
    text ended by a NUL byte: no port, no websocket library.
    """

    def __init__(self, executable: str, profile: Path):
        self.executable = executable
        self.profile = profile
        self._next_id = 0
        self._buffer = b""
        self._pages: dict[str, Page] = {}

    def __enter__(self):
        commands_read, self._commands = os.pipe()
        self._messages, messages_write = os.pipe()

        def attach_pipes():
            # Move both ends above 4 first, so that neither is overwritten by the other's dup2.
            high_read = fcntl.fcntl(commands_read, fcntl.F_DUPFD, 10)
            high_write = fcntl.fcntl(messages_write, fcntl.F_DUPFD, 10)
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        self._log = open(self.profile / "chromium.log", "wb")
        self.process = subprocess.Popen(  # noqa: S603
            [self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            close_fds=False,
            preexec_fn=attach_pipes,
        )
        os.close(commands_read)
        os.close(messages_write)
        try:
            self.call("Browser.getVersion")
        except CheckFailed:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info):
        with contextlib.suppress(CheckFailed, OSError):
            self.call("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._messages)
        self._log.close()

    def call(self, method: str, session: Page | None = None, timeout: float = 30, **params) -> dict:
        """Send one command and wait for its answer, keeping the events that come meanwhile."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session.session_id
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._receive(deadline)
            if answer is None:
                raise CheckFailed(f"Chromium did not answer {method} within {timeout}s")
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise CheckFailed(f"Chromium refused {method}: {answer['error']}")
                return answer.get("result", {})

    def pump(self, seconds: float) -> None:
        """Collect events for a while."""
        deadline = time.monotonic() + seconds
        while self._receive(deadline) is not None:
            pass

    def _receive(self, deadline: float) -> dict | None:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            readable, _, _ = select.select([self._messages], [], [], remaining)
            if readable:
                chunk = os.read(self._messages, 1 << 20)
                if not chunk:
                    raise CheckFailed(f"Chromium exited; see {self.profile / 'chromium.log'}")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message = json.loads(raw)
        page = self._pages.get(message.get("sessionId", ""))
        if page is not None and "method" in message:
            page.events.append(message)
        return message

    def open(self, url: str, probe: str, rendered) -> Page:
        """Open url in a new tab and wait until probe's result satisfies rendered."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session_id = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        page = self._pages[session_id] = Page(url, session_id)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=page)
        self.call("Emulation.setDeviceMetricsOverride", session=page, **VIEWPORT)
        self.call("Page.navigate", session=page, url=url)
        page.shown = self.wait_for(page, probe, rendered)
        self.pump(SETTLE_S)
        return page

    def evaluate(self, page: Page, expression: str):
        result = self.call(
            "Runtime.evaluate", session=page, expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise CheckFailed(f"{page.url}: {expression!r} threw {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, page: Page, probe: str, rendered):
        deadline = time.monotonic() + RENDER_TIMEOUT_S
        shown = None
        while time.monotonic() < deadline:
            with contextlib.suppress(CheckFailed):
                shown = self.evaluate(page, probe)
                if shown and rendered(shown):
                    return shown
            self.pump(0.25)
        problems = "\n  ".join(self.page_problems(page))
        raise CheckFailed(f"{page.url} did not render within {RENDER_TIMEOUT_S}s (it shows {shown})\n  {problems}")

    def screenshot(self, page: Page, path: Path) -> None:
        image = self.call("Page.captureScreenshot", session=page, format="png")["data"]
        path.write_bytes(base64.b64decode(image))

    def page_problems(self, page: Page) -> list[str]:
        """Errors the page logged, failed requests, and any request to another host."""
        problems = []
        urls = {}
        for event in page.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                description = details.get("exception", {}).get("description") or details.get("text")
                problems.append(f"uncaught exception: {description}")
            elif method == "Runtime.consoleAPICalled" and params["type"] in {"error", "assert", "warning"}:
                text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params["args"])
                problems.append(f"console.{params['type']}: {text}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in {"error", "warning"}:
                entry = params["entry"]
                problems.append(f"{entry['level']} ({entry['source']}): {entry['text']} {entry.get('url', '')}")
            elif method == "Network.requestWillBeSent":
                urls[params["requestId"]] = params["request"]["url"]
                request_url = urllib.parse.urlsplit(params["request"]["url"])
                if request_url.scheme not in NON_NETWORK_SCHEMES and request_url.hostname not in LOCAL_HOSTS:
                    problems.append(f"request to another host: {params['request']['url']}")
            elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
                problems.append(f"HTTP {params['response']['status']}: {params['response']['url']}")
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                problems.append(f"request failed ({params['errorText']}): {urls.get(params['requestId'], '?')}")
        return [f"{page.url}: {shorten(problem)}" for problem in problems]


if __name__ == "__main__":
    sys.exit(main())
