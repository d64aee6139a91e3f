"""The project's shape, in three layers a newcomer sees as folders: the engine
(``engine/listings/``, its own distribution), which imports no host, no
adapter and no word of this site; its adapters (``engine/listings/adapters/``),
which use their hosts' public APIs only; and the site's own code
(``pytorch_mechanics/``), which sits on both. A worker that imports nothing
of either, no cycles."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO, listing

ENGINE = REPO / "engine"
PACKAGE = ENGINE / "listings"
ADAPTERS = "listings.adapters"
HOSTS = {
    "mkdocs",
    "material",
    "pytest",
    "_pytest",
    "pytest_codeblocks",
    "xdist",
    "mkdocs_jupyter",
}
# The private surfaces of other libraries the engine once patched or called.
PRIVATE = [
    "_title_from_render",
    "present_anchor_ids",
    "links_to_anchors",
    "html_counter",
    "add_entry_from_context",
    "_create_environment",
    "_compute_cache_key",
    "_get_cache_path",
    "_get_nb_toc_tokens",
    "NotebookFile",
    "observer._timeout",
    "emitter._timeout",
    "_left_title",
    "_right_title",
    "_filters_mutated",
    "_split_scope",
    "gc.disable",
    "nav.items",
    "previous_page",
    "next_page",
    "Highlight.highlight",
]
# A name above that one file may use, and why. A notebook view is outside the
# navigation, where MkDocs leaves a page's previous and next pages None; the
# view takes its chapter's (documented page attributes, which Material's
# footer reads). The navigation's own pages keep the links MkDocs gave them:
# the views are not spliced into its order, as they once were.
ALLOWED = {
    ("engine/listings/adapters/mkdocs_views.py", "previous_page"),
    ("engine/listings/adapters/mkdocs_views.py", "next_page"),
}
# Reaching into another library: ``nbconvert.x._private``, ``Page.render = ...``.
PRIVATE_ACCESS = re.compile(
    r"\b(?:mkdocs|material|pymdownx|jinja2|nbconvert|mkdocs_jupyter|watchdog|"
    r"matplotlib|xdist|_pytest|pytest)(?:\.\w+)*\._[a-z]\w*"
    r"|\b[A-Z]\w*\.(?:render|highlight)\s*=[^=]"
)


def project_files() -> list[Path]:
    files = [*PACKAGE.rglob("*.py"), *(REPO / "tests").rglob("*.py")]
    files += [*(REPO / "pytorch_mechanics").glob("*.py")]
    files += [*(REPO / "bench").glob("*.py"), REPO / "mkdocs.yml"]
    return [f for f in files if f.name != Path(__file__).name]


def module_name(path: Path) -> str:
    """``listings.adapters.cli`` for listings/adapters/cli.py."""
    base = PACKAGE.parent if path.is_relative_to(PACKAGE.parent) else REPO
    parts = path.relative_to(base).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function, with
    relative imports made absolute (``from ..page import Page`` in
    listings/adapters/cli.py is ``listings.page``)."""
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = (
                    package.rsplit(".", node.level - 1)[0]
                    if node.level > 1
                    else package
                )
                if node.module:
                    found.add(f"{base}.{node.module}")
                else:
                    found |= {f"{base}.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
    return found


def graph() -> dict[str, set[str]]:
    """The package's modules and which of them each one imports."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {
        name: {m for m in imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def test_the_private_surfaces_of_other_libraries_are_used_nowhere():
    found = []
    for path in project_files():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            where = path.relative_to(REPO).as_posix()
            names = [
                name
                for name in PRIVATE
                if name in code and (where, name) not in ALLOWED
            ]
            names += PRIVATE_ACCESS.findall(code)
            found += [f"{path.relative_to(REPO)}:{number}: {n}" for n in names]
    assert not found, "\n".join(found)


def test_the_package_has_no_import_cycle():
    edges = graph()
    cycles = []

    def visit(name: str, path: list[str]) -> None:
        for target in sorted(edges[name]):
            if target in path:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in done:
                visit(target, [*path, target])
        done.add(name)

    done: set[str] = set()
    for name in sorted(edges):
        visit(name, [name])
    assert not cycles, cycles


def test_no_module_of_the_engine_imports_an_adapter_or_a_host():
    edges = graph()
    engine = [name for name in edges if not name.startswith(ADAPTERS)]
    assert {"listings.page", "listings.run", "listings.verify"} <= set(engine)
    for name in engine:
        if name in {"listings", "listings.__main__"}:  # the package's doors
            continue
        adapters = {m for m in edges[name] if m.startswith(ADAPTERS)}
        assert not adapters, f"{name} imports {adapters}"
        path = PACKAGE.parent / (name.replace(".", "/") + ".py")
        hosts = {m.split(".")[0] for m in imports(path)} & HOSTS
        assert not hosts, f"{name} imports {hosts}"


def test_the_adapters_are_the_only_modules_that_import_their_hosts():
    edges = graph()
    adapters = sorted(name for name in edges if name.startswith(ADAPTERS + "."))
    assert adapters == [
        "listings.adapters.cli",
        "listings.adapters.mkdocs_dirty",
        "listings.adapters.mkdocs_plugin",
        "listings.adapters.mkdocs_views",
        "listings.adapters.prebuild",
        "listings.adapters.pytest_plugin",
    ]
    hosts = {
        name: {
            m.split(".")[0]
            for m in imports(PACKAGE.parent / (name.replace(".", "/") + ".py"))
        }
        & HOSTS
        for name in adapters
    }
    for name in ("mkdocs_plugin", "mkdocs_dirty", "mkdocs_views"):
        assert hosts[f"listings.adapters.{name}"] == {"mkdocs"}
    assert hosts["listings.adapters.pytest_plugin"] == {"pytest"}


def test_the_worker_imports_only_the_standard_library():
    tree = ast.parse((PACKAGE / "worker.py").read_text())
    top = {
        alias.name.split(".")[0]
        for node in tree.body
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    top |= {
        node.module.split(".")[0]
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert top <= set(sys.stdlib_module_names) | {"__future__"}, top


RUN_A_PAGE = """
import sys
from listings import Project

project = Project.from_root(sys.argv[1])
[outcome] = project.run([project.load(project.root / "docs" / "page.md")], cache=None)
print(outcome.results[0].stdout, end="")
hosts = {"mkdocs", "material", "pytest", "_pytest", "pytest_codeblocks"}
found = sorted(m for m in sys.modules if m.split(".")[0] in hosts)
print("the engine imported:", found)
"""


def test_a_page_runs_through_the_core_without_mkdocs_or_pytest_in_either_process(
    site,
):
    """The engine's process imports neither MkDocs nor pytest (it reads the
    page with markdown-it-py); the worker that runs the listing imports
    neither host, nor the engine or its Markdown parser."""
    site.snippet(
        "page",
        """
        # --8<-- [start:modules]
        import sys

        names = {"mkdocs", "pytest", "_pytest", "listings", "markdown", "pymdownx"}
        found = sorted(m for m in sys.modules if m.split(".")[0] in names)
        print("the worker imported:", found)
        # --8<-- [end:modules]
        """,
    )
    site.page("page", listing("modules", "the worker imported: []"))
    done = subprocess.run(
        [sys.executable, "-c", RUN_A_PAGE, str(site.root)],
        cwd=site.root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "the worker imported: []\nthe engine imported: []\n"


def test_neither_the_engine_nor_its_adapters_import_the_sites_own_code():
    """The site (pytorch_mechanics/) sits on the engine, never under it."""
    site = REPO / "pytorch_mechanics"
    assert (site / "hooks.py").is_file()
    for path in PACKAGE.rglob("*.py"):
        found = {m for m in imports(path) if m.split(".")[0] == site.name}
        assert not found, f"{path.relative_to(REPO)} imports {found}"
    for path in site.glob("*.py"):
        adapters = {m for m in imports(path) if m.startswith(ADAPTERS)}
        assert not adapters, f"{path.relative_to(REPO)} imports {adapters}"


# Words of this site, or of the library it teaches, that the engine must not
# know: a site adopts the engine by its settings, not by editing it.
SITE_WORDS = re.compile(
    r"torch|pytorch|cuda|nvidia|aten_|lightning|mnist|tensors|mechanics|\.venv/bin",
    re.IGNORECASE,
)


def test_the_engine_holds_no_word_of_this_site():
    found = []
    for path in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.css")]:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            found += [
                f"{path.relative_to(REPO)}:{number}: {m[0]}"
                for m in SITE_WORDS.finditer(line)
            ]
    assert not found, "\n".join(found)


def test_the_engine_is_a_distribution_of_its_own_without_torch():
    """engine/pyproject.toml installs the engine alone; the site depends on
    it by name, like on any other package."""
    import tomllib

    engine = tomllib.loads((ENGINE / "pyproject.toml").read_text())["project"]
    site = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = engine["optional-dependencies"].values()
    needs = [*engine["dependencies"], *(n for extra in extras for n in extra)]
    assert not [n for n in needs if SITE_WORDS.search(n)], needs
    assert engine["entry-points"]["pytest11"] == {
        "listings": "listings.adapters.pytest_plugin"
    }
    assert any(n.startswith(engine["name"] + "[") for n in site["dependencies"])
    assert "entry-points" not in site
    assert (PACKAGE / "assets" / "listings.css").is_file()
