"""Notebooks made from pages: valid, faithful to the page, and runnable."""

from __future__ import annotations

import os

import nbformat
import pytest
from conftest import REPO, listing
from nbclient import NotebookClient

from listings import PageRun, Project, Result
from listings.notebook import page_notebook
from listings.verify import diff, normalize, outputs_match


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
    assert "**Solution**" in notebook.cells[3].source
    assert "pytest" not in notebook.cells[3].source
    assert notebook.cells[4].outputs[1].data["image/png"]
    assert notebook.cells[5].source == "The end."


def _chapters() -> list[str]:
    """Every page with listings: each has a notebook to download."""
    docs = Project.from_root(REPO).docs_dir
    return sorted(
        path.relative_to(docs).with_suffix("").as_posix()
        for path in docs.rglob("*.md")
        if "--8<--" in path.read_text()
    )


def _figures(cell) -> int:
    return sum(
        "image/png" in output.get("data", {})
        for output in cell.outputs
        if output.output_type in {"display_data", "execute_result"}
    )


def _printed(cell, stream: str = "stdout") -> str:
    return "".join(
        output.get("text", "")
        for output in cell.outputs
        if output.output_type == "stream" and output.name == stream
    )


@pytest.mark.notebook
@pytest.mark.parametrize("chapter", _chapters())
def test_the_notebook_runs_in_a_fresh_kernel_and_prints_its_page(chapter):
    """The downloadable notebook, run top to bottom in a fresh Jupyter kernel
    from the repository's root (as its intro tells readers to), prints what
    its page shows (within each listing's tolerance) and draws its figures.

    The notebook is made without outputs (blank results): what it shows here
    is only what the kernel printed.
    """
    project = Project.from_root(REPO)
    page = project.load(project.docs_dir / f"{chapter}.md")
    blank = [Result() for _ in page.listings]
    text = page_notebook(page, blank, "Intro.", project.snippets.expand)
    notebook = nbformat.reads(text, as_version=4)
    # A reader's kernel draws inline: no MPLBACKEND from the engine's process.
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    NotebookClient(
        notebook,
        timeout=600,
        allow_errors=True,
        resources={"metadata": {"path": str(REPO)}},
    ).execute(env=env)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) == len(page.listings)
    found = []
    for cell, item in zip(code, page.listings, strict=True):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors:
            trace = "\n".join(errors[0].get("traceback", []))
            found.append(f"{item.id} raised in the kernel:\n{trace}")
            break
        printed = _printed(cell)
        if item.prints_nothing:
            if normalize(printed):
                found.append(f"{item.id} printed in the kernel:\n{printed}")
        elif not outputs_match(item, printed):
            found.append(diff(item, printed))
        shown = [o for o in cell.outputs if o.output_type == "execute_result"]
        shown = [o for o in shown if "image/png" not in o.get("data", {})]
        if shown:
            value = shown[0]["data"].get("text/plain", "")
            found.append(
                f"{item.id} shows a value in Jupyter that the page does not "
                f"(its last line is an expression): {value}"
            )
        if _figures(cell) != len(item.figure_alts):
            found.append(
                f"{item.id} drew {_figures(cell)} figure(s) in the kernel, its "
                f"page shows {len(item.figure_alts)}"
            )
    assert not found, "\n\n".join(found)
