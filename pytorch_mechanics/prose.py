"""Numbers in a page's prose must restate what its listings print.

A number with a decimal point or a percent sign in the prose (text and inline
code; not fences, math, HTML comments, link targets or attribute lists) must
equal a number printed by one of the page's listings, or be such a number
rounded to fewer decimals (``2.03`` for ``2.029``, ``95.6%`` for ``0.9562``),
or appear in the code of the page's listings (``lr=0.001``). A number quoted
from a source is exempt in a paragraph that cites it with a footnote
(``[^he2015]``) or that lists it in an invisible ``<!--quoted: 4.5 0.25-->``.
Dotted versions (``2.14.1``, ``Python 3.10``) are not results and are skipped.

The build (the site's hook, ``pytorch_mechanics.hooks``) and the tests
check the prose against the committed outputs, which the build and the
tests verify against fresh runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    InvalidOperation,
)

from listings.scan import fenced_lines

# A number as prose writes it: -0.0898, 95.6%, 1,234.5, 4.1e-8.
PROSE_NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>[-+\u2212])?"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"(?:[eE](?P<exp>[-+\u2212]?\d+))?(?P<percent>%)?(?P<cut>\u2026|\.\.\.)?"
)
# A number as a program prints it: 1., .5, 1.0000e+00, 95.6%, 4,000, nan.
PRINTED_NUMBER = re.compile(
    r"(?<![\w.])[-+\u2212]?"
    r"(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?%?"
)
VERSION = re.compile(
    r"(?<![\w.])v?\d+(?:\.\d+){2,}(?![\w.]?\d)"
    r"|(?:\bv|\b(?:Python|PyTorch|torch|torchvision|torchmetrics|Lightning|CUDA"
    r"|NumPy|pandas|MkDocs|Material|version|release)\s)\d+\.\d+(?![\w.]?\d)",
    re.IGNORECASE,
)
FOOTNOTE = re.compile(r"\[\^[^\]\s]+\]")
QUOTED = re.compile(r"<!--\s*quoted:(?P<numbers>.*?)-->", re.DOTALL)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
NOT_BLANK_LINE = r"(?:(?!\n[ \t]*\n)[\s\S])"
# Inline regions, in the order Markdown reads them: code keeps its text (it is
# checked), everything else is blanked out.
INLINE = re.compile(
    r"(?P<code>(?<!`)(?P<ticks>`+)(?!`)(?P<content>" + NOT_BLANK_LINE + r"+?)"
    r"(?<!`)(?P=ticks)(?!`))"
    r"|(?P<skip>"
    r"\$\$[\s\S]*?\$\$"  # display math
    r"|\\\[[\s\S]*?\\\]|\\\([\s\S]*?\\\)"
    r"|\\begin\{(?P<env>[a-z*]+)\}[\s\S]*?\\end\{(?P=env)\}"
    r"|(?<![\\$])\$(?![\s$])(?:\\.|[^\\$\n]|\n(?![ \t]*\n))+?(?<![\s\\])\$"
    r"|\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)"  # link target
    r"|\]\[[^\]\n]*\]"  # reference link label
    r"|^[ \t]{0,3}\[(?!\^)[^\]\n]+\]:[ \t]*\S+.*$"  # reference definition
    r"|^\*\[[^\]\n]+\]:.*$"  # abbreviation definition
    r"|\[\^[^\]\s]+\]"  # footnote reference
    r"|<https?://[^>\s]+>|https?://[^\s)>\]]+"
    r"|</?[A-Za-z][^>\n]*>"  # HTML tag
    r"|\{:?[ \t]*(?:[#.][\w-]|[\w-]+=)[^{}\n]*\}"  # attribute list
    r"|arXiv:\s*\d{4}\.\d{4,5}(?:v\d+)?|\b10\.\d{4,9}/\S+"  # arXiv id, DOI
    r"|^[ \t]*-+8<-+.*$"  # snippet include
    r")",
    re.MULTILINE,
)


@dataclass(frozen=True)
class ProseNumber:
    """A number written in the prose, where it stands and what it says."""

    text: str
    line: int
    paragraph: int
    value: Decimal
    unit: Decimal  # the place of its last digit: 0.001 for 2.029
    signed: bool
    percent: bool
    truncated: bool = False  # written with an ellipsis: -0.5599997...


def _blank(text: str) -> str:
    """Spaces of the same length, newlines kept: offsets and lines stay true."""
    return re.sub(r"[^\n]", " ", text)


def _decimal(text: str) -> Decimal | None:
    text = text.replace(",", "").replace("\u2212", "-").rstrip("%")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _mask_fences(lines: list[str]) -> list[str]:
    """The lines with every fence blanked, its fence lines included: the
    fences the engine's Markdown scanner finds (``listings.scan``)."""
    fenced = fenced_lines("\n".join(lines))
    return [_blank(line) if i in fenced else line for i, line in enumerate(lines)]


def _paragraphs(lines: list[str], fenced: list[str]) -> list[int]:
    """The paragraph number of each line: blank lines and fences separate."""
    numbers, current, open_ = [], 0, False
    for line, masked in zip(lines, fenced, strict=True):
        separator = not line.strip() or (not masked.strip())
        if separator:
            open_ = False
        elif not open_:
            current += 1
            open_ = True
        numbers.append(current if not separator else 0)
    return numbers


def _inline(match: re.Match) -> str:
    if match.group("code") is not None:
        ticks = match.group("ticks")
        return " " * len(ticks) + match.group("content") + " " * len(ticks)
    return _blank(match.group(0))


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


@dataclass
class Prose:
    """What a page's prose says in numbers.

    ``quoted`` holds (line, paragraph, text) for each number a
    ``<!--quoted: ...-->`` comment lists; ``cited`` the paragraphs that hold a
    footnote reference or definition.
    """

    numbers: list[ProseNumber]
    quoted: list[tuple[int, int, str]]
    cited: set[int]


def scan(markdown: str) -> Prose:
    """The decimal and percent numbers of a page's prose, and its exemptions."""
    front = FRONT_MATTER.match(markdown)
    if front:
        markdown = _blank(front.group(0)) + markdown[front.end() :]
    lines = markdown.split("\n")
    fenced = _mask_fences(lines)
    paragraphs = _paragraphs(lines, fenced)
    text = "\n".join(fenced)
    cited = {
        paragraph
        for line, paragraph in zip(fenced, paragraphs, strict=True)
        if paragraph and FOOTNOTE.search(line)
    }
    quoted = []
    for match in QUOTED.finditer(text):
        line = _line_of(text, match.start())
        for entry in re.split(r"[\s,;]+", match.group("numbers").strip()):
            if entry:
                quoted.append((line, paragraphs[line - 1], entry))
    text = COMMENT.sub(lambda m: _blank(m.group(0)), text)
    text = INLINE.sub(_inline, text)
    text = VERSION.sub(lambda m: _blank(m.group(0)), text)
    found = []
    for match in PROSE_NUMBER.finditer(text):
        frac, percent = match.group("frac"), match.group("percent")
        if frac is None and percent is None:
            continue
        exponent = int((match.group("exp") or "0").replace("\u2212", "-"))
        digits = match.group("int").replace(",", "") + "." + (frac or "0")
        value = Decimal(digits).scaleb(exponent)
        if match.group("sign") in ("-", "\u2212"):
            value = -value
        line = _line_of(text, match.start())
        found.append(
            ProseNumber(
                text=match.group(0)[: len(match.group(0)) - len(match["cut"] or "")],
                line=line,
                paragraph=paragraphs[line - 1],
                value=value,
                unit=Decimal(1).scaleb(exponent - len(frac or "")),
                signed=match.group("sign") is not None,
                percent=percent is not None,
                truncated=match.group("cut") is not None,
            )
        )
    return Prose(found, quoted, cited)


def printed_numbers(text: str) -> set[Decimal]:
    """Every number in a listing's output or code, as a value."""
    values = set()
    for match in PRINTED_NUMBER.finditer(text):
        value = _decimal(match.group(0))
        if value is not None:
            values.add(value)
    return values


_WIDE = Context(prec=60)


def _rounds_to(value: Decimal, number: ProseNumber) -> bool:
    roundings = [ROUND_HALF_EVEN, ROUND_HALF_UP]
    if number.truncated:
        roundings.append(ROUND_DOWN)
    for rounding in roundings:
        try:
            if value.quantize(number.unit, rounding=rounding, context=_WIDE) == (
                number.value
            ):
                return True
        except InvalidOperation:
            return False
    return False


def _candidates(values: Iterable[Decimal], number: ProseNumber) -> set[Decimal]:
    """What the prose number may restate: the value, as a percentage of a
    fraction (95.6% for 0.956), and without its sign when prose gives none."""
    found = set()
    for value in values:
        found.add(value)
        if number.percent:
            found.add(value.scaleb(2))
    if not number.signed:
        found |= {abs(v) for v in found}
    return found


def restates(number: ProseNumber, printed: set[Decimal], code: set[Decimal]) -> bool:
    """Whether a prose number equals (or rounds) a printed one or a constant."""
    if any(_rounds_to(v, number) for v in _candidates(printed, number)):
        return True
    return number.value in _candidates(code, number)


def unmatched_message(where: str, number: ProseNumber) -> str:
    return (
        f"{where}:{number.line}: the number {number.text} is not printed by any "
        "listing on this page; update the prose to what the listings print, or "
        f"mark a number quoted from a source with <!--quoted: {number.text}--> "
        "or a citation"
    )


def check(
    markdown: str, where: str, outputs: Iterable[str], code: Iterable[str] = ()
) -> list[str]:
    """Every problem with the prose numbers of one page, as messages.

    ``where`` names the page (``docs/tensors.md``); ``outputs`` are what its
    listings printed, ``code`` their source.
    """
    printed: set[Decimal] = set()
    for output in outputs:
        printed |= printed_numbers(output)
    constants: set[Decimal] = set()
    for source in code:
        constants |= printed_numbers(source)
    prose = scan(markdown)
    numbers = prose.numbers
    marked: dict[int, set[Decimal]] = {}
    problems = []
    for line, paragraph, entry in prose.quoted:
        value = _decimal(entry)
        if value is None:
            problems.append(
                f"{where}:{line}: <!--quoted: ...--> lists '{entry}', not a number"
            )
            continue
        in_paragraph = {n.value for n in numbers if n.paragraph == paragraph}
        if paragraph == 0 or value not in in_paragraph:
            problems.append(
                f"{where}:{line}: <!--quoted: {entry}--> lists a number its "
                "paragraph does not contain; put the comment in the paragraph "
                "that quotes the number, or remove it"
            )
        marked.setdefault(paragraph, set()).add(value)
    for number in numbers:
        if number.paragraph in prose.cited or number.value in marked.get(
            number.paragraph, ()
        ):
            continue
        if not restates(number, printed, constants):
            problems.append(unmatched_message(where, number))
    return problems
