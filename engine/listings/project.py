"""Where a project's pages and snippets are, read from its mkdocs.yml."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from .cache import Cache
from .page import Page, Snippets, load_page
from .run import PageOutcome, run_pages
from .settings import Settings


class _TolerantLoader(yaml.SafeLoader):
    """mkdocs.yml uses !ENV and !!python/name tags: an !ENV [NAME, default]
    is read as MkDocs reads it; the other tags' values are not needed."""


def _env(loader, node):
    names = (
        loader.construct_sequence(node)
        if isinstance(node, yaml.SequenceNode)
        else [loader.construct_scalar(node)]
    )
    *variables, default = names if len(names) > 1 else [*names, None]
    return next((os.environ[v] for v in variables if v in os.environ), default)


_TolerantLoader.add_constructor("!ENV", _env)
_TolerantLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_TolerantLoader.add_multi_constructor(
    "tag:yaml.org,2002:python/", lambda loader, suffix, node: None
)


def _snippet_options(config: dict) -> dict:
    for entry in config.get("markdown_extensions") or []:
        if isinstance(entry, dict) and "pymdownx.snippets" in entry:
            return entry["pymdownx.snippets"] or {}
    return {}


@dataclass
class Project:
    """A site: its root folder, docs folder and snippet base paths."""

    root: Path
    docs_dir: Path
    snippet_dirs: list[Path]
    settings: Settings
    site_url: str = ""

    @classmethod
    def from_root(cls, root: Path | str, **overrides) -> Project:
        """The site at ``root``; ``overrides`` replace its ``[tool.listings]``."""
        root = Path(root).resolve()
        config_file = root / "mkdocs.yml"
        config = {}
        if config_file.is_file():
            config = yaml.load(config_file.read_text(), Loader=_TolerantLoader) or {}
        base = _snippet_options(config).get("base_path", ["snippets"])
        base = [base] if isinstance(base, str) else base
        return cls(
            root=root,
            docs_dir=root / config.get("docs_dir", "docs"),
            snippet_dirs=[root / b for b in base],
            settings=Settings.read(root, **overrides),
            site_url=config.get("site_url") or "",
        )

    @property
    def cache(self) -> Cache:
        return Cache(self.root, self.settings)

    def run(self, pages: list[Page], **options) -> Iterator[PageOutcome]:
        """``run_pages`` with this site's settings and cache."""
        options.setdefault("cache", self.cache)
        return run_pages(pages, self.root, self.settings, **options)

    @property
    def work(self) -> Path:
        """The folder for what builds make and keep (``work_dir``)."""
        return self.root / self.settings.work_dir

    @functools.cached_property
    def snippets(self) -> Snippets:
        return Snippets(self.snippet_dirs)

    def page_paths(self) -> list[Path]:
        return sorted(self.docs_dir.rglob("*.md"))

    def load(self, path: Path | str, text: str | None = None) -> Page:
        return load_page(Path(path), self.root, self.snippets, text=text)

    def resolve_page(self, name: str) -> Path:
        """A page given as ``intro``, ``intro.md`` or ``docs/intro.md``."""
        candidates = [Path(name), self.root / name, self.docs_dir / name]
        candidates += [self.docs_dir / f"{name}.md"]
        for candidate in candidates:
            if candidate.suffix == ".md" and candidate.is_file():
                return candidate.resolve()
        raise FileNotFoundError(f"no page '{name}' in {self.docs_dir}")
