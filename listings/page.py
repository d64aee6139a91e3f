"""Read a page: its listings, their code, marks and committed outputs.

The page is expanded with pymdownx.snippets itself and its blocks are read
with ``pytest_codeblocks.extract_from_buffer``, so the build, the tests and
the reader's Markdown all agree on what a listing is.
"""

from __future__ import annotations

import ast
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from pymdownx.snippets import SnippetMissingError, SnippetPreprocessor
from pytest_codeblocks import extract_from_buffer

PYTHON_SYNTAXES = {"python", "py"}
INCLUDE = re.compile(r'-{1,}8<-{1,}[ \t]+"(?P<file>[^":]+)(?::(?P<section>[^"]+))?"')
MARK = re.compile(r"<!--[-\s]*pytest\.mark\.(?P<mark>.*?)[-\s]*-->")
EXPECTED = re.compile(r"<!--[-\s]*pytest-codeblocks:expected-output[-\s]*-->")
KNOWN_MARKS = {"no_output", "tolerance", "figure", "slow"}


class PageError(Exception):
    """A page that cannot be turned into listings; says where and how to fix it."""


@dataclass(frozen=True)
class Mark:
    """A ``<!--pytest.mark.NAME(...)-->`` comment above a listing."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass
class Listing:
    """One python fence of a page: a snippet section and its expected output."""

    page: str
    name: str
    snippet: Path
    line: int
    code: str
    marks: list[Mark]
    expected: str | None
    fence_line: int
    indent: str
    output_span: tuple[int, int] | None

    @property
    def id(self) -> str:
        return f"{self.page}::{self.name}"

    def where(self, root: Path) -> str:
        """``snippets/tensors.py:12``, the first line of the listing's code."""
        return f"{_relative(self.snippet, root)}:{self.line}"

    def mark(self, name: str) -> Mark | None:
        return next((m for m in self.marks if m.name == name), None)

    @property
    def prints_nothing(self) -> bool:
        return self.mark("no_output") is not None

    @property
    def figure_alts(self) -> list[str]:
        return [m.args[0] for m in self.marks if m.name == "figure"]


@dataclass
class Page:
    """A Markdown page and the listings it embeds, in page order."""

    path: Path
    name: str
    text: str
    listings: list[Listing]
    shown: list[Path] = field(default_factory=list)

    @property
    def snippets(self) -> list[Path]:
        """Every snippet file the page shows: its listings' and ``no-run`` ones."""
        return sorted({listing.snippet for listing in self.listings} | set(self.shown))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _parse_mark(text: str, where: str) -> Mark:
    try:
        call = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise PageError(f"{where}: cannot parse mark 'pytest.mark.{text}'") from exc
    if isinstance(call, ast.Name):
        return Mark(call.id)
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        raise PageError(f"{where}: a mark is written pytest.mark.NAME(...): {text}")
    try:
        args = tuple(ast.literal_eval(a) for a in call.args)
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except ValueError as exc:
        raise PageError(f"{where}: mark arguments must be literals: {text}") from exc
    return Mark(call.func.id, args, kwargs)


def fence_info(syntax: str | None) -> tuple[str, set[str]]:
    """Language and extra classes of a fence: ``python``, ``{ .python .no-run }``."""
    info = (syntax or "").strip()
    if info.startswith("{"):
        classes = [t[1:] for t in info.strip("{}").split() if t.startswith(".")]
        return (classes[0] if classes else ""), set(classes[1:])
    return (info.split()[0] if info else ""), set()


def _fence_end(lines: list[str], start: int) -> int:
    """Index of the closing fence line of the fence opened at ``start``."""
    opening = lines[start].lstrip()
    ticks = len(opening) - len(opening.lstrip("`"))
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip()[:ticks] == "`" * ticks:
            return i
    raise PageError(f"line {start + 1}: fence is never closed")


def _marks_above(lines: list[str], fence: int) -> list[str]:
    """The mark comments directly above a fence (blank lines allowed)."""
    found = []
    i = fence - 1
    while i >= 0:
        stripped = lines[i].strip()
        if not stripped:
            i -= 1
            continue
        m = MARK.fullmatch(stripped)
        if m is None:
            break
        found.append(m.group("mark").strip())
        i -= 1
    return found[::-1]


def _output_span(lines: list[str], fence_end: int) -> tuple[int, int] | None:
    """Lines [comment, closing fence] of the expected output after a listing."""
    i = fence_end + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not EXPECTED.fullmatch(lines[i].strip()):
        return None
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j >= len(lines) or not lines[j].lstrip().startswith("```"):
        raise PageError(f"line {i + 1}: expected-output comment without a fence")
    return i, _fence_end(lines, j)


class Snippets:
    """pymdownx.snippets configured as the site configures it."""

    def __init__(self, base_path: list[Path]):
        self.base_path = [Path(p).resolve() for p in base_path]
        md = markdown.Markdown(
            extensions=["pymdownx.snippets"],
            extension_configs={
                "pymdownx.snippets": {
                    "base_path": [str(p) for p in self.base_path],
                    "check_paths": True,
                }
            },
        )
        self._preprocessor: SnippetPreprocessor = md.preprocessors["snippet"]
        self._sections: dict[tuple[Path, int], dict[str, int]] = {}

    def expand(self, text: str) -> str:
        return "\n".join(self._preprocessor.run(text.split("\n")))

    def resolve(self, name: str) -> Path:
        for base in self.base_path:
            if (base / name).is_file():
                return base / name
        raise PageError(f"snippet file '{name}' not found in {self.base_path}")

    def relative(self, path: Path) -> str:
        """A snippet file's name under its base path: ``ddp/lightning_ddp.py``."""
        for base in self.base_path:
            if path.resolve().is_relative_to(base):
                return path.resolve().relative_to(base).as_posix()
        return path.name

    def section_line(self, path: Path, section: str) -> int:
        """1-based line of the first code line of a named section."""
        key = (path, path.stat().st_mtime_ns)
        if key not in self._sections:
            pattern = SnippetPreprocessor.RE_SNIPPET_SECTION
            starts = {}
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                m = pattern.match(line)
                if m and m.group("type") == "start":
                    starts.setdefault(m.group("name"), number + 1)
            self._sections[key] = starts
        try:
            return self._sections[key][section]
        except KeyError:
            raise PageError(f"section '{section}' not found in {path}") from None


def load_page(path: Path, root: Path, snippets: Snippets, text: str | None = None):
    """Parse a page into listings; raise PageError naming the page and line."""
    path = Path(path)
    name = _relative(path, root)
    text = path.read_text() if text is None else text
    try:
        expanded = snippets.expand(text)
    except SnippetMissingError as exc:
        raise PageError(f"{name}: {exc}") from exc
    raw_blocks = extract_from_buffer(io.StringIO(text))
    blocks = extract_from_buffer(io.StringIO(expanded))
    if len(raw_blocks) != len(blocks):
        raise PageError(f"{name}: a snippet include added or removed a code fence")
    lines = text.split("\n")
    listings: list[Listing] = []
    shown: list[Path] = []
    for raw, block in zip(raw_blocks, blocks, strict=True):
        language, classes = fence_info(raw.syntax)
        if language not in PYTHON_SYNTAXES:
            continue
        where = f"{name}:{raw.lineno}"
        include = INCLUDE.fullmatch(raw.code.strip())
        if "no-run" in classes:
            # Shown, not run here: a listing runs that file in a child process.
            if include is None:
                raise PageError(f"{where}: a no-run fence must hold one include")
            shown.append(snippets.resolve(include.group("file")))
            continue
        if include is None or include.group("section") is None:
            raise PageError(
                f"{where}: a python fence must hold one snippet include, "
                f'--8<-- "<file>.py:<section>"; put the code in snippets/'
            )
        fence = raw.lineno - 1
        adjacent = _marks_above(lines, fence)
        if adjacent != [m.removeprefix("pytest.mark.").strip(" -") for m in raw.marks]:
            raise PageError(
                f"{where}: pytest marks must stand directly above the listing "
                f"they describe (found {raw.marks}, adjacent {adjacent})"
            )
        marks = [_parse_mark(m, where) for m in adjacent]
        for mark in marks:
            if mark.name not in KNOWN_MARKS:
                raise PageError(f"{where}: unknown mark '{mark.name}'")
        snippet = snippets.resolve(include.group("file"))
        section = include.group("section")
        span = _output_span(lines, _fence_end(lines, fence))
        listing = Listing(
            page=name,
            name=section,
            snippet=snippet,
            line=snippets.section_line(snippet, section),
            code=block.code,
            marks=marks,
            expected=block.expected_output,
            fence_line=fence,
            indent=lines[fence][: len(lines[fence]) - len(lines[fence].lstrip())],
            output_span=span,
        )
        if (span is None) != (block.expected_output is None):
            raise PageError(
                f"{where}: the expected-output block of '{section}' must follow "
                "its listing directly"
            )
        if listing.prints_nothing and span is not None:
            raise PageError(f"{where}: '{section}' is marked no_output but has output")
        if any(other.name == section for other in listings):
            raise PageError(f"{where}: section '{section}' is included twice")
        listings.append(listing)
    return Page(path=path, name=name, text=text, listings=listings, shown=shown)


def missing_outputs(page: Page) -> list[Listing]:
    """Listings with neither an expected output nor a no_output mark."""
    return [
        listing
        for listing in page.listings
        if listing.expected is None and not listing.prints_nothing
    ]
