"""Notebook views converted ahead of their page, in a helper process
(``mkdocs serve`` only).

mkdocs-jupyter converts a notebook when MkDocs renders its page, which comes
after every chapter page has been rendered, and keeps what it made in its
cache (``cache_dir``: one JSON entry per notebook, keyed by the notebook's
bytes and the plugin's options). When a rebuild has written a notebook anew
(an edited chapter), a helper process makes that entry as soon as the
notebook is on disk, with the plugin's own functions, while this process
renders the chapters; the plugin then finds the entry when it renders the
view and reads it as it reads any entry. So the view is what the plugin
makes, byte for byte (``tests/test_preview.py`` compares the entries), and
only the time it costs moves off the rebuild's path.

The helper is one process (``python -m preview.converter``, not a fork: a
serving process has threads), started by the first build, importing nbconvert
once; it reads requests on its standard input, one JSON line each, answers
each in order on its standard output, and ends when its input does. An entry
is written only if the notebook still has the bytes it was asked for, checked
before and after converting, under a temporary name and then renamed: the
plugin never reads half an entry, nor an entry made from other bytes. When
the view's page is rendered, this process waits for its entry at most
``WAIT_S`` seconds; if the helper failed or is late, it is stopped and the
plugin converts the notebook itself, as it does without this module. Only the
plugin's options that this module knows are passed on; a plugin version
without the functions used here, or a site that executes its notebooks, gets
no helper.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import preview

log = logging.getLogger("mkdocs.hooks.preview")

WAIT_S = 60.0
START_S = 60.0
# mkdocs-jupyter's nb2html arguments, as its page render passes them.
NB2HTML_OPTIONS = (
    "kernel_name",
    "theme",
    "allow_errors",
    "show_input",
    "no_input",
    "no_prompt",
    "remove_tag_config",
    "highlight_extra_classes",
    "include_requirejs",
    "custom_mathjax_url",
)


def _plugin_modules() -> tuple[Any, Any] | None:
    """mkdocs-jupyter's ``convert`` and ``plugin`` modules, or None if this
    version lacks a function used here."""
    try:
        from mkdocs_jupyter import convert, plugin
    except ImportError:
        return None
    needed = [
        getattr(convert, "nb2html", None),
        getattr(plugin, "_compute_cache_key", None),
        getattr(plugin, "_get_cache_path", None),
        getattr(plugin, "_get_nb_toc_tokens", None),
    ]
    return None if any(f is None for f in needed) else (convert, plugin)


def _start_helper() -> None:
    """In the helper: import the converter and keep compiled templates."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    create = TemplateExporter._create_environment
    TemplateExporter._create_environment = preview.with_template_cache(create)
    _plugin_modules()


def make_entry(
    path: str, options: dict, toc_depth: int, cache_dir: str, key: str
) -> bool:
    """In the helper: the plugin's cache entry for the notebook at ``path``,
    written as the plugin writes it on a miss, if the notebook's bytes still
    give ``key`` before and after the conversion; whether it was written."""
    convert, plugin = _plugin_modules()
    config = {**options, "toc_depth": toc_depth}
    if plugin._compute_cache_key(path, config, False) != key:
        return False
    body = convert.nb2html(path, execute=False, **options)
    toc_tokens, title = plugin._get_nb_toc_tokens(path, toc_depth)
    if plugin._compute_cache_key(path, config, False) != key:
        return False
    entry = json.dumps({"content": body, "toc_tokens": toc_tokens, "title": title})
    preview.write_atomically(plugin._get_cache_path(cache_dir, key), entry)
    return True


class ViewConverter:
    """The helper process of a ``mkdocs serve`` session, and the notebooks
    it is converting (path -> request number)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.pending: dict[str, int] = {}
        self.answers: dict[int, dict] = {}
        self.asked = 0
        self.made = 0
        self.failed = False  # a helper gave no answer: no other is started
        self.arguments = ["-m", "preview.converter"]  # the helper's, after python

    def start(self) -> bool:
        """Start the helper, once; whether it runs."""
        if self.process is None and not self.failed and _plugin_modules():
            package_root = str(Path(__file__).resolve().parents[1])
            path = [package_root, os.environ.get("PYTHONPATH", "")]
            self.process = subprocess.Popen(
                [sys.executable, *self.arguments],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, path))},
            )
        return self.process is not None

    def submit_views(self, files: Any, config: Any) -> int:
        """Hand the helper (started at the first call) each notebook view of
        ``files`` that the plugin has no cache entry for; how many were handed."""
        plugin = config.plugins.get("mkdocs-jupyter")
        modules = _plugin_modules()
        if plugin is None or modules is None:
            return 0
        settings = plugin.config
        if settings.get("execute") or not settings.get("cache"):
            return 0
        if not self.start():
            return 0
        options = {name: settings[name] for name in NB2HTML_OPTIONS}
        toc_depth = settings["toc_depth"]
        cache_dir = os.path.abspath(settings["cache_dir"])
        for_key = {**options, "toc_depth": toc_depth}
        handed = 0
        for file in files.documentation_pages():
            path = file.abs_src_path
            if not path or not path.endswith(".ipynb") or path in self.pending:
                continue
            if not plugin.should_include(file):
                continue
            key = modules[1]._compute_cache_key(path, for_key, False)
            if modules[1]._get_cache_path(cache_dir, key).exists():
                continue
            request = {
                "path": path,
                "options": options,
                "toc_depth": toc_depth,
                "cache_dir": cache_dir,
                "key": key,
            }
            try:
                self.process.stdin.write(json.dumps(request).encode() + b"\n")
                self.process.stdin.flush()
            except (OSError, ValueError):  # the helper has ended
                self.close()
                return handed
            self.asked += 1
            self.pending[path] = self.asked
            handed += 1
        return handed

    def wait_for(self, path: str | None) -> None:
        """Wait for the entry of the notebook at ``path`` if the helper is
        making it: at most WAIT_S seconds (START_S more for the first, while
        the helper starts). If it fails or is late, the plugin converts the
        notebook itself."""
        number = self.pending.pop(path, None) if path else None
        if number is None:
            return
        limit = WAIT_S + (START_S if number == 1 else 0)
        answer = self._answer(number, limit)
        if answer is None:
            log.info("preview: the view helper gave no answer for %s", path)
            self.failed = True
            self.close()
        elif answer.get("made"):
            self.made += 1
        elif answer.get("error"):
            log.info("preview: the view helper failed on %s: %s", path, answer["error"])

    def _answer(self, number: int, limit: float) -> dict | None:
        """The helper's answer to request ``number``, read within ``limit``
        seconds (the answers come in the order of the requests)."""
        deadline = time.monotonic() + limit
        out = self.process.stdout if self.process is not None else None
        while number not in self.answers and out is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([out], [], [], remaining)[0]:
                return None
            line = out.readline()
            if not line:  # the helper has ended
                return None
            answer = json.loads(line)
            self.answers[answer["number"]] = answer
        return self.answers.pop(number, None)

    def close(self) -> None:
        """Stop the helper, and any conversion under way."""
        process, self.process = self.process, None
        self.pending.clear()
        self.answers.clear()
        if process is None:
            return
        process.kill()
        process.wait(timeout=10)
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):  # a request left unread
                stream.close()


CONVERTER = ViewConverter()


def main() -> None:
    """The helper: answer each request line on standard input, in order. A
    conversion runs with the cyclic garbage collector off (nbconvert's HTML
    trees are full of cycles); it collects after the answer is sent."""
    logging.disable(logging.WARNING)  # nbconvert's notes on missing alt text
    _start_helper()
    for number, line in enumerate(sys.stdin.buffer, start=1):
        answer = {"number": number, "made": False}
        gc.disable()
        try:
            request = json.loads(line)
            answer["made"] = make_entry(
                request["path"],
                request["options"],
                request["toc_depth"],
                request["cache_dir"],
                request["key"],
            )
        except Exception as error:  # reported to the server, which goes on
            answer["error"] = f"{type(error).__name__}: {error}"
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        gc.enable()
        gc.collect()


if __name__ == "__main__":
    main()
