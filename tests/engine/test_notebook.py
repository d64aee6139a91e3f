"""Notebooks made from pages: valid, faithful to the page, and runnable.

A page's run is its notebook's run: the worker runs the notebook's code
cells (the cell that writes the page's support files, then the listings) in
an empty folder where the site's own modules cannot be imported, so the
page's verified outputs are the notebook's. One notebook is also run in a
real Jupyter kernel, to show that Jupyter runs such a notebook the same way.
"""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
from conftest import listing, run_page
from nbclient import NotebookClient

from listings import PageRun, Project, Result
from listings.notebook import page_notebook
from listings.run import setup_code
from listings.verify import outputs_match, problems


def test_prose_listings_outputs_and_solutions_become_cells(site):
    site.snippet(
        "page",
        """
        # --8<-- [start:one]
        print("one")
        # --8<-- [end:one]

        # --8<-- [start:solution]
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        print("two")
        # --8<-- [end:solution]
        """,
    )
    site.page(
        "page",
        "# Page\n\nSome *prose*.\n\n"
        + listing("one", "one")
        + "1. An exercise.\n\n"
        + '    ??? success "Solution"\n'
        + "        Because.\n\n"
        + '        <!--pytest.mark.figure("A blank plot")-->\n'
        + '        ```python\n        --8<-- "page.py:solution"\n        ```\n\n'
        + "        <!--pytest-codeblocks:expected-output-->\n\n"
        + "        ```text\n        two\n        ```\n\nThe end.\n",
    )
    page = site.load("page")
    results = PageRun(page, site.root).run_all()
    notebook = nbformat.reads(page_notebook(page, results, "Intro."), as_version=4)
    nbformat.validate(notebook)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds == ["markdown", "markdown", "code", "markdown", "code", "markdown"]
    assert notebook.cells[1].source == "# Page\n\nSome *prose*."
    assert notebook.cells[2].source == 'print("one")'
    assert notebook.cells[2].outputs[0].text == "one\n"
    assert "<details><summary>Solution</summary>" in notebook.cells[3].source
    assert "pytest" not in notebook.cells[3].source
    assert notebook.cells[4].outputs[1].data["image/png"]
    assert notebook.cells[5].source == "The end."


SUPPORT = """
# --8<-- [start:data]
from helpers.numbers import TOTAL

print(TOTAL)
# --8<-- [end:data]

# --8<-- [start:plot]
import matplotlib.pyplot as plt

fig, ax = plt.subplots()
ax.plot([0, 1], [1, 0])
print("drawn")
# --8<-- [end:plot]
"""

PYPROJECT = """
[tool.listings.support_files."docs/page.md"]
"helpers/__init__.py" = "site_helpers/__init__.py"
"helpers/numbers.py" = "site_helpers/numbers.py"
"""


def support_site(site):
    (site.root / "site_helpers").mkdir()
    (site.root / "site_helpers" / "__init__.py").write_text("")
    (site.root / "site_helpers" / "numbers.py").write_text("TOTAL = 6 * 7\n")
    (site.root / "pyproject.toml").write_text(PYPROJECT)
    site.snippet("page", SUPPORT)
    site.page(
        "page",
        "# Page\n\n"
        + listing("data", "42")
        + '<!--pytest.mark.figure("A falling line")-->\n'
        + listing("plot", "drawn"),
    )
    return site.project


def test_the_run_executes_exactly_the_notebooks_code_cells(site):
    project = support_site(site)
    page = project.load(site.root / "docs" / "page.md")
    setup = setup_code(page, project.root, project.settings)
    outcome = run_page(page, project.root, settings=project.settings)
    assert all(
        not problems(i, r, site.root)
        for i, r in zip(page.listings, outcome.results, strict=True)
    )
    notebook = nbformat.reads(
        page_notebook(page, outcome.results, "Intro.", setup=setup), as_version=4
    )
    nbformat.validate(notebook)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert code == [setup.rstrip("\n"), *(i.code.rstrip("\n") for i in page.listings)]
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert cells[1].outputs[0].text == "42\n"


def test_a_page_cannot_import_the_sites_own_modules(site):
    """Without the support file, the module is only in the repository: the
    page fails as its notebook would in a reader's folder."""
    support_site(site)
    (site.root / "pyproject.toml").unlink()
    project = Project.from_root(site.root)
    page = project.load(site.root / "docs" / "page.md")
    assert (site.root / "site_helpers").is_dir()
    result = run_page(page, project.root, settings=project.settings).results[0]
    assert "ModuleNotFoundError: No module named 'helpers'" in result.error
    # Not even by the name it has in the repository (the folder runs elsewhere).
    site.snippet(
        "page", SUPPORT.replace("from helpers.numbers", "from site_helpers.numbers")
    )
    page = project.load(site.root / "docs" / "page.md")
    result = run_page(page, project.root, settings=project.settings).results[0]
    assert "No module named 'site_helpers'" in result.error


def test_a_last_line_that_jupyter_would_show_fails_the_listing(site):
    site.snippet(
        "page",
        "# --8<-- [start:value]\nx = [1, 2]\nx.append(3)\nlen(x)\n"
        "# --8<-- [end:value]\n",
    )
    site.page("page", "<!--pytest.mark.no_output-->\n" + listing("value", None))
    page = site.load("page")
    [result] = PageRun(page, site.root).run_all()
    [problem] = problems(page.listings[0], result, site.root)
    assert problem.where.startswith("docs/page.md:")
    assert problem.what.startswith(
        "ends with an expression whose value Jupyter shows under the cell (3)"
    )
    assert problem.fix == "assign it (_ = ...) or print it"


def test_the_notebook_runs_the_same_in_a_jupyter_kernel_in_an_empty_folder(
    site, tmp_path
):
    """The notebook a reader downloads, run top to bottom by nbclient in a
    fresh kernel, from an empty folder outside the site, by an interpreter
    that cannot import the site's modules (a venv of its own would need the
    packages again: -I and an empty folder do the same here), prints what
    its page shows and draws its figure."""
    project = support_site(site)
    page = project.load(site.root / "docs" / "page.md")
    setup = setup_code(page, project.root, project.settings)
    blank = [Result() for _ in page.listings]
    notebook = nbformat.reads(
        page_notebook(page, blank, "Intro.", setup=setup), as_version=4
    )
    folder = tmp_path / "reader"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"MPLBACKEND", "PYTHONPATH"}}
    # The kernel's interpreter, isolated from the site (no cwd, no env paths).
    probe = subprocess.run(
        [sys.executable, "-I", "-c", "import site_helpers"],
        cwd=folder, capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert "No module named 'site_helpers'" in probe.stderr
    NotebookClient(
        notebook, timeout=120, resources={"metadata": {"path": str(folder)}}
    ).execute(env=env)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"][1:]
    for cell, item in zip(code, page.listings, strict=True):
        printed = "".join(
            o.get("text", "") for o in cell.outputs if o.output_type == "stream"
        )
        assert outputs_match(item, printed), printed
    figures = [o for o in code[1].outputs if "image/png" in o.get("data", {})]
    assert len(figures) == 1
    assert (folder / "helpers" / "numbers.py").read_text() == "TOTAL = 6 * 7\n"


JUPYTER_LIKE = """
# --8<-- [start:child]
import os
import subprocess

_ = subprocess.run(["echo", "from a child"], check=True)
# --8<-- [end:child]

# --8<-- [start:away]
os.chdir("/")
# --8<-- [end:away]

# --8<-- [start:where]
print(os.getcwd())
# --8<-- [end:where]
"""


def test_a_page_runs_as_jupyter_runs_its_notebook(site, tmp_path):
    """A child process's output is the cell's, and the working folder a
    cell leaves is the next cell's: on the page and in a Jupyter kernel."""
    site.snippet("page", JUPYTER_LIKE)
    site.page(
        "page",
        listing("child", "from a child")
        + "<!--pytest.mark.no_output-->\n"
        + listing("away", None)
        + listing("where", "/"),
    )
    page = site.load("page")
    results = PageRun(page, site.root).run_all()
    notebook = nbformat.reads(page_notebook(page, results, "Intro."), as_version=4)
    folder = tmp_path / "reader"
    folder.mkdir()
    # ipykernel captures a child's output, but not under pytest: as a reader's.
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    NotebookClient(
        notebook, timeout=120, resources={"metadata": {"path": str(folder)}}
    ).execute(env=env)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for item, result, cell in zip(page.listings, results, cells, strict=True):
        printed = "".join(
            o.get("text", "") for o in cell.outputs if o.output_type == "stream"
        )
        assert not problems(item, result, site.root)
        assert outputs_match(item, printed), (item.name, printed)
