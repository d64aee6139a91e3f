"""Run a page's listings in order in one namespace and capture what they show.

This is what happens inside the worker process (``listings.worker``): the
build and the tests never execute a listing in their own process.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import os
import sys
import time
import traceback
import warnings
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

# torch's default generator seed in a fresh process; every page starts there.
TORCH_DEFAULT_SEED = 67280421310721
FIGURE_DPI = 110
# What a listing may print: output is for the reader to read.
MAX_OUTPUT = 1_000_000


@dataclass
class Result:
    """What one listing did: its stdout, figures (PNG bytes), error, time."""

    stdout: str = ""
    figures: list[bytes] = field(default_factory=list)
    # The same figures recoloured for a dark page, in the same order.
    dark_figures: list[bytes] = field(default_factory=list)
    error: str | None = None
    error_line: int | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    skipped_because: str | None = None
    device: str = "cpu"
    # Why the page's process was stopped during this listing (time limit,
    # the interpreter ended): a sentence that follows the listing's name.
    halted: str | None = None

    @property
    def ok(self) -> bool:
        return (
            self.error is None and self.skipped_because is None and self.halted is None
        )

    def to_json(self) -> dict:
        """Plain JSON values; lists of bytes (images) as base64 text."""
        out = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.type == "list[bytes]":
                value = [base64.b64encode(v).decode("ascii") for v in value]
            out[item.name] = value
        return out

    @classmethod
    def from_json(cls, data: dict) -> Result:
        values = {}
        for item in dataclasses.fields(cls):
            if item.name not in data:
                continue
            value = data[item.name]
            if item.type == "list[bytes]":
                value = [base64.b64decode(v) for v in value]
            values[item.name] = value
        return cls(**values)


@contextmanager
def _inside(root: Path):
    old = Path.cwd()
    os.chdir(root)
    try:
        yield
    finally:
        os.chdir(old)


def _reset_global_state() -> None:
    """Undo what an earlier page may have changed in this process."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(TORCH_DEFAULT_SEED)
        torch.set_grad_enabled(True)
        torch.set_default_dtype(torch.float32)
        torch.set_printoptions(profile="default")
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
        sys.modules["matplotlib"].rcdefaults()


def _device() -> str:
    """Where the listing's tensors could run: the page's code picks CUDA if present."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        return f"cuda ({torch.cuda.get_device_name()})"
    return "cpu"


def _figure_numbers() -> set[int]:
    plt = sys.modules.get("matplotlib.pyplot")
    return set(plt.get_fignums()) if plt is not None else set()


# Material's slate scheme: its background, and text and rules that read on it.
DARK_BACKGROUND = "#1e2129"
DARK_FOREGROUND = "#d5d8de"
DARK_MUTED = "#9499a6"
DARK_GRID = "#454a58"


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=FIGURE_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _luminance(color, grey: bool = False) -> float | None:
    """Relative luminance (0 black, 1 white); None for a transparent colour,
    or, with ``grey``, for a colour that is not a shade of grey."""
    from matplotlib.colors import to_rgba

    try:
        red, green, blue, alpha = to_rgba(color)
    except (TypeError, ValueError):
        return None
    if alpha == 0 or (grey and max(red, green, blue) - min(red, green, blue) > 0.1):
        return None
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _inked(color, below: float = 0.35) -> bool:
    """Black or dark grey ink: it vanishes on a dark page. A colour (a red
    title, a dark blue line) carries meaning and is kept."""
    luminance = _luminance(color, grey=True)
    return luminance is not None and luminance < below


def _papered(color) -> bool:
    """A light colour used as a background."""
    luminance = _luminance(color)
    return luminance is not None and luminance > 0.85


def _recolour_text(text) -> None:
    if _inked(text.get_color()):
        text.set_color(DARK_FOREGROUND)


def _recolour_legend(legend) -> None:
    frame = legend.get_frame()
    if _papered(frame.get_facecolor()):
        frame.set_facecolor(DARK_BACKGROUND)
    frame.set_edgecolor(DARK_GRID)
    for text in [*legend.get_texts(), legend.get_title()]:
        _recolour_text(text)


def _recolour_dark(figure) -> None:
    """Recolour a drawn figure for a dark page, in place.

    Backgrounds become the page's, and the figure's own ink (text, ticks,
    spines, labels, titles, legends, grid, black lines) light. Data keeps its
    colours: lines and markers in colour, images, filled areas, and text on a
    box or over an image (drawn against the data, not the page).
    """
    if _papered(figure.patch.get_facecolor()):
        figure.patch.set_facecolor(DARK_BACKGROUND)
    for text in figure.texts:
        _recolour_text(text)
    for legend in figure.legends:
        _recolour_legend(legend)
    for ax in figure.axes:
        if _papered(ax.patch.get_facecolor()):
            ax.patch.set_facecolor(DARK_BACKGROUND)
        for spine in ax.spines.values():
            if _inked(spine.get_edgecolor(), below=0.5):
                spine.set_edgecolor(DARK_MUTED)
        ax.tick_params(
            which="both",
            color=DARK_MUTED,
            labelcolor=DARK_FOREGROUND,
            grid_color=DARK_GRID,
        )
        for axis in (ax.xaxis, ax.yaxis):
            _recolour_text(axis.label)
            _recolour_text(axis.get_offset_text())
        for title in (ax.title, ax._left_title, ax._right_title):
            _recolour_text(title)
        legend = ax.get_legend()
        if legend is not None:
            _recolour_legend(legend)
        for line in ax.lines:
            if _inked(line.get_color(), below=0.15):
                line.set_color(DARK_FOREGROUND)
            if _inked(line.get_markerfacecolor(), below=0.15):
                line.set_markerfacecolor(DARK_FOREGROUND)
            if _inked(line.get_markeredgecolor(), below=0.15):
                line.set_markeredgecolor(DARK_FOREGROUND)
        over_data = bool(ax.images)
        for text in ax.texts:
            arrow = getattr(text, "arrow_patch", None)
            if arrow is not None and _inked(arrow.get_edgecolor(), below=0.5):
                arrow.set_color(DARK_MUTED)
            if text.get_bbox_patch() is None and not over_data:
                _recolour_text(text)


def _take_figures(before: set[int]) -> tuple[list[bytes], list[bytes]]:
    """PNG bytes of the figures a listing opened, for a light and a dark page;
    then close them."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return [], []
    light, dark = [], []
    for number in sorted(set(plt.get_fignums()) - before):
        figure = plt.figure(number)
        light.append(_png(figure))
        _recolour_dark(figure)
        dark.append(_png(figure))
        plt.close(figure)
    return light, dark


def _listing_traceback(exc: BaseException, snippet: str) -> tuple[str, int | None]:
    """The traceback from the listing's own frame on, and the listing's line."""
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((i for i, f in enumerate(frames) if f.filename == snippet), 0)
    line = next((f.lineno for f in reversed(frames) if f.filename == snippet), None)
    summary = traceback.StackSummary.from_list(frames[first:])
    text = "Traceback (most recent call last):\n"
    text += "".join(summary.format())
    text += "".join(traceback.format_exception_only(type(exc), exc))
    return text, line


class Capture(io.StringIO):
    """A standard stream for a listing; closing it is noted, not done."""

    closed_by_listing = False

    def close(self) -> None:
        self.closed_by_listing = True


class Namespace:
    """One page's state in the worker: its globals and warning filters."""

    def __init__(self, root: Path, snippet: str):
        self.root = Path(root)
        self.filters: list | None = None
        _reset_global_state()
        self.globals = {
            "__name__": "__main__",
            "__file__": snippet,
            "__builtins__": __builtins__,
        }

    def run(self, snippet: str, line: int, code: str) -> Result:
        result, self.filters = execute(
            snippet, line, code, self.globals, self.root, self.filters
        )
        return result


def _restore_filters(saved: list | None) -> None:
    """The page's warning filters; at its start, Python's own defaults
    (deprecations shown for the listing's code, module __main__, only)."""
    if saved is None:
        warnings.resetwarnings()
        warnings.simplefilter("default")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
        warnings.filterwarnings(
            "default", category=DeprecationWarning, module="__main__"
        )
        return
    warnings.filters[:] = saved
    mutated = getattr(warnings, "_filters_mutated", None)
    if mutated is not None:  # invalidates the "already shown" registries
        mutated()


def execute(
    filename: str,
    line: int,
    code: str,
    namespace: dict,
    root: Path,
    filters: list | None = None,
) -> tuple[Result, list]:
    """Run one listing's code in ``namespace``; never raises for listing errors.

    ``line`` is where the code starts in ``filename`` (its snippet file), so
    tracebacks point into the snippet.

    ``filters`` are the page's warning filters so far; the filters after the
    listing are returned with its result: a filter a listing sets holds for the
    rest of its page, as in a script.
    """
    stdout, stderr = Capture(), Capture()
    result = Result()
    before = _figure_numbers()
    started = time.perf_counter()
    with (
        _inside(root),
        redirect_stdout(stdout),
        redirect_stderr(stderr),
        warnings.catch_warnings(record=True) as caught,
    ):
        _restore_filters(filters)
        try:
            exec(compile("\n" * (line - 1) + code, filename, "exec"), namespace)
        except BaseException as exc:  # a listing may raise anything, even SystemExit
            result.error, result.error_line = _listing_traceback(exc, filename)
            if stderr.getvalue().strip():
                result.error += "\nIts standard error:\n" + stderr.getvalue()
        # Drawing the figures is the listing's work, as in a notebook cell.
        result.figures, result.dark_figures = _take_figures(before)
        filters = list(warnings.filters)
    result.stdout = stdout.getvalue()
    if stdout.closed_by_listing or stderr.closed_by_listing:
        result.halted = (
            "closed sys.stdout or sys.stderr; a listing must leave the standard "
            "streams open (the page's later output would be lost)"
        )
    if len(result.stdout) > MAX_OUTPUT:
        result.halted = (
            f"printed {len(result.stdout):,} characters, more than the "
            f"{MAX_OUTPUT:,} a listing may print; print a summary (a shape, a "
            "few values) instead"
        )
        result.stdout = result.stdout[:MAX_OUTPUT]
    result.seconds = time.perf_counter() - started
    result.device = _device()
    result.warnings = [
        f"{w.category.__name__}: {w.message} ({Path(w.filename).name}:{w.lineno})"
        for w in caught
    ]
    return result, filters
