"""Notebooks made from pages: valid, faithful to the page, and runnable."""

from __future__ import annotations

import nbformat
from conftest import REPO, listing
from nbclient import NotebookClient

from listings import PageRun, Project
from listings.notebook import page_notebook
from listings.verify import normalize


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


def test_the_tensors_notebook_runs_in_jupyter_and_prints_the_page(tmp_path):
    project = Project.from_root(REPO)
    page = project.load(project.docs_dir / "tensors.md")
    results = PageRun(page, project.root).run_all()
    notebook = nbformat.reads(page_notebook(page, results, "Intro."), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(
        notebook, timeout=120, resources={"metadata": {"path": str(REPO)}}
    ).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) == len(page.listings)
    for cell, item in zip(code, page.listings, strict=True):
        printed = "".join(
            o.get("text", "") for o in cell.outputs if o.output_type == "stream"
        )
        assert normalize(printed) == normalize(item.expected or ""), item.name
