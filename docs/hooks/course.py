"""The MkDocs hook that turns the course's notebooks into pages, and links the pages to the source.

Notebooks are Jupytext percent-format scripts, docs/notebooks/NN_name.py. For each one the hook
runs it top to bottom in a Jupyter kernel (nbclient) and writes the page course/NN_name.md: the
markdown cells as they are (their LaTeX typeset by arithmatex + KaTeX), the code cells as Python
blocks, and the outputs under them, pictures as PNG files beside the page. Executed notebooks are
cached in build/course/, keyed by a hash of the notebook and of the library's source, so the test
suite runs each notebook once (tests/test_docs.py) and the site build reuses the result.

Links in any page (notebook or markdown) to `../../src/deepstep/<file>.py` — GitHub-style
relative links, which also work in JupyterLab — become links to a generated page showing that
file, `#Name` or `#Class.method` to the line where it is defined; a link to a file or a name
that does not exist stops the build.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import posixpath
import re
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
NOTEBOOKS = DOCS / "notebooks"
SOURCE = ROOT / "src" / "deepstep"
CACHE = ROOT / "build" / "course"
COURSE_DIR = "course"
SOURCE_DIR = "source"
CELL_TIMEOUT_S = 300  # a cell; the notebooks are written to run in well under two minutes in all


def notebooks() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def library_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(SOURCE.rglob("*.py")):
        digest.update(str(path.relative_to(SOURCE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _key(notebook: Path, library: str) -> str:
    return hashlib.sha256(notebook.read_bytes() + library.encode()).hexdigest()


def execute(notebook: Path) -> Any:
    """Run the notebook in a fresh kernel (in an empty temporary folder); the executed notebook.

    Raises nbclient's CellExecutionError, naming the cell and the traceback, if a cell fails.
    """
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(notebook)
    with tempfile.TemporaryDirectory() as folder:
        client = NotebookClient(
            nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": folder}}
        )
        start = time.perf_counter()
        client.execute()
    nb.metadata["deepstep"] = {"seconds": round(time.perf_counter() - start, 1)}
    return nb


def store(notebook: Path, nb: Any, library: str | None = None) -> None:
    """Put an executed notebook in the cache (written whole, then renamed into place)."""
    import nbformat

    nb.metadata.setdefault("deepstep", {})["key"] = _key(notebook, library or library_digest())
    CACHE.mkdir(parents=True, exist_ok=True)
    temporary = CACHE / (notebook.stem + ".tmp")
    nbformat.write(nb, temporary)
    temporary.replace(CACHE / (notebook.stem + ".ipynb"))


def executed(notebook: Path, library: str | None = None) -> Any:
    """The executed notebook from the cache, run again if it or the library changed since."""
    import nbformat

    library = library or library_digest()
    cached = CACHE / (notebook.stem + ".ipynb")
    if cached.exists():
        nb = nbformat.read(cached, as_version=4)
        if nb.metadata.get("deepstep", {}).get("key") == _key(notebook, library):
            return nb
    nb = execute(notebook)
    store(notebook, nb, library)
    return nb


# ---------------------------------------------------------------- notebook → markdown


def _fence(text: str, language: str, css: str | None = None) -> str:
    ticks = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    info = f"{{ .{language} .{css} }}" if css else language
    return f"{ticks} {info}\n{text.rstrip()}\n{ticks}"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _flush(text: list[str], parts: list[str]) -> None:
    """Move the text outputs gathered so far into the page, as one output block."""
    if text:
        parts.append(_fence(_ANSI.sub("", "".join(text)), "text", "nb-output"))
        text.clear()


def to_markdown(nb: Any, stem: str) -> tuple[str, dict[str, bytes]]:
    """The page's markdown and its pictures {file name: PNG bytes}."""
    parts: list[str] = []
    pictures: dict[str, bytes] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            parts.append(cell.source)
            continue
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        parts.append(_fence(cell.source, "python"))
        text: list[str] = []  # consecutive text outputs go in one block
        for output in cell.get("outputs", []):
            kind = output.output_type
            if kind == "stream":
                text.append(output.text)
            elif kind == "error":
                raise RuntimeError(f"{stem}: cell {index} raised {output.ename}: {output.evalue}")
            elif kind in ("execute_result", "display_data"):
                data = output.get("data", {})
                if "image/png" in data:
                    _flush(text, parts)
                    name = f"{stem}_{index}_{len(pictures)}.png"
                    pictures[name] = base64.b64decode(data["image/png"])
                    parts.append(f"![output of cell {index}]({stem}/{name}){{ .nb-figure }}")
                elif "text/plain" in data:
                    text.append(data["text/plain"].rstrip("\n") + "\n")
        _flush(text, parts)
    return "\n\n".join(parts) + "\n", pictures


def _header(stem: str, seconds: float | None) -> str:
    timing = f" It ran in {seconds:.0f} s when this page was built." if seconds else ""
    return (
        f'!!! abstract "Run it yourself"\n'
        f"    This page is the notebook [`docs/notebooks/{stem}.py`](../notebooks/{stem}.py) "
        f"([.ipynb](../notebooks/{stem}.ipynb)), executed when the site was built.{timing} "
        f"Open it in JupyterLab (Jupytext reads the `.py`), or run it as a script: "
        f"`python docs/notebooks/{stem}.py`.\n\n"
    )


# ---------------------------------------------------------------- links to the source


def _definitions(path: Path) -> dict[str, int]:
    """{'Name': line, 'Class.method': line} for the file's top-level definitions and assignments."""
    lines: dict[str, int] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            lines[node.name] = node.lineno
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        lines[f"{node.name}.{item.name}"] = item.lineno
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    lines[target.id] = node.lineno
    return lines


def source_page(path: Path) -> str:
    """docs path of the page that shows a source file: source/deepstep/text/sgns.md."""
    return posixpath.join(SOURCE_DIR, path.relative_to(SOURCE.parent).with_suffix(".md").as_posix())


_LINK = re.compile(r"\]\(\s*((?:\.\./)+src/deepstep/[\w/]+\.py)(?:#([\w.]+))?\)")


def rewrite_source_links(markdown: str, origin: Path, page_uri: str) -> str:
    """`](../../src/deepstep/x.py#Name)` → a link to the source page, at Name's line."""

    def replace(match: re.Match) -> str:
        target = (origin.parent / match.group(1)).resolve()
        if not target.is_file() or SOURCE not in target.parents:
            raise ValueError(f"{origin.relative_to(ROOT)}: the link {match.group(1)} leads to no source file")
        anchor = ""
        if match.group(2):
            line = _definitions(target).get(match.group(2))
            if line is None:
                where = target.relative_to(ROOT)
                raise ValueError(f"{origin.relative_to(ROOT)}: {match.group(2)} is not defined in {where}")
            anchor = f"#__codelineno-0-{line}"
        link = posixpath.relpath(source_page(target), posixpath.dirname(page_uri))
        return f"]({link}{anchor})"

    return _LINK.sub(replace, markdown)


def _source_markdown(path: Path) -> str:
    name = path.relative_to(SOURCE.parent).as_posix()
    code = path.read_text(encoding="utf-8")
    return (
        f"---\nsearch:\n  exclude: true\n---\n\n# `{name}`\n\n"
        f"The source file `src/{name}` as it was when this site was built.\n\n"
        + _fence(code, 'python linenums="1"')
        + "\n"
    )


# ---------------------------------------------------------------- the API reference


_DIRECTIVE = re.compile(r"^::: (deepstep[\w.]*)[ \t]*$", re.MULTILINE)


def _canonical(obj: Any) -> str | None:
    """module.qualname where the object can be found again, or None (a function made by a factory)."""
    import importlib

    path = f"{obj.__module__}.{obj.__qualname__}"
    try:
        found: Any = importlib.import_module(obj.__module__)
        for part in obj.__qualname__.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return None
    return path if found is obj else None


def public_names(module_name: str) -> tuple[list[str], list[str], list[str]]:
    """The module's `__all__`, sorted for the API page: (members, apart, made).

    members: what mkdocstrings documents under the module. apart: canonical paths of functions that
    share their name with a file of the package (`deepstep.functional.embedding`), which the
    documentation tool would take for the file. made: functions made by a factory (the element-wise
    ops of autograd/pointwise.py), which it cannot find; the page lists them in a table. Left out:
    submodules (pages of their own) and NumPy's objects under PyTorch's names (the dtypes).
    The packages compute `__all__` from their files' lists, so it is read by importing them.
    """
    import importlib
    import importlib.util
    import types

    module = importlib.import_module(module_name)
    members, apart, made = [], [], []
    for name in module.__all__:
        obj = getattr(module, name)
        if isinstance(obj, types.ModuleType) or not getattr(obj, "__module__", "").startswith("deepstep"):
            continue
        canonical = _canonical(obj) if hasattr(obj, "__qualname__") else name  # (an instance: as it is)
        if canonical is None:
            made.append(name)
        elif hasattr(module, "__path__") and importlib.util.find_spec(f"{module_name}.{name}") is not None:
            apart.append(canonical)
        else:
            members.append(name)
    return members, apart, made


def _made_table(module_name: str, names: list[str]) -> str:
    """A table of factory-made functions: the call, and the formula its docstring states."""
    import importlib
    import inspect

    module = importlib.import_module(module_name)
    rows = ["| function | what it computes |", "| --- | --- |"]
    for name in names:
        obj = getattr(module, name)
        anchor = f"{module_name}.{name}"
        summary = (inspect.getdoc(obj) or "").split("\n\n")[0].replace("\n", " ").replace("|", "\\|")
        rows.append(f'| <span id="{anchor}"></span>`{name}{inspect.signature(obj)}` | {summary} |')
    return "\n".join(rows) + "\n"


def expand_api_directives(markdown: str) -> str:
    """`::: deepstep.x` alone on its line → the same with `members:` listing its public names."""

    def replace(match: re.Match) -> str:
        import importlib

        name = match.group(1)
        try:
            module = importlib.import_module(name)
        except ImportError:  # a class or a function: mkdocstrings takes it as it is
            return match.group(0)
        if not hasattr(module, "__all__"):
            return match.group(0)
        members, apart, made = public_names(name)
        text = f"::: {name}\n    options:\n      members: {json.dumps(members)}\n"
        for path in apart:
            text += f"\n::: {path}\n    options:\n      heading_level: 3\n"
        if made:
            text += (
                f"\n### Element-wise functions of `{name}`\n\n"
                "Made by one factory each (forward and backward in a `Function` of "
                "`deepstep/autograd/pointwise.py` and its neighbours); most have an in-place twin "
                "with a trailing underscore, and a Tensor method of the same name.\n\n"
            ) + _made_table(name, made)
        return text

    return _DIRECTIVE.sub(replace, markdown)


# ---------------------------------------------------------------- MkDocs events


def on_config(config: Any) -> Any:
    """Keep the API reference's inspection from running the command line.

    mkdocstrings imports every module of the package to document it (force_inspection), and
    deepstep/__main__.py calls the command line when imported; a stand-in module, registered first,
    is imported in its place.
    """
    import sys
    import types

    sys.modules.setdefault("deepstep.__main__", types.ModuleType("deepstep.__main__"))
    return config


def on_files(files: Any, config: Any) -> Any:
    import jupytext
    from mkdocs.structure.files import File

    library = library_digest()
    for notebook in notebooks():
        stem = notebook.stem
        nb = executed(notebook, library)
        markdown, pictures = to_markdown(nb, stem)
        seconds = nb.metadata.get("deepstep", {}).get("seconds")
        title_end = markdown.find("\n", markdown.find("# ")) + 1  # the header goes under the title
        markdown = markdown[:title_end] + "\n" + _header(stem, seconds) + markdown[title_end:]
        files.append(File.generated(config, f"{COURSE_DIR}/{stem}.md", content=markdown))
        for name, data in pictures.items():
            files.append(File.generated(config, f"{COURSE_DIR}/{stem}/{name}", content=data))
        plain = jupytext.writes(jupytext.read(notebook), fmt="ipynb")
        files.append(File.generated(config, f"notebooks/{stem}.ipynb", content=plain))
    for path in linked_sources():
        files.append(File.generated(config, source_page(path), content=_source_markdown(path)))
    return files


def linked_sources() -> list[Path]:
    """The source files that some page links to (only those get a page: a page per file of the
    library would double the build's time for pages nobody reaches)."""
    found = set()
    for page in [*DOCS.rglob("*.md"), *notebooks()]:
        for match in _LINK.finditer(page.read_text(encoding="utf-8").replace("\n# ", "\n")):
            target = (page.parent / match.group(1)).resolve()
            if target.is_file() and SOURCE in target.parents:
                found.add(target)
    return sorted(found)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    uri = page.file.src_uri
    if uri.startswith("api/"):
        markdown = expand_api_directives(markdown)
    if uri.startswith(f"{COURSE_DIR}/") and (NOTEBOOKS / Path(uri).with_suffix(".py").name).exists():
        origin = NOTEBOOKS / Path(uri).with_suffix(".py").name
    else:
        origin = DOCS / uri
    return rewrite_source_links(markdown, origin, uri)
