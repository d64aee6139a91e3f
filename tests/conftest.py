"""Fixtures for the engine's own tests: small throwaway sites in tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from listings import Project

REPO = Path(__file__).resolve().parents[1]


class Site:
    """A minimal site: docs/ and snippets/ under a temporary root."""

    def __init__(self, root: Path):
        self.root = root
        (root / "docs").mkdir()
        (root / "snippets").mkdir()

    def page(self, name: str, markdown: str) -> Path:
        path = self.root / "docs" / f"{name}.md"
        path.write_text(textwrap.dedent(markdown).lstrip())
        return path

    def snippet(self, name: str, code: str) -> Path:
        path = self.root / "snippets" / f"{name}.py"
        path.write_text(textwrap.dedent(code).lstrip())
        return path

    @property
    def project(self) -> Project:
        return Project.from_root(self.root)

    def load(self, name: str):
        return self.project.load(self.root / "docs" / f"{name}.md")


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


def listing(section: str, output: str | None, file: str = "page.py") -> str:
    """Markdown of one listing with its committed output (None: no block)."""
    block = f'```python\n--8<-- "{file}:{section}"\n```\n'
    if output is None:
        return block + "\n"
    return (
        block
        + f"\n<!--pytest-codeblocks:expected-output-->\n\n```text\n{output}\n```\n\n"
    )
