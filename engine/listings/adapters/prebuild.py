"""``listings prebuild``: the verified docs folder for a generator that runs no
MkDocs plugin (Zensical), made with the engine as the MkDocs plugin shows
the pages."""

from __future__ import annotations

import shutil
from pathlib import Path

from .. import render
from ..files import write_atomically
from ..page import PageError
from ..project import Project


def prebuild(project: Project, out: Path) -> int:
    """Write the docs folder a generator that runs no MkDocs plugin (Zensical)
    builds: every page with its fresh outputs, figures, provenance line and
    notebook, as the MkDocs plugin shows them. Verifies as the build does:
    exit status 1, and every problem printed, if a listing fails its page."""
    docs = project.docs_dir
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(docs, out, ignore=shutil.ignore_patterns("*.md"))
    write_atomically(out / render.STYLESHEET, render.stylesheet())
    found: list = []  # PageError messages and Problems
    pages = []
    for path in project.page_paths():
        try:
            pages.append(project.load(path))
        except PageError as exc:
            found.append(str(exc))
    running = [page for page in pages if page.listings]
    outcomes = {o.page.name: o for o in project.run(running)}
    results = [r for o in outcomes.values() for r in o.results]
    for page in pages:
        src_uri = Path(page.path).relative_to(docs).as_posix()
        outcome = outcomes.get(page.name)
        text = page.text.replace(
            render.VERIFIED_WITH,
            render.site_provenance(project.settings, results, len(outcomes)),
        )
        if outcome is not None:
            text, problems_ = render.page_markdown(
                project, page, outcome.results, src_uri
            )
            found += problems_
            figures = render.figure_files(src_uri, page, outcome.results)
            for uri, image in figures.items():
                write_atomically(out / uri, image)
            notebook = render.notebook(
                project, page, outcome.results, src_uri, project.site_url
            )
            write_atomically(out / render.notebook_uri(src_uri), notebook)
            for snippet in page.snippets:
                name = project.snippets.relative(snippet)
                write_atomically(out / render.SNIPPETS / name, snippet.read_bytes())
        write_atomically(out / src_uri, text)
    for problem in found:
        print(problem)
    print(f"{out}: {len(pages)} pages, {len(results)} listings, {len(found)} problems")
    return 1 if found else 0
