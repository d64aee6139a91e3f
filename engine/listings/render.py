"""What a built page shows beyond its committed Markdown, made without MkDocs:
its fresh outputs and figures, the line under its title, and its notebook.
The MkDocs plugin and the pre-build command for other generators
(``listings prebuild``) both use these."""

from __future__ import annotations

import platform
import posixpath
from importlib import resources

from .files import version
from .jupyter_markdown import chapter_link
from .notebook import page_notebook
from .page import Page
from .project import Project
from .result import Result
from .rewrite import rendered
from .run import setup_code
from .settings import Settings
from .verify import problems

FIGURES = "figures"
NOTEBOOKS = "notebooks"
SNIPPETS = "snippets"
# The engine's stylesheet (outputs, figures in each palette, the provenance
# line, notebook views), as the site serves it.
STYLESHEET = "listings/listings.css"


def stylesheet() -> bytes:
    """The stylesheet the engine ships, for STYLESHEET."""
    return resources.files("listings").joinpath("assets/listings.css").read_bytes()


VERIFIED_WITH = "<!--listings:verified-with-->"


def stem(src_uri: str) -> str:
    return posixpath.splitext(src_uri)[0]


def figure_uri(src_uri: str, listing: str, number: int, dark: bool = False) -> str:
    suffix = "-dark" if dark else ""
    return f"{FIGURES}/{stem(src_uri)}/{listing}-{number}{suffix}.png"


def figure_uris(src_uri: str, page: Page, results: list[Result]) -> list[list]:
    """Per listing, per figure: (light URI, dark URI or None)."""
    return [
        [
            (
                figure_uri(src_uri, listing.name, number),
                figure_uri(src_uri, listing.name, number, dark=True)
                if number <= len(result.dark_figures)
                else None,
            )
            for number in range(1, len(result.figures) + 1)
        ]
        for listing, result in zip(page.listings, results, strict=True)
    ]


def figure_files(src_uri: str, page: Page, results: list[Result]) -> dict[str, bytes]:
    """Every figure file of the page: {URI: PNG bytes}, light and dark."""
    files = {}
    uris = figure_uris(src_uri, page, results)
    for result, row in zip(results, uris, strict=True):
        for number, (light, dark) in enumerate(row):
            files[light] = result.figures[number]
            if dark is not None:
                files[dark] = result.dark_figures[number]
    return files


def notebook_uri(src_uri: str) -> str:
    """The chapter's notebook for download, in the folder of its view."""
    name = stem(src_uri)
    return f"{NOTEBOOKS}/{name}/{posixpath.basename(name)}.ipynb"


def view_uri(src_uri: str) -> str:
    """The notebook view's source: mkdocs-jupyter makes it ``notebooks/<stem>/``."""
    return f"{NOTEBOOKS}/{stem(src_uri)}.ipynb"


class _Versions(dict):
    """{version[NAME]}: an installed distribution's version, looked up."""

    def __missing__(self, name: str) -> str:
        return version(name)


def verified_with(settings: Settings, results: list[Result]) -> str:
    """What printed the outputs (the ``versions`` setting), read at build time."""
    devices = sorted({r.device for r in results})
    where = " and ".join("the CPU" if d == "cpu" else d for d in devices)
    return settings.versions.format(
        python=platform.python_version(), version=_Versions(), devices=where
    )


def title_of(page: Page, fallback: str) -> str:
    titles = (
        line[2:].strip() for line in page.text.split("\n") if line.startswith("# ")
    )
    return next(titles, fallback)


def notebook(
    project: Project,
    page: Page,
    results: list[Result],
    src_uri: str,
    site_url: str,
    figure_links: list[list[str]] | None = None,
) -> str:
    """The page's notebook: for download (figures inside it, links to the
    published site), or, with ``figure_links``, for its view on the site."""
    settings = project.settings
    intro = settings.notebook_intro.format(
        page=page.name, versions=verified_with(settings, results)
    )
    names = [*settings.packages, *settings.requirements]
    pins = " ".join(f'"{name}=={version(name)}"' for name in names)
    intro += (
        "\n\nIt runs in a folder of its own, in a fresh kernel. It needs "
        "these packages (the versions its outputs came from):\n\n"
        f"```bash\npip install {pins}\n```"
    )
    setup = setup_code(page, project.root, settings)
    # The view keeps its links to pages: the site fits them to where it is.
    link = chapter_link(site_url, src_uri) if figure_links is None else str
    expand = project.snippets.expand
    return page_notebook(page, results, intro, expand, figure_links, setup, link)


def page_markdown(
    project: Project,
    page: Page,
    results: list[Result],
    src_uri: str,
    view: bool = False,
) -> tuple[str, list[str]]:
    """The page as built: fresh outputs and figures under its listings and
    the provenance line under its title; and every listing's problems."""
    found = [
        problems(i, r, project.root, project.settings.update_command)
        for i, r in zip(page.listings, results, strict=True)
    ]
    here = posixpath.dirname(src_uri) or "."
    figures = figure_uris(src_uri, page, results)
    light = [[posixpath.relpath(u, here) for u, _ in row] for row in figures]
    dark = [[posixpath.relpath(u, here) for _, u in row if u] for row in figures]
    text = rendered(page, results, light, found, dark)
    uris = [f"{SNIPPETS}/{project.snippets.relative(p)}" for p in page.snippets]
    code = ", ".join(f"[`{u}`]({posixpath.relpath(u, here)})" for u in uris)
    name = posixpath.basename(stem(src_uri))
    download = posixpath.relpath(notebook_uri(src_uri), here)
    labels = project.settings.labels
    shown = ""
    if view:
        view_link = posixpath.relpath(view_uri(src_uri), here)
        shown = f"[{labels['view']}]({view_link}) · "
    said = project.settings.provenance.format(
        versions=verified_with(project.settings, results), page=page.name
    )
    run = ""
    if project.settings.run_url:
        address = project.settings.run_url.format(notebook=notebook_uri(src_uri))
        run = f" · [{labels['run']}]({address})"
    line = (
        f"{said} {labels['code']} {code} · {shown}"
        f'[{labels["download"]}]({download}){{ download="{name}.ipynb" }}{run}\n'
        "{ .page-provenance }"
    )
    lines = text.split("\n")
    title = next((i for i, text in enumerate(lines) if text.startswith("# ")), -1)
    lines[title + 1 : title + 1] = ["", line]
    return "\n".join(lines), [p for issues in found for p in issues]


def site_provenance(settings: Settings, results: list[Result], pages: int) -> str:
    """The home page's sentence on what printed the site's outputs."""
    return settings.site_provenance.format(
        versions=verified_with(settings, results), listings=len(results), pages=pages
    )
