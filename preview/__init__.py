"""Fast rebuilds: reuse what an unchanged input produced.

MkDocs 1.6 rebuilds every page on every save in ``mkdocs serve``.
``mkdocs serve --dirty`` would rebuild only the saved page, but then a page
whose snippet file changed is not rebuilt, and the other pages keep a stale
navigation and home page. So each rebuild here is a full one, and this module
makes it cheap. It memoizes five computations that are pure functions of
inputs a prose edit rarely changes:

- compiling the theme's Jinja templates, through Jinja's bytecode-cache API
  (Jinja checks each template's source checksum before using an entry),
  in memory only: bytecode is loaded with ``marshal``, so it is never read
  from a file anyone else could have written;
- highlighting a code block with Pygments, keyed by the block, its options and
  the highlighter's whole configuration;
- turning a page's HTML into search-index entries, keyed by the page's URL,
  title, metadata, table of contents and HTML, and the index's configuration;
- fitting a notebook view's HTML (mkdocs-jupyter's) to the site
  (``listings.notebook.view_html``), keyed by that HTML and the view's
  figures, and used only while each link it rewrote still goes where it went;
- rendering a page's Markdown (MkDocs' ``Page.render``), keyed by the page's
  Markdown, its file and URL, every file of the site and its URL, the Markdown
  configuration and the content of each file ``pymdownx.snippets`` includes
  in it (every file it could include, when that cannot be told); in memory
  only, and only for a render that logged nothing (so a page with a warning
  is rendered, and warns, on every build).

A hit gives back exactly what the computation would produce:
``tests/test_preview.py`` builds a site with and without the memos and
compares every byte. The memos live in this module, not in the hook file,
because MkDocs re-executes hook files on each rebuild. The highlighting,
search and view memos (plain JSON: text and HTML) are saved to
``.cache/preview/memo.json`` after a build (under ``mkdocs serve``, at most
once a minute and when it stops), so a warm ``mkdocs build`` in a new
process starts with them too. That file is keyed by the Python and library
versions and this module's source, and signed with a key that does not live
in the repository (a file only the user can read, in the user's cache folder):
a memo file copied from elsewhere (a CI cache, another checkout) or edited is
ignored, never trusted, so no one who can only write the repository can put
HTML into the site through it. The memos are generational: only what the last
build used is kept, so they do not grow over an editing session.

Each memo is installed only after it has shown, on a sample, that it returns
what the method it wraps returns in the installed library version.

Under ``mkdocs serve`` only, three more things take time off a rebuild, none
of them off what it makes: a notebook view written anew is converted in a
helper process while the chapters are rendered (``preview.converter``); a
rebuild runs without Python's cyclic garbage collector, which collects once
it has ended (``Session``); and the watched folders are polled every
``POLL_S`` seconds instead of every half second (``poll_often``).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import functools
import gc
import hashlib
import hmac
import inspect
import json
import logging
import os
import platform
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2

FORMAT = 2
KEY_VARIABLE = "PREVIEW_KEY_FILE"
PACKAGES = (
    "jinja2",
    "markdown",
    "mkdocs",
    "mkdocs-material",
    "pygments",
    "pymdown-extensions",
)


class Memo:
    """A dict that keeps only what the last build used."""

    def __init__(self) -> None:
        self.current: dict[str, Any] = {}
        self.previous: dict[str, Any] = {}

    def new_build(self) -> None:
        self.previous, self.current = self.current, {}

    def get(self, key: str) -> Any | None:
        if key in self.current:
            return self.current[key]
        if key in self.previous:
            self.current[key] = self.previous.pop(key)
            return self.current[key]
        return None

    def put(self, key: str, value: Any) -> None:
        self.current[key] = value


TEMPLATES = Memo()  # Jinja bucket key -> bytecode, base64
HIGHLIGHTS = Memo()  # key digest -> highlighted HTML
SEARCH_ENTRIES = Memo()  # key digest -> the page's search-index entries
# Key digest -> a notebook view's HTML made ready for the site, with what is
# wrong with it and the links it rewrote (filled by listings.notebook.view_html).
VIEWS = Memo()
# Key digest -> what rendering a page's Markdown gave it (memory only: a new
# process renders every page, so a strict build still sees every warning).
RENDERS = Memo()
MEMOS = {
    "templates": TEMPLATES,
    "highlight": HIGHLIGHTS,
    "search": SEARCH_ENTRIES,
    "views": VIEWS,
    "renders": RENDERS,
}
SAVED = ("highlight", "search", "views")  # plain data; templates stay in memory
# Hits and misses in the current build: the log and the tests read them.
stats: Counter[str] = Counter()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _key(parts: Any) -> str:
    """A digest of a key made of plain values (see ``_plain``)."""
    return _sha(repr(parts).encode())


def _plain(value: Any) -> Any:
    """Configuration values as nested tuples of plain values, comparable by repr."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _plain(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, set | frozenset):
        return tuple(sorted(repr(v) for v in value))
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    # Anything else by its type and repr; an address in a default repr only
    # makes the key miss, never match wrongly.
    return (type(value).__qualname__, repr(value))


@functools.cache
def environment() -> dict[str, str]:
    """What the memos on disk were computed with; they are used only with it."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return {
        "format": str(FORMAT),
        "python": platform.python_version(),
        "memo": _sha(Path(__file__).read_bytes()),
        **versions,
    }


def _key_file() -> Path:
    configured = os.environ.get(KEY_VARIABLE)
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "pytorch-mechanics" / "preview.key"


@functools.cache
def signing_key() -> bytes:
    """The user's key for the memo file, made on first use (mode 0600)."""
    path = _key_file()
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(key)
    except OSError:  # no place for it: this process's memo file only
        pass
    return key


def _signature(text: str) -> str:
    return hmac.new(signing_key(), text.encode(), hashlib.sha256).hexdigest()


def new_build() -> None:
    for memo in MEMOS.values():
        memo.new_build()
    stats.clear()


class Store:
    """The memos on disk, in one file written atomically after a build."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "memo.json"
        self.saved: str | None = None  # the digest of what the file holds

    def load(self) -> None:
        """Fill the memos from disk if they are empty and the file checks out."""
        if any(memo.current or memo.previous for memo in MEMOS.values()):
            return
        try:
            entry = json.loads(self.path.read_text())
            payload = entry["payload"]
            text = json.dumps(payload, sort_keys=True)
            valid = entry["environment"] == environment() and hmac.compare_digest(
                str(entry["signature"]), _signature(text)
            )
        except (OSError, ValueError, KeyError, TypeError):
            return
        if not valid or not all(isinstance(payload.get(n), dict) for n in SAVED):
            return
        for name in SAVED:
            MEMOS[name].previous = dict(payload[name])
        self.saved = _sha(text.encode())

    def save(self) -> None:
        """Write what this build used, unless the file already holds it."""
        payload = {name: MEMOS[name].current for name in SAVED}
        text = json.dumps(payload, sort_keys=True)
        digest = _sha(text.encode())
        if digest == self.saved:
            return
        entry = {
            "environment": environment(),
            "signature": _signature(text),
            "payload": payload,
        }
        # Key order is kept: search entries go out in the order given.
        write_atomically(self.path, json.dumps(entry))
        self.saved = digest


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it:
    a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


_stores: dict[Path, Store] = {}


def store_for(root: Path) -> Store:
    """The one store of a site root, kept across the rebuilds of a process."""
    folder = (root / ".cache" / "preview").resolve()
    return _stores.setdefault(folder, Store(folder))


class TemplateCache(jinja2.BytecodeCache):
    """Jinja's bytecode cache, backed by the template memo (memory only).

    The theme's environment and nbconvert's (the notebook views) share it:
    an entry's key also holds the settings its code was compiled for."""

    @staticmethod
    def _key(bucket: jinja2.bccache.Bucket) -> str:
        environment = bucket.environment
        settings = (environment.is_async, sorted(environment.extensions))
        return f"{bucket.key} {_key(settings)}"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        # The key covers the template's name and file; Jinja resets the bucket
        # if the stored source checksum differs from the file's current one.
        code = TEMPLATES.get(self._key(bucket))
        stats["templates hit" if code is not None else "templates miss"] += 1
        if code is not None:
            try:
                bucket.bytecode_from_string(base64.b64decode(code))
            except Exception:  # an entry that does not load is compiled anew
                bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = bucket.bytecode_to_string()
        TEMPLATES.put(self._key(bucket), base64.b64encode(code).decode("ascii"))


def with_template_cache(create: Callable[..., Any]) -> Callable[..., Any]:
    """nbconvert's ``TemplateExporter._create_environment``, whose environment
    then keeps its compiled templates in the template memo: mkdocs-jupyter
    makes a new exporter, so a new environment, for every notebook."""

    @functools.wraps(create)
    def wrapper(self, *args: Any, **kwargs: Any) -> Any:
        environment = create(self, *args, **kwargs)
        if environment.bytecode_cache is None:
            environment.bytecode_cache = TemplateCache()
        return environment

    wrapper.__preview_memo__ = True
    return wrapper


def memoized_highlight(
    highlight: Callable[..., Any], memo: Memo = HIGHLIGHTS
) -> Callable[..., Any]:
    """``pymdownx.highlight.Highlight.highlight``, memoized for code blocks.

    Inline code and calls that stash raw HTML in the Markdown instance (an HTML
    title) are passed through: their result is not a pure function of the key.
    """
    signature = inspect.signature(highlight)

    def stashed(md: Any) -> Any:
        return getattr(getattr(md, "htmlStash", None), "html_counter", None)

    @functools.wraps(highlight)
    def wrapper(self, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = {k: v for k, v in bound.arguments.items() if k != "self"}
        if arguments.get("inline"):
            return highlight(self, *args, **kwargs)
        settings = {k: v for k, v in vars(self).items() if k != "md"}
        key = _key(("highlight", _plain(settings), _plain(arguments)))
        code = memo.get(key)
        if code is not None:
            stats["highlight hit"] += 1
            return code
        stats["highlight miss"] += 1
        before = stashed(self.md)
        code = highlight(self, *args, **kwargs)
        if isinstance(code, str) and stashed(self.md) == before:
            memo.put(key, code)
        return code

    wrapper.__preview_memo__ = True
    return wrapper


def _toc(toc: Any) -> tuple:
    return tuple(
        (item.id, item.title, item.url, item.level, _toc(item.children)) for item in toc
    )


def memoized_search_entries(
    add_entry: Callable[..., Any], memo: Memo = SEARCH_ENTRIES
) -> Callable[..., Any]:
    """Material's ``SearchIndex.add_entry_from_context``, memoized per page."""

    @functools.wraps(add_entry)
    def wrapper(self, page: Any) -> Any:
        entries = getattr(self, "entries", None)
        if not isinstance(entries, list):
            return add_entry(self, page)
        key = _key(
            (
                "search",
                _plain(getattr(self, "config", None)),
                page.url,
                str(page.title),
                _plain(page.meta),
                _toc(page.toc),
                page.content,
            )
        )
        found = memo.get(key)
        if found is not None:
            stats["search hit"] += 1
            entries.extend(copy.deepcopy(found))
            return None
        stats["search miss"] += 1
        start = len(entries)
        result = add_entry(self, page)
        added = entries[start:]
        # The index goes to JSON in the end; keep only entries that can.
        with contextlib.suppress(TypeError, ValueError):
            memo.put(key, json.loads(json.dumps(added)))
        return result

    wrapper.__preview_memo__ = True
    return wrapper


class _Logged(logging.Handler):
    """Counts the log records of warning level and above while installed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _snippet_options(config: Any) -> dict | None:
    if "pymdownx.snippets" not in (config.get("markdown_extensions") or []):
        return None
    return (config.get("mdx_configs") or {}).get("pymdownx.snippets") or {}


def _base_paths(options: dict) -> list[Path]:
    folders = options.get("base_path", ["."])
    return [Path(f) for f in ([folders] if isinstance(folders, str) else folders)]


def includable_files(roots: list[Path], site: Path | None = None) -> dict[str, str]:
    """Each file under ``roots`` that ``pymdownx.snippets`` may include, with
    its content's digest (hidden folders under a root, such as ``.cache`` and
    ``.git``, and the ``site`` folder left out)."""
    found = {}
    for root in roots:
        paths = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in paths:
            inside = path.relative_to(root).parts if path != root else ()
            hidden = any(part.startswith(".") for part in inside)
            if hidden or not path.is_file():
                continue
            if site is not None and path.resolve().is_relative_to(site):
                continue
            found[str(path)] = _sha(path.read_bytes())
    return found


def _included_files(config: Any) -> dict[str, str]:
    """Each file the site's ``pymdownx.snippets`` may include, by digest."""
    options = _snippet_options(config)
    if options is None:
        return {}
    site = Path(config.get("site_dir") or "site").resolve()
    return includable_files(_base_paths(options), site)


# pymdownx.snippets' two forms: `--8<-- "file"` and a block of file names
# between two bare `--8<--` lines (a name may end in :section or :lines).
INLINE_SNIPPET = re.compile(
    r"""^[ \t]*;*-+8<-+[ \t]+(["'])(?P<name>.+?)\1[ \t]*$""", re.M
)
BLOCK_SNIPPET = re.compile(r"^[ \t]*;*-+8<-+[ \t]*$", re.M)


def included_files(
    text: str, roots: list[Path], everything: dict, names: list[str] | None = None
) -> set[str] | None:
    """The files of ``everything`` (paths as ``includable_files`` gives them)
    that ``text`` includes through ``pymdownx.snippets``, directly or through
    the files it includes, with those named in ``names``; None when that
    cannot be told (the block form)."""
    names = list(names or [])
    todo, seen = [text], set()
    while todo:
        text = todo.pop()
        if BLOCK_SNIPPET.search(text):
            return None
        names += [m["name"] for m in INLINE_SNIPPET.finditer(text)]
        while names:
            name = names.pop()
            # "file.py:section" or "file.py:1:5": every prefix that is a file
            # counts (more than needed is safe, less is not).
            candidates = [name] + [name.rsplit(":", n)[0] for n in (1, 2)]
            for candidate in candidates:
                for root in roots:
                    path = str(root / candidate)
                    if path in everything and path not in seen:
                        seen.add(path)
                        todo.append(Path(path).read_text(errors="replace"))
    return seen


def _page_includes(markdown_text: str, config: Any) -> tuple | None:
    """The files a page's Markdown includes, and those appended to every
    page, each with its digest; None when that cannot be told, and then
    every file snippets may include counts."""
    options = _snippet_options(config)
    if options is None:
        return ()
    everything = _render_inputs["included"]
    appended = [str(n) for n in options.get("auto_append") or []]
    seen = included_files(markdown_text, _base_paths(options), everything, appended)
    if seen is None:
        return None
    return tuple(sorted((path, everything[path]) for path in seen))


_render_inputs: dict[str, Any] = {}


def _site_inputs(config: Any, files: Any) -> str:
    """What every page's render depends on besides the page and what it
    includes, once per build: the files of the site and their URLs, the
    Markdown configuration; and the files snippets may include, by digest."""
    if _render_inputs.get("files") is not files:
        _render_inputs["files"] = files
        site = tuple((f.src_uri, f.dest_uri, f.url, str(f.inclusion)) for f in files)
        _render_inputs["included"] = _included_files(config)
        _render_inputs["key"] = _key(
            (
                _plain(config.get("markdown_extensions")),
                _plain(config.get("mdx_configs")),
                _plain(config.get("validation")),
                config.get("use_directory_urls"),
                config.get("site_url"),
                site,
            )
        )
    return _render_inputs["key"]


def memoized_render(render: Callable[..., Any], memo: Memo = RENDERS) -> Callable:
    """MkDocs' ``Page.render``, memoized per page within a process."""

    @functools.wraps(render)
    def wrapper(self, config: Any, files: Any) -> None:
        if self.markdown is None:
            return render(self, config, files)
        site = _site_inputs(config, files)
        includes = _page_includes(self.markdown, config)
        if includes is None:
            includes = tuple(sorted(_render_inputs["included"].items()))
        key = _key(
            (
                "render",
                site,
                includes,
                self.file.src_uri,
                self.file.dest_uri,
                self.file.url,
                self.markdown,
            )
        )
        found = memo.get(key)
        if found is not None:
            stats["render hit"] += 1
            content, toc, title, anchors, links = found
            self.content = content
            self.toc = copy.deepcopy(toc)
            self._title_from_render = title
            self.present_anchor_ids = set(anchors)
            if links is not None:
                self.links_to_anchors = {
                    files.get_file_from_path(uri): dict(targets)
                    for uri, targets in links.items()
                }
            return None
        stats["render miss"] += 1
        logged = _Logged()
        logging.getLogger().addHandler(logged)
        try:
            result = render(self, config, files)
        finally:
            logging.getLogger().removeHandler(logged)
        links = getattr(self, "links_to_anchors", None)
        if logged.count == 0 and all(
            files.get_file_from_path(f.src_uri) is f for f in links or {}
        ):
            memo.put(
                key,
                (
                    self.content,
                    copy.deepcopy(self.toc),
                    self._title_from_render,
                    frozenset(self.present_anchor_ids or ()),
                    None
                    if links is None
                    else {f.src_uri: dict(t) for f, t in links.items()},
                ),
            )
        return result

    wrapper.__preview_memo__ = True
    return wrapper


def _render_agrees(render: Callable[..., Any]) -> bool:
    """The same check for a page's render, on a sample page of a sample site."""
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.pages import Page

    markdown_text = "# Sample\n\n## Part\n\nA [link](other.md#top) and *text*.\n"
    try:
        with tempfile.TemporaryDirectory() as folder:
            docs = Path(folder) / "docs"
            docs.mkdir()
            config = MkDocsConfig()
            config.load_dict({"site_name": "Sample", "docs_dir": str(docs)})
            errors, _ = config.validate()
            if errors:
                return False
            made = [
                File(name, str(docs), str(Path(folder) / "site"), True)
                for name in ("index.md", "other.md")
            ]
            files = Files(made)

            def rendered(how: Callable[..., Any]) -> tuple:
                page = Page(None, made[0], config)
                page.markdown = markdown_text
                how(page, config, files)
                return (
                    page.content,
                    [(i.id, i.title, i.level) for i in page.toc],
                    page._title_from_render,
                    page.present_anchor_ids,
                    page.links_to_anchors,
                )

            expected = rendered(render)
            wrapped = memoized_render(render, Memo())
            answers = [rendered(wrapped) for _ in range(2)]
    except Exception:
        return False
    return answers == [expected, expected]


def _highlight_agrees(highlight: Callable[..., Any]) -> bool:
    """Whether the memoized highlighter, missing then hitting, returns what
    the library's own returns for a sample block (with this version's
    signature and attributes)."""
    import markdown
    from pymdownx.highlight import Highlight

    try:
        sample = Highlight(markdown.Markdown())
        source, options = 'print("sample")\n', {"hl_lines": [1]}
        expected = highlight(sample, source, "python", **options)
        wrapped = memoized_highlight(highlight, Memo())
        answers = [wrapped(sample, source, "python", **options) for _ in range(2)]
    except Exception:
        return False
    return answers == [expected, expected]


def _search_agrees(add_entry: Callable[..., Any], index_class: type) -> bool:
    """The same check for the search index, on a sample page."""
    page = SimpleNamespace(
        url="sample/",
        title="Sample",
        meta={},
        toc=[],
        content='<h1 id="sample">Sample</h1><p>Some text.</p>',
    )
    try:
        expected = index_class(lang=["en"])
        add_entry(expected, page)
        wrapped = memoized_search_entries(add_entry, Memo())
        got = []
        for _ in range(2):
            index = index_class(lang=["en"])
            wrapped(index, page)
            got.append(index.entries)
    except Exception:
        return False
    return got == [expected.entries, expected.entries]


POLL_S = 0.1
COLLECT_AFTER_S = 1.0
SAVE_EVERY_S = 60.0


class Session:
    """A ``mkdocs serve`` session, across its rebuilds.

    A serving process holds every memo and the last build's pages, and a
    rebuild makes millions of short-lived objects (Markdown and HTML trees):
    Python's cyclic garbage collector, run every few hundred allocations,
    keeps walking them, and now and then every object of the process. So a
    rebuild runs with the collector off, and it is turned on again
    ``COLLECT_AFTER_S`` after the build has ended (unless another has started):
    what the build left is collected once, while the reader looks at the
    page. The memos are saved to disk after the first build, then at most
    every ``SAVE_EVERY_S`` seconds and when the server stops (saving takes
    about 0.1 s). ``mkdocs build`` is left as it is."""

    def __init__(self) -> None:
        self.serving = False
        self.building = False
        self.saved_at: float | None = None
        self.store: Store | None = None

    def start(self) -> None:
        self.serving = True
        self.saved_at = None  # the first build saves

    def stop(self) -> None:
        if self.serving and self.store is not None:
            self.store.save()
        self.serving = self.building = False
        self.saved_at = self.store = None
        gc.enable()

    def save(self, store: Store) -> None:
        """Save the memos after a build: always, but under ``mkdocs serve``
        at most every SAVE_EVERY_S seconds (and when it stops)."""
        self.store = store
        now = time.monotonic()
        recent = self.saved_at is not None and now - self.saved_at < SAVE_EVERY_S
        if self.serving and recent:
            return
        store.save()
        self.saved_at = now

    def build_started(self) -> None:
        # The first build's on_config comes before on_startup: it runs as usual.
        self.building = True
        if self.serving:
            gc.disable()

    def build_ended(self) -> None:
        self.building = False
        if not gc.isenabled():
            timer = threading.Timer(COLLECT_AFTER_S, self._collect)
            timer.daemon = True
            timer.start()

    def _collect(self) -> None:
        if not self.building:
            gc.enable()


SESSION = Session()


def poll_often(server: Any) -> None:
    """``mkdocs serve`` looks for edits by polling the watched folders every
    half second, so an edit waits a quarter of a second on average before its
    rebuild starts; poll every ``POLL_S`` instead (each poll is a stat of
    each watched file: a few hundred system calls)."""
    observer = getattr(server, "observer", None)
    if not isinstance(getattr(observer, "_timeout", None), (int, float)):
        return
    observer._timeout = min(observer._timeout, POLL_S)  # for the watches to come
    for emitter in getattr(observer, "emitters", ()):  # the watches made so far
        if isinstance(getattr(emitter, "_timeout", None), (int, float)):
            emitter._timeout = min(emitter._timeout, POLL_S)


def install() -> list[str]:
    """Wrap the highlighter, the search index and the page render, once;
    return what was wrapped.

    A memo is installed only if it agrees with the method it wraps on a
    sample: a library version that renamed or changed what is wrapped here
    gets no memo, and builds are slower but still correct.
    """
    installed = []

    def wrap(owner: Any, name: str, label: str, memoized, agrees) -> None:
        """Replace ``owner.name`` by ``memoized(it)`` if ``agrees(it)``."""
        method = getattr(owner, name, None)
        if not callable(method):
            return
        if not getattr(method, "__preview_memo__", False):
            if not agrees(method):
                return
            setattr(owner, name, memoized(method))
        installed.append(label)

    try:
        from pymdownx.highlight import Highlight
    except ImportError:  # pragma: no cover - pymdown-extensions is a dependency
        Highlight = None
    wrap(Highlight, "highlight", "highlight", memoized_highlight, _highlight_agrees)
    try:
        from material.plugins.search.plugin import SearchIndex
    except ImportError:  # the site might run without Material's search
        SearchIndex = None
    wrap(
        SearchIndex,
        "add_entry_from_context",
        "search",
        memoized_search_entries,
        lambda add_entry: _search_agrees(add_entry, SearchIndex),
    )
    # nbconvert (mkdocs-jupyter's), only where it is already imported.
    exporters = sys.modules.get("nbconvert.exporters.templateexporter")
    wrap(
        getattr(exporters, "TemplateExporter", None),
        "_create_environment",
        "nbconvert templates",
        with_template_cache,
        lambda create: True,  # Jinja checks each entry's source checksum
    )
    from mkdocs.structure.pages import Page

    wrap(Page, "render", "render", memoized_render, _render_agrees)
    return installed
