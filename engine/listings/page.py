"""Read a page: its listings, their code, marks and committed outputs.

The page's blocks are read once, with markdown-it-py (``listings.scan``), and
each listing's include is expanded with pymdownx.snippets itself, so the
build, the tests and the reader's Markdown agree on what a listing is. The
fences, marks and expected-output comments are pytest-codeblocks' syntax:
``pytest --codeblocks`` reads the same page as the same items.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from pymdownx.snippets import SnippetMissingError, SnippetPreprocessor

from .scan import Comment, Fence, blocks
from .settings import MAX_TIMEOUT

PYTHON_SYNTAXES = {"python", "py"}
INCLUDE = re.compile(r'-{1,}8<-{1,}[ \t]+"(?P<file>[^":]+)(?::(?P<section>[^"]+))?"')
MARK = re.compile(r"<!--[-\s]*pytest\.mark\.(?P<mark>.*?)[-\s]*-->")
EXPECTED = re.compile(r"<!--[-\s]*pytest-codeblocks:expected-output[-\s]*-->")
KNOWN_MARKS = {"no_output", "tolerance", "figure", "slow", "timeout"}
SECTION_LIKE = re.compile(r"^\s*#\s*-+8<-+\s*\[")


class PageError(Exception):
    """A page that cannot be turned into listings; says where and how to fix it."""


class SnippetError(PageError):
    """A snippet file that cannot be read; ``section`` is the one the fault is
    in, if any, so that the page's include of that section takes the blame."""

    def __init__(self, message: str, section: str | None = None):
        super().__init__(message)
        self.section = section


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
    fence_end: int
    indent: str
    output_span: tuple[int, int] | None

    @property
    def id(self) -> str:
        return f"{self.page}::{self.name}"

    def where(self, root: Path) -> str:
        """``snippets/intro.py:12``, the first line of the listing's code."""
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
    # How the file was saved: ``text`` always has LF line ends and no BOM.
    newline: str = "\n"
    bom: bool = False

    def encoded(self, text: str) -> str:
        """``text`` saved the way the page's file was (line ends, BOM)."""
        return ("\ufeff" if self.bom else "") + text.replace("\n", self.newline)

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
        raise PageError(
            f"{where}: cannot parse mark 'pytest.mark.{text}'; check its "
            "parentheses and quotes"
        ) from exc
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


def _real(value) -> bool:
    """A finite int or float (not a bool, not inf or nan)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond any float
        return False


def _check_mark(mark: Mark, where: str) -> None:
    """A known mark with the arguments it takes; PageError says how to fix it."""
    if mark.name not in KNOWN_MARKS:
        known = ", ".join(sorted(KNOWN_MARKS))
        raise PageError(f"{where}: unknown mark '{mark.name}'; the marks are {known}")
    if mark.name == "figure" and (
        len(mark.args) != 1 or not isinstance(mark.args[0], str) or not mark.args[0]
    ):
        raise PageError(
            f"{where}: a figure mark needs its alt text: "
            '<!--pytest.mark.figure("what the figure shows")-->'
        )
    if mark.name == "timeout" and not (
        len(mark.args) == 1
        and _real(mark.args[0])
        and 0 < mark.args[0] <= MAX_TIMEOUT
        and not mark.kwargs
    ):
        raise PageError(
            f"{where}: a timeout mark takes the seconds the listing may run, "
            f"more than 0 and at most {MAX_TIMEOUT:g} (a day): "
            "<!--pytest.mark.timeout(300)-->"
        )
    if mark.name == "tolerance" and (
        mark.args
        or set(mark.kwargs) - {"rtol", "atol"}
        or not all(_real(v) and v >= 0 for v in mark.kwargs.values())
    ):
        raise PageError(
            f"{where}: a tolerance mark takes rtol= and atol= only, each a "
            "number of 0 or more: <!--pytest.mark.tolerance(rtol=1e-4, atol=1e-6)-->"
        )
    if mark.name in {"no_output", "slow"} and (mark.args or mark.kwargs):
        raise PageError(f"{where}: the {mark.name} mark takes no arguments")


def fence_info(syntax: str | None) -> tuple[str, set[str]]:
    """Language and extra classes of a fence: ``python``, ``{ .python .no-run }``."""
    info = (syntax or "").strip()
    if info.startswith("{"):
        classes = [t[1:] for t in info.strip("{}").split() if t.startswith(".")]
        return (classes[0] if classes else ""), set(classes[1:])
    return (info.split()[0] if info else ""), set()


def read_source(path: Path, name: str) -> tuple[str, str, bool]:
    """A page or snippet file's text with LF line ends and no BOM, how its
    lines ended, and whether it had a BOM; PageError if it is not UTF-8."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PageError(
            f"{name}:{line}: the file is not UTF-8 (byte {data[exc.start]:#04x}); "
            "save it as UTF-8"
        ) from None
    bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n"), newline, bom


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

    def folders(self) -> str:
        return " or ".join(f"{p.name}/" for p in self.base_path)

    def resolve(self, name: str) -> Path:
        """The snippet file an include names; it must lie in a snippet folder
        (no ``..``, absolute path or symlink leading out of it)."""
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise PageError(
                f"the include '{name}' leaves {self.folders()}; name a file "
                f'inside it, relative to it ("page.py:section")'
            )
        for base in self.base_path:
            candidate = base / name
            if candidate.is_file():
                if not candidate.resolve().is_relative_to(base):
                    raise PageError(
                        f"the include '{name}' is a link that leads out of "
                        f"{self.folders()}; put the file itself there"
                    )
                return candidate
        raise PageError(f"snippet file '{name}' not found in {self.folders()}")

    def relative(self, path: Path) -> str:
        """A snippet file's name under its base path: ``sub/script.py``."""
        for base in self.base_path:
            if path.resolve().is_relative_to(base):
                return path.resolve().relative_to(base).as_posix()
        return path.name

    def sections(self, path: Path, root: Path) -> dict[str, int]:
        """A snippet file's sections and the line each one's code starts at.

        PageError, naming the file and line, for a section that is never
        closed, closed without being opened or opened twice, a misspelled
        marker, or code outside any section (it would run in the script but
        on no page)."""
        key = (path, path.stat().st_mtime_ns)
        if key in self._sections:
            return self._sections[key]
        name = _relative(path, root)
        try:
            text, _, _ = read_source(path, name)
        except PageError as exc:  # not UTF-8: blame the section it is in
            line = int(str(exc).split(":")[1])
            lossy = path.read_bytes().decode("utf-8", "replace").split("\n")
            raise SnippetError(str(exc), _open_at(lossy, line)) from None
        pattern = SnippetPreprocessor.RE_SNIPPET_SECTION
        starts: dict[str, int] = {}
        open_: dict[str, int] = {}
        for number, line in enumerate(text.split("\n"), start=1):
            where = f"{name}:{number}"
            m = pattern.match(line)
            if m is None or m.group("escape"):
                if SECTION_LIKE.match(line):
                    raise SnippetError(
                        f"{where}: not a section marker: {line.strip()!r}; write "
                        "# --8<-- [start:NAME] and # --8<-- [end:NAME]",
                        next(reversed(open_), None),
                    )
                code = line.strip() and not line.strip().startswith("#")
                if code and not open_:
                    raise SnippetError(
                        f"{where}: code outside any section is run by the "
                        "script but shown on no page; put it in a section "
                        "(# --8<-- [start:NAME] ... # --8<-- [end:NAME])"
                    )
                continue
            section = m.group("name")
            if m.group("type") == "start":
                if section in starts:
                    raise SnippetError(
                        f"{where}: section '{section}' is opened twice (first "
                        f"at line {starts[section] - 1}); give each section "
                        "its own name",
                        section,
                    )
                starts[section] = number + 1
                open_[section] = number
            elif section not in open_:
                raise SnippetError(
                    f"{where}: section '{section}' is closed but was never "
                    f"opened; add # --8<-- [start:{section}] before it",
                    section,
                )
            else:
                del open_[section]
        for section, number in open_.items():
            raise SnippetError(
                f"{name}:{number}: section '{section}' is never closed; add "
                f"# --8<-- [end:{section}] after its last line",
                section,
            )
        self._sections[key] = starts
        return starts

    def section_line(self, path: Path, section: str, root: Path) -> int:
        """1-based line of the first code line of a named section."""
        sections = self.sections(path, root)
        try:
            return sections[section]
        except KeyError:
            known = ", ".join(sections) or "none"
            raise PageError(
                f"{_relative(path, root)} has no section '{section}' (its "
                f"sections: {known})"
            ) from None


def _open_at(lines: list[str], number: int) -> str | None:
    """The snippet section open at 1-based line ``number``, if any."""
    open_: list[str] = []
    for line in lines[: number - 1]:
        m = SnippetPreprocessor.RE_SNIPPET_SECTION.match(line)
        if m is None or m.group("escape"):
            continue
        if m.group("type") == "start":
            open_.append(m.group("name"))
        elif m.group("name") in open_:
            open_.remove(m.group("name"))
    return open_[-1] if open_ else None


def _check_includes(
    lines: list[str], name: str, root: Path, snippets: Snippets
) -> None:
    """Every include names a snippet file in a snippet folder, and a section
    of it that is well formed (checked before pymdownx expands them)."""
    includes = [
        (number, include)
        for number, line in enumerate(lines, start=1)
        if (include := INCLUDE.fullmatch(line.strip())) is not None
    ]
    for number, include in includes:
        try:
            path = snippets.resolve(include.group("file"))
            if include.group("section"):
                snippets.section_line(path, include.group("section"), root)
            else:
                snippets.sections(path, root)
        except SnippetError as exc:
            # The include of the section at fault, if the page has one.
            blamed = next(
                (
                    other
                    for other, found in includes
                    if found.group("file") == include.group("file")
                    and found.group("section") == exc.section
                ),
                number,
            )
            raise PageError(f"{name}:{blamed}: {exc}") from None
        except PageError as exc:
            raise PageError(f"{name}:{number}: {exc}") from None


def _is(block: Fence | Comment | None, pattern: re.Pattern) -> re.Match | None:
    """The match of ``pattern`` if ``block`` is a comment of that kind."""
    if not isinstance(block, Comment):
        return None
    return pattern.fullmatch(f"<!--{block.text}-->")


def _marks_above(
    lines: list[str], fence: Fence, before: list[Fence | Comment]
) -> list[tuple[int, str]]:
    """The mark comments directly above a fence (blank lines allowed), each
    with its 1-based line: the comment blocks that end where it starts."""
    found = []
    top = fence.start
    for block in reversed(before):
        between = lines[block.end + 1 : top]
        if any(line.strip() for line in between):
            break
        mark = _is(block, MARK)
        if mark is None:
            break
        found.append((block.start + 1, mark.group("mark").strip()))
        top = block.start
    return found[::-1]


def load_page(path: Path, root: Path, snippets: Snippets, text: str | None = None):
    """Parse a page into listings; raise PageError naming the page and line."""
    path = Path(path)
    name = _relative(path, root)
    newline, bom = "\n", False
    if text is None:
        text, newline, bom = read_source(path, name)
    lines = text.split("\n")
    found = list(blocks(text))
    for block in found:
        if isinstance(block, Fence) and not block.closed:
            ticks = re.match(r"[`~]+", lines[block.start].lstrip()).group()
            raise PageError(
                f"{name}:{block.start + 1}: this {ticks} fence is never closed; "
                f"add a closing {ticks} line after its last line"
            )
    _check_includes(lines, name, root, snippets)
    listings: list[Listing] = []
    shown: list[Path] = []
    outputs: set[int] = set()  # the expected-output comments listings own
    owned: set[int] = set()  # the mark comments listings own
    for index, block in enumerate(found):
        if not isinstance(block, Fence):
            continue
        language, classes = fence_info(block.info)
        if language not in PYTHON_SYNTAXES:
            continue
        where = f"{name}:{block.start + 1}"
        includes = INCLUDE.findall(block.content)
        include = INCLUDE.fullmatch(block.content.strip())
        if len(includes) > 1:
            raise PageError(
                f"{where}: a fence holds {len(includes)} includes; a listing "
                "is one snippet section: give each its own fence (or make one "
                "section of them)"
            )
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
        marks = []
        for number, mark in _marks_above(lines, block, found[:index]):
            owned.add(number - 1)
            marks.append(_parse_mark(mark, f"{name}:{number}"))
            _check_mark(marks[-1], f"{name}:{number}")
        snippet = snippets.resolve(include.group("file"))
        section = include.group("section")
        span, expected = _output(lines, found, index, name)
        if span is not None:
            outputs.add(span[0])
        try:
            code = snippets.expand(include.group(0))
        except SnippetMissingError as exc:
            raise PageError(f"{where}: {exc}") from None
        listing = Listing(
            page=name,
            name=section,
            snippet=snippet,
            line=snippets.section_line(snippet, section, root),
            code=code + "\n",
            marks=marks,
            expected=expected,
            fence_line=block.start,
            fence_end=block.end,
            indent=block.indent,
            output_span=span,
        )
        if listing.prints_nothing and span is not None:
            raise PageError(f"{where}: '{section}' is marked no_output but has output")
        if any(other.name == section for other in listings):
            raise PageError(
                f"{where}: section '{section}' is included twice; a page shows "
                "each section once (make a second section for the repeat)"
            )
        listings.append(listing)
    # A mark or an expected-output comment that no listing took is misplaced.
    strays = [
        (
            MARK,
            owned,
            "pytest marks must stand directly above the listing they "
            "describe (blank lines allowed); move this one there, or delete it",
        ),
        (
            EXPECTED,
            outputs,
            "an expected-output comment with no listing directly "
            "above it; put it under the listing whose output it is, or delete it",
        ),
    ]
    for block in found:
        for pattern, taken, message in strays:
            if _is(block, pattern) and block.start not in taken:
                raise PageError(f"{name}:{block.start + 1}: {message}")
    return Page(
        path=path,
        name=name,
        text=text,
        listings=listings,
        shown=shown,
        newline=newline,
        bom=bom,
    )


def _output(
    lines: list[str], found: list[Fence | Comment], index: int, name: str
) -> tuple[tuple[int, int] | None, str | None]:
    """The expected output after the listing ``found[index]``: the lines
    [comment, closing fence] it spans and its text, or (None, None)."""
    fence = found[index]
    after = found[index + 1] if index + 1 < len(found) else None
    if not (
        _is(after, EXPECTED)
        and not any(line.strip() for line in lines[fence.end + 1 : after.start])
    ):
        return None, None
    block = found[index + 2] if index + 2 < len(found) else None
    if not (
        isinstance(block, Fence)
        and not any(line.strip() for line in lines[after.end + 1 : block.start])
    ):
        raise PageError(
            f"{name}:{after.start + 1}: an expected-output comment must be "
            "followed by its output block (```text ... ```); run the update "
            "command to write it, or delete the comment"
        )
    return (after.start, block.end), block.content


def missing_outputs(page: Page) -> list[Listing]:
    """Listings with neither an expected output nor a no_output mark."""
    return [
        listing
        for listing in page.listings
        if listing.expected is None and not listing.prints_nothing
    ]
