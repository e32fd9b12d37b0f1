"""The documentation: every notebook of the course runs, the site builds strictly, a real browser shows it.

Each notebook (docs/notebooks/NN_name.py) runs top to bottom in a Jupyter kernel, once, here; the
executed notebook goes to the cache in build/course/, where the site build (docs/hooks/course.py)
finds it, so the build in the next tests does not run the notebooks again. The browser check uses
Debian's chromium and chromium-driver through Selenium; it is skipped, saying so, where they are
not installed (`apt-get install chromium chromium-driver`).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_hook():
    spec = importlib.util.spec_from_file_location(
        "deepstep_docs_course", ROOT / "docs" / "hooks" / "course.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course = _load_hook()
NOTEBOOKS = course.notebooks()
CHAPTERS = 13


def test_there_is_a_notebook_per_chapter():
    assert [int(p.stem[:2]) for p in NOTEBOOKS] == list(range(1, CHAPTERS + 1))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(notebook: Path) -> None:
    nb = course.execute(notebook)  # raises CellExecutionError with the failing cell's traceback
    course.store(notebook, nb)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no picture"
    assert "$$" in markdown, "no displayed formula"
    assert re.search(r"\]\((\.\./)+src/deepstep/\w", markdown), "no link to the source"
    assert "numerical_grad" in code or "gradcheck" in code, "no numerical gradient check"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`mkdocs build --strict` into a temporary folder (any warning fails it)."""
    folder = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(folder),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-10000:]
    return folder


def test_site_builds_with_every_chapter_and_its_pictures(site: Path) -> None:
    for notebook in NOTEBOOKS:
        page = site / "course" / notebook.stem / "index.html"
        html = page.read_text(encoding="utf-8")
        pictures = re.findall(r'<img[^>]* src="([^"]+\.png)"', html)
        assert pictures, f"{notebook.stem}: no picture on the page"
        for src in pictures:
            assert (page.parent / src).is_file(), f"{notebook.stem}: {src} is missing"
        assert 'class="arithmatex"' in html, f"{notebook.stem}: no formula"
        assert (site / "notebooks" / f"{notebook.stem}.ipynb").is_file()
    for page in ("getting-started", "architecture", "benchmarks", "api/deepstep", "api/nn", "guide/tensors"):
        assert (site / page / "index.html").is_file(), page


def test_search_finds_the_formulas(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(doc["text"] + " " + doc["title"] for doc in index["docs"]).lower()
    for phrase in ("log-sum-exp", "delta rule", "normal equations", "negative sampling", "back-propagation"):
        assert phrase in text, phrase


# ---------------------------------------------------------------- a real browser

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
PAGES = ("course/04_softmax_regression/", "course/09_word2vec/")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(
            "Debian's chromium and chromium-driver are missing (apt-get install chromium chromium-driver)"
        )
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium must not look for a driver of its own
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def served(site: Path):
    """The built site on a loopback port, as `mkdocs serve` would show it."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join(timeout=10)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # no line on stderr per request
        pass


MATH_STATE = """
const marked = Array.from(document.querySelectorAll('.arithmatex'));
return {
  formulas: marked.length,
  typeset: marked.filter(m => m.querySelector('.katex')).length,
  errors: document.querySelectorAll('.katex-error').length,
  font: document.fonts.check('16px KaTeX_Main'),
};
"""

PICTURE_STATE = """
const images = Array.from(document.querySelectorAll('article img'));
images.forEach(i => i.scrollIntoView());
return images.map(i => ({src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0}));
"""


def _settle(driver, script: str, ready, timeout: float = 30.0):
    """Run the script until its result is ready (or the time is up); the last result."""
    deadline = time.monotonic() + timeout
    while True:
        state = driver.execute_script(script)
        if ready(state) or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


@pytest.mark.parametrize("page", PAGES)
def test_browser_shows_the_math_and_the_pictures(browser, served: str, page: str) -> None:
    browser.get(served + page)
    math = _settle(
        browser, MATH_STATE, lambda s: s["formulas"] and s["typeset"] == s["formulas"] and s["font"]
    )
    assert math["formulas"] > 0, f"{page}: no formula marked for KaTeX"
    assert math["typeset"] == math["formulas"], (
        f"{page}: only {math['typeset']} of {math['formulas']} typeset"
    )
    assert math["errors"] == 0, f"{page}: KaTeX could not typeset {math['errors']} formulas"
    assert math["font"], f"{page}: KaTeX's font did not load"
    pictures = _settle(browser, PICTURE_STATE, lambda p: p and all(i["loaded"] for i in p))
    assert pictures, f"{page}: no picture"
    assert all(i["loaded"] for i in pictures), f"{page}: pictures that did not load: {pictures}"


def test_browser_typesets_every_formula_of_the_site(browser, served: str, site: Path) -> None:
    """KaTeX rejects what it cannot parse (shown in red on the page): no page may have one."""
    pages = sorted(
        p.parent.relative_to(site).as_posix()
        for p in site.rglob("index.html")
        if 'class="arithmatex"' in p.read_text(encoding="utf-8")
    )
    assert len(pages) >= len(NOTEBOOKS)
    failures = {}
    for page in pages:
        browser.get(f"{served}{page}/")
        math = _settle(browser, MATH_STATE, lambda s: s["formulas"] and s["typeset"] == s["formulas"])
        if math["errors"] or math["typeset"] != math["formulas"]:
            failures[page] = math
    assert not failures, failures
