"""Fast ``mkdocs serve`` rebuilds: reuse what an unchanged input produced.

MkDocs 1.6 rebuilds every page on every save. ``mkdocs serve --dirty`` would
rebuild only the saved page, but then a page whose snippet file changed is not
rebuilt, and the other pages keep a stale navigation and home page. So each
rebuild here is a full one, and this module makes it cheap. It memoizes three
computations that are pure functions of inputs a prose edit rarely changes:

- compiling the theme's Jinja templates, through Jinja's own bytecode cache
  (Jinja checks each template's source checksum before using an entry);
- highlighting a code block with Pygments, keyed by the block, its options and
  the highlighter's whole configuration;
- turning a page's HTML into search-index entries, keyed by the page's URL,
  title, metadata, table of contents and HTML, and the index's configuration.

A hit gives back exactly what the computation would produce (``tests/
test_preview.py`` builds a site with and without the memos and compares every
byte). The memos live in this module, not in the hook file, because MkDocs
re-executes hook files on each rebuild. They are generational: an entry no
build asked for since the previous build is dropped, so an editing session does
not grow them. A fresh ``mkdocs build`` process starts with them empty.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any

import jinja2


class Memo:
    """A dict that forgets what the last two builds did not use."""

    def __init__(self) -> None:
        self.current: dict[Hashable, Any] = {}
        self.previous: dict[Hashable, Any] = {}

    def new_build(self) -> None:
        self.previous, self.current = self.current, {}

    def get(self, key: Hashable) -> Any | None:
        if key in self.current:
            return self.current[key]
        if key in self.previous:
            self.current[key] = self.previous.pop(key)
            return self.current[key]
        return None

    def put(self, key: Hashable, value: Any) -> None:
        self.current[key] = value

    def __len__(self) -> int:
        return len(self.current) + len(self.previous)


TEMPLATES = Memo()
HIGHLIGHTS = Memo()
SEARCH_ENTRIES = Memo()
# Hits and misses per memo since the build started: the tests read them.
stats: Counter[str] = Counter()


def new_build() -> None:
    for memo in (TEMPLATES, HIGHLIGHTS, SEARCH_ENTRIES):
        memo.new_build()
    stats.clear()


class TemplateCache(jinja2.BytecodeCache):
    """Jinja's bytecode cache, held in memory across rebuilds."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        # The key covers the template's name and file; Jinja resets the bucket
        # if the stored source checksum differs from the file's current one.
        code = TEMPLATES.get(bucket.key)
        stats["templates hit" if code is not None else "templates miss"] += 1
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        TEMPLATES.put(bucket.key, bucket.bytecode_to_string())


def _frozen(value: Any) -> Hashable:
    """A hashable stand-in for configuration values (dicts, lists, sets)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, set | frozenset):
        return tuple(sorted(repr(v) for v in value))
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    return repr(value)


def memoized_highlight(highlight: Callable[..., Any]) -> Callable[..., Any]:
    """``pymdownx.highlight.Highlight.highlight``, memoized for code blocks.

    Inline code and calls that stash raw HTML in the Markdown instance (an HTML
    title) are passed through: their result is not a pure function of the key.
    """
    signature = inspect.signature(highlight)

    @functools.wraps(highlight)
    def wrapper(self, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        del arguments["self"]
        if arguments.get("inline"):
            return highlight(self, *args, **kwargs)
        settings = {k: v for k, v in vars(self).items() if k != "md"}
        key = (_frozen(settings), _frozen(arguments))
        code = HIGHLIGHTS.get(key)
        if code is not None:
            stats["highlight hit"] += 1
            return code
        stats["highlight miss"] += 1
        stash = getattr(getattr(self.md, "htmlStash", None), "html_counter", None)
        code = highlight(self, *args, **kwargs)
        if isinstance(code, str) and stash == getattr(
            getattr(self.md, "htmlStash", None), "html_counter", None
        ):
            HIGHLIGHTS.put(key, code)
        return code

    wrapper.__preview_memo__ = True
    return wrapper


def _toc_key(toc: Any) -> Hashable:
    return tuple(
        (item.id, item.title, item.url, item.level, _toc_key(item.children))
        for item in toc
    )


def memoized_search_entries(add_entry: Callable[..., Any]) -> Callable[..., Any]:
    """Material's ``SearchIndex.add_entry_from_context``, memoized per page."""

    @functools.wraps(add_entry)
    def wrapper(self, page: Any) -> Any:
        entries = getattr(self, "entries", None)
        if not isinstance(entries, list):
            return add_entry(self, page)
        key = (
            _frozen(getattr(self, "config", None)),
            page.url,
            str(page.title),
            _frozen(page.meta),
            _toc_key(page.toc),
            page.content,
        )
        found = SEARCH_ENTRIES.get(key)
        if found is not None:
            stats["search hit"] += 1
            entries.extend(copy.deepcopy(found))
            return None
        stats["search miss"] += 1
        start = len(entries)
        result = add_entry(self, page)
        SEARCH_ENTRIES.put(key, copy.deepcopy(entries[start:]))
        return result

    wrapper.__preview_memo__ = True
    return wrapper


def install() -> list[str]:
    """Wrap the highlighter and the search index, once; return what was wrapped.

    Either library may one day rename what is wrapped here; then that memo is
    simply not installed, and rebuilds are slower but still correct.
    """
    installed = []
    try:
        from pymdownx.highlight import Highlight
    except ImportError:  # pragma: no cover - pymdown-extensions is a dependency
        Highlight = None
    if Highlight is not None and callable(getattr(Highlight, "highlight", None)):
        if not getattr(Highlight.highlight, "__preview_memo__", False):
            Highlight.highlight = memoized_highlight(Highlight.highlight)
        installed.append("highlight")
    try:
        from material.plugins.search.plugin import SearchIndex
    except ImportError:  # the site might run without Material's search
        SearchIndex = None
    if SearchIndex is not None and callable(
        getattr(SearchIndex, "add_entry_from_context", None)
    ):
        add_entry = SearchIndex.add_entry_from_context
        if not getattr(add_entry, "__preview_memo__", False):
            SearchIndex.add_entry_from_context = memoized_search_entries(add_entry)
        installed.append("search")
    return installed
