"""The process that runs one page's listings: ``python -P worker.py ROOT IN OUT MODE``.

It is started by ``listings.run.PageRun`` as a script, not as part of the
package, so it imports only the standard library (and what a listing
imports, matplotlib to save its figures): never MkDocs, pytest or the
engine. It reads one request per line (a listing's code and where it comes
from), runs it in the page's namespace, and writes one JSON reply per line:
what the listing printed, the figures it drew (light, and recoloured for a
dark page), the error it raised, the warnings it emitted. Its first process
stays behind as the page's keeper, a subreaper: every process a listing
starts, detached or not, stays below it, and it kills them all when the
page is done or a time limit expires.

In ``snapshots`` mode (``mkdocs serve`` previews, ``listings.warm``) the
worker forks before each listing and the parent stays behind, asleep, as a
snapshot of the page's state, so that an edit can resume from it.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import ctypes
import io
import json
import os
import select
import signal
import sys
import tempfile
import threading
import time
import traceback
import warnings

os.environ.setdefault("MPLBACKEND", "Agg")

# What a listing may print: output is for the reader to read.
MAX_OUTPUT = 1_000_000
WAKE = signal.SIGUSR1
PR_SET_PDEATHSIG = 1


class Capture(io.TextIOWrapper):
    """A standard stream for a listing, written straight into its file;
    closing it is noted, not done."""

    closed_by_listing = False

    def close(self) -> None:
        self.closed_by_listing = True


class Streams:
    """A listing's stdout and stderr, captured as Jupyter captures a cell's:
    at the file descriptors, so that what the processes it starts print is
    its output too, in the order it was written."""

    def __enter__(self) -> Streams:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        self.files = [tempfile.TemporaryFile(), tempfile.TemporaryFile()]
        self.saved = [os.dup(1), os.dup(2)]
        for fd, file in zip((1, 2), self.files, strict=True):
            os.dup2(file.fileno(), fd)
        self.stdout, self.stderr = (
            Capture(
                io.FileIO(fd, "w", closefd=False),
                encoding="utf-8",
                errors="backslashreplace",
                write_through=True,
            )
            for fd in (1, 2)
        )
        self._redirects = contextlib.ExitStack()
        self._redirects.enter_context(contextlib.redirect_stdout(self.stdout))
        self._redirects.enter_context(contextlib.redirect_stderr(self.stderr))
        return self

    def __exit__(self, *exc) -> None:
        self._redirects.close()
        for fd, saved in zip((1, 2), self.saved, strict=True):
            os.dup2(saved, fd)
            os.close(saved)
        self.closed_by_listing = (
            self.stdout.closed_by_listing or self.stderr.closed_by_listing
        )
        self.out, self.err = (self._read(file) for file in self.files)

    @staticmethod
    def _read(file) -> str:
        file.seek(0)
        text = file.read().decode("utf-8", errors="backslashreplace")
        file.close()
        return text

    def error_so_far(self) -> str:
        """What the listing wrote to stderr until now."""
        self.stderr.flush()
        self.files[1].seek(0)
        return self.files[1].read().decode("utf-8", errors="backslashreplace")


# Figures ---------------------------------------------------------------------


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


class Figures:
    """The figures a listing drew, as PNG bytes for a light and a dark page."""

    def __init__(self, palette: dict, dpi: int):
        self.palette, self.dpi = palette, dpi

    @staticmethod
    def open() -> set[int]:
        plt = sys.modules.get("matplotlib.pyplot")
        return set(plt.get_fignums()) if plt is not None else set()

    def _png(self, figure) -> bytes:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=self.dpi, metadata={"Software": None})
        return buffer.getvalue()

    def take(self, before: set[int]) -> tuple[list[bytes], list[bytes]]:
        """PNG bytes of the figures opened since ``before``; then close them."""
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None:
            return [], []
        light, dark = [], []
        for number in sorted(set(plt.get_fignums()) - before):
            figure = plt.figure(number)
            light.append(self._png(figure))
            self.recolour(figure)
            dark.append(self._png(figure))
            plt.close(figure)
        return light, dark

    def _text(self, text) -> None:
        if _inked(text.get_color()):
            text.set_color(self.palette["foreground"])

    def _legend(self, legend) -> None:
        frame = legend.get_frame()
        if _papered(frame.get_facecolor()):
            frame.set_facecolor(self.palette["background"])
        frame.set_edgecolor(self.palette["grid"])
        for text in [*legend.get_texts(), legend.get_title()]:
            self._text(text)

    def recolour(self, figure) -> None:
        """Recolour a drawn figure for a dark page, in place.

        Backgrounds become the page's, and the figure's own ink (text, ticks,
        spines, labels, titles, legends, grid, black lines) light. Data keeps
        its colours: lines and markers in colour, images, filled areas, and
        text on a box or over an image (drawn against the data, not the page).
        """
        from matplotlib.text import Text

        colours = self.palette
        if _papered(figure.patch.get_facecolor()):
            figure.patch.set_facecolor(colours["background"])
        for text in figure.texts:
            self._text(text)
        for legend in figure.legends:
            self._legend(legend)
        for ax in figure.axes:
            if _papered(ax.patch.get_facecolor()):
                ax.patch.set_facecolor(colours["background"])
            for spine in ax.spines.values():
                if _inked(spine.get_edgecolor(), below=0.5):
                    spine.set_edgecolor(colours["muted"])
            ax.tick_params(
                which="both",
                color=colours["muted"],
                labelcolor=colours["foreground"],
                grid_color=colours["grid"],
            )
            for axis in (ax.xaxis, ax.yaxis):
                self._text(axis.label)
                self._text(axis.get_offset_text())
            # The three titles (centre, left, right) are the Axes' own texts.
            for child in ax.get_children():
                if isinstance(child, Text) and child not in ax.texts:
                    self._text(child)
            legend = ax.get_legend()
            if legend is not None:
                self._legend(legend)
            for line in ax.lines:
                if _inked(line.get_color(), below=0.15):
                    line.set_color(colours["foreground"])
                if _inked(line.get_markerfacecolor(), below=0.15):
                    line.set_markerfacecolor(colours["foreground"])
                if _inked(line.get_markeredgecolor(), below=0.15):
                    line.set_markeredgecolor(colours["foreground"])
            over_data = bool(ax.images)
            for text in ax.texts:
                arrow = getattr(text, "arrow_patch", None)
                if arrow is not None and _inked(arrow.get_edgecolor(), below=0.5):
                    arrow.set_color(colours["muted"])
                if text.get_bbox_patch() is None and not over_data:
                    self._text(text)


# Running a listing -----------------------------------------------------------


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


# The site's ``device_probe``: an expression that names the device a
# listing's code could use ("cpu" when it is empty).
DEVICE_PROBE = ""


def _device() -> str:
    """Where the listing's code could run, as the site's probe says."""
    if not DEVICE_PROBE:
        return "cpu"
    try:
        return str(eval(DEVICE_PROBE, {"sys": sys}))
    except Exception as exc:  # shown where the device is named
        return f"(the device_probe setting failed: {exc!r})"


class Namespace:
    """One page's state in the worker: its globals, and the warnings its
    listings emit (every one is recorded; a filter a listing sets holds for
    the rest of its page, as in a script)."""

    def __init__(self, root: str, snippet: str, figures: Figures):
        self.root, self.figures = root, figures
        self.globals = {
            "__name__": "__main__",
            "__file__": snippet,
            "__builtins__": __builtins__,
        }
        self.caught: list[str] = []
        warnings.resetwarnings()
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
        warnings.filterwarnings(
            "always", category=DeprecationWarning, module="__main__"
        )
        warnings.showwarning = self._record

    def _record(self, message, category, filename, lineno, file=None, line=None):
        where = f"{os.path.basename(filename)}:{lineno}"
        self.caught.append(f"{category.__name__}: {message} ({where})")

    def _execute(self, snippet: str, code: str):
        """Run the code as a Jupyter cell runs: a last line that is an
        expression is evaluated, and its value returned (Jupyter shows a
        value that is not None under the cell)."""
        tree = ast.parse(code, snippet)
        last = tree.body[-1] if tree.body else None
        if not isinstance(last, ast.Expr):
            exec(compile(tree, snippet, "exec"), self.globals)
            return None
        tree.body.pop()
        exec(compile(tree, snippet, "exec"), self.globals)
        return eval(compile(ast.Expression(last.value), snippet, "eval"), self.globals)

    def run(self, snippet: str, line: int, code: str) -> dict:
        """Run one listing's code; never raises for the listing's errors.
        ``line`` is where the code starts in ``snippet``, so tracebacks point
        into the snippet file."""
        reply: dict = {"error": None, "error_line": None, "halted": None, "shown": None}
        self.caught = []
        before = self.figures.open()
        started = time.perf_counter()
        with Streams() as streams:
            try:
                shown = self._execute(snippet, "\n" * (line - 1) + code)
                if shown is not None:
                    reply["shown"] = repr(shown)[:200]
            # A listing may raise anything, even SystemExit.
            except BaseException as exc:
                reply["error"], reply["error_line"] = _listing_traceback(exc, snippet)
                if streams.error_so_far().strip():
                    reply["error"] += "\nIts standard error:\n" + streams.error_so_far()
            # Drawing the figures is the listing's work, as in a notebook cell.
            light, dark = self.figures.take(before)
        printed = streams.out
        if streams.closed_by_listing:
            reply["halted"] = (
                "closed sys.stdout or sys.stderr; a listing must leave the standard "
                "streams open (the page's later output would be lost)"
            )
        try:
            os.getcwd()
        except FileNotFoundError:
            reply["halted"] = (
                "deleted the folder it runs in (its working folder), where the "
                "page's later listings run; work in a folder of its own "
                "(tempfile.TemporaryDirectory()) instead"
            )
        if len(printed) > MAX_OUTPUT:
            reply["halted"] = (
                f"printed {len(printed):,} characters, more than the "
                f"{MAX_OUTPUT:,} a listing may print; print a summary (a shape, a "
                "few values) instead"
            )
            printed = printed[:MAX_OUTPUT]
        reply.update(
            stdout=printed,
            figures=[base64.b64encode(png).decode("ascii") for png in light],
            dark_figures=[base64.b64encode(png).decode("ascii") for png in dark],
            warnings=list(self.caught),
            seconds=time.perf_counter() - started,
            device=_device(),
        )
        return reply


class Repository:
    """An import finder that refuses the modules of the site's repository
    (its engine, its data module): a page's code must run as its notebook
    does, in a folder of its own with only installed packages."""

    def __init__(self, root: str):
        self.root = os.path.join(os.path.realpath(root), "")
        self.installed = [
            os.path.join(os.path.realpath(p), "") for p in (sys.prefix, sys.base_prefix)
        ]

    def _inside(self, path: str | None) -> bool:
        if not path:
            return False
        path = os.path.realpath(path)
        if any(path.startswith(p) for p in self.installed):
            return False
        return path.startswith(self.root)

    def find_spec(self, name, path=None, target=None):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is None:
                continue
            places = [spec.origin, *(spec.submodule_search_locations or [])]
            if any(self._inside(place) for place in places):
                raise ModuleNotFoundError(
                    f"No module named {name!r} here: it is the site's own code, "
                    "which a notebook does not have. Put what the page needs in "
                    "its listings, or in the files its notebook carries "
                    "(support_files in [tool.listings])",
                    name=name,
                )
            return spec
        return None


# The loops -------------------------------------------------------------------


def read_line(fd: int) -> bytes:
    """One request line. The engine sends the next request only after the
    reply to this one, so nothing is read ahead (and a forked process
    inherits no half-read request)."""
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b""
        line += chunk
    return line


def end_of_page() -> None:
    """The engine closed the pipe (or died, even by SIGKILL): stop every
    process of this page, the ones its listings left running included."""
    if KEEPER is not None:
        os.kill(KEEPER, signal.SIGTERM)
        os._exit(0)
    os.killpg(0, signal.SIGKILL)


# The keeper ------------------------------------------------------------------

# The page's first process, an ancestor of every process its listings start:
# None where the kernel has no subreapers (then only the group is stopped).
KEEPER: int | None = None
PR_SET_CHILD_SUBREAPER = 36


def _living_descendants(ancestor: int) -> list[int]:
    """The processes below ``ancestor`` that have not ended, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as file:
                fields = file.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if fields[0] not in (b"Z", b"X"):
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [ancestor]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Keeper:
    """The page's first process: a subreaper, so that a process a listing
    starts stays below it however it detaches (a new session, a double
    fork). When the worker ends, the engine asks (SIGTERM) or the engine is
    gone, it kills every process below it, then ends as the worker did."""

    def __init__(self, worker: int, replies: int):
        self.worker, self.replies = worker, replies
        self.status: int | None = None

    def reap(self) -> None:
        """Collect the children that ended (the worker's status is kept)."""
        with contextlib.suppress(ChildProcessError):
            while True:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    return
                if pid == self.worker:
                    self.status = status

    def keep(self) -> None:
        watched = {signal.SIGTERM, signal.SIGCHLD}
        signal.pthread_sigmask(signal.SIG_BLOCK, watched)
        engine = select.poll()
        engine.register(self.replies, 0)  # POLLERR once the engine is gone
        while self.status is None and not engine.poll(0):
            woken = signal.sigtimedwait(watched, 0.5)
            if woken is not None and woken.si_signo == signal.SIGTERM:
                break
            self.reap()
        self.stop_all()
        self.end()

    def stop_all(self, limit: float = 10.0) -> None:
        """SIGKILL every process below this one, until none is left."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            found = _living_descendants(os.getpid())
            if not found:
                break
            for pid in found:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.reap()
            time.sleep(0.001)
        self.reap()

    def end(self) -> None:
        """Exit with the worker's status, or by its signal."""
        status = self.status or 0
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            if number not in {signal.SIGKILL, signal.SIGSTOP}:
                signal.signal(number, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {number})
            os.kill(os.getpid(), number)
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def keep_the_page(requests: int, replies: int) -> None:
    """Fork: this process stays as the page's keeper (it never returns), and
    the child returns to run the page. Without subreapers (not Linux), do
    nothing: the engine then stops the worker's process group only."""
    global KEEPER
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        return
    keeper = os.getpid()
    worker = os.fork()
    if worker:
        os.close(requests)
        Keeper(worker, replies).keep()
    KEEPER = keeper
    _die_with_parent()


class Worker:
    def __init__(self, root: str, requests: int, replies, figures: Figures):
        self.root, self.requests, self.replies = root, requests, replies
        self.figures = figures
        self.namespace: Namespace | None = None

    def run_request(self, line: bytes) -> dict:
        request = json.loads(line)
        if self.namespace is None:
            self.namespace = Namespace(self.root, request["snippet"], self.figures)
        return self.namespace.run(request["snippet"], request["line"], request["code"])

    def reply(self, message: dict) -> None:
        self.replies.write(json.dumps(message).encode() + b"\n")
        self.replies.flush()

    def serve(self) -> None:
        """Run each listing sent, reply with its result."""
        while line := read_line(self.requests):
            self.reply(self.run_request(line))
        end_of_page()

    def serve_snapshots(self) -> None:
        """Run each listing sent, then stay behind as the snapshot after it
        while a child reads the next request."""
        signal.pthread_sigmask(signal.SIG_BLOCK, {WAKE})
        if _fork_reader():  # this process: the snapshot before the first listing
            _stay_as_snapshot(engine=os.getppid())
        while True:
            line = read_line(self.requests)
            if not line:
                end_of_page()
            reply = self.run_request(line)
            reader = _fork_reader()
            if reader == 0:
                continue
            reply["snapshot_before"], reply["snapshot_after"] = (
                os.getppid(),
                os.getpid(),
            )
            reply["reader"] = reader  # the process waiting for the next request
            self.reply(reply)
            _stay_as_snapshot(engine=None)


def _die_with_parent() -> None:
    """Let the kernel kill this process when its parent dies, so dropping one
    snapshot drops every later one and the runner waiting at the end."""
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _fork_reader() -> int:
    """Fork: 0 in the child, which reads the next request; its pid in the parent."""
    pid = os.fork()
    if pid == 0:
        _die_with_parent()  # WAKE stays blocked: this is a snapshot-to-be
    return pid


def _stay_as_snapshot(engine: int | None) -> None:
    """Sleep as a snapshot of the page's state until woken, then fork a new
    reader and return in it (never in this process). The first snapshot
    (``engine``: its parent's pid) ends the page when the engine is gone;
    the later ones die with their parent."""
    while True:
        while signal.sigtimedwait({WAKE}, 1.0) is None:
            if engine is not None and os.getppid() != engine:
                end_of_page()
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:  # the processes dropped so far
                pass
        if _fork_reader() == 0:
            return


def watch_engine(replies: int) -> None:
    """A thread that ends the page when the engine is gone, even while a
    listing runs: the replies pipe then has no reader (POLLERR), however the
    engine ended (SIGKILL included)."""

    def watch() -> None:
        poller = select.poll()
        poller.register(replies, 0)
        while True:
            for _, event in poller.poll():
                if event & (select.POLLERR | select.POLLHUP):
                    end_of_page()

    threading.Thread(target=watch, name="listings-engine-watch", daemon=True).start()


def main(argv: list[str]) -> None:
    root, requests_fd, replies_fd, mode = argv[0], int(argv[1]), int(argv[2]), argv[3]
    options = json.loads(argv[4])
    # As in a notebook: the working folder is importable, the site's is not.
    sys.path.insert(0, "")
    sys.meta_path.insert(0, Repository(options["repository"]))
    # Processes a listing starts must not hold the engine's pipes open.
    os.set_inheritable(requests_fd, False)
    os.set_inheritable(replies_fd, False)
    keep_the_page(requests_fd, replies_fd)
    global DEVICE_PROBE
    DEVICE_PROBE = options["device_probe"]
    figures = Figures(options["palette"], options["dpi"])
    with os.fdopen(replies_fd, "wb") as out:
        out.write(b'{"ready": true}\n')
        out.flush()
        worker = Worker(root, requests_fd, out, figures)
        if mode == "snapshots":
            # A preview worker warms in the background of `mkdocs serve`: the
            # server's own rebuild comes first.
            os.nice(10)
            worker.serve_snapshots()
        else:
            if KEEPER is None:
                watch_engine(replies_fd)
            worker.serve()


if __name__ == "__main__":
    main(sys.argv[1:])
