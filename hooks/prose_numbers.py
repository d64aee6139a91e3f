"""Fail the build on a number in the prose that no listing prints (see listings.prose).

Runs after hooks/verified_listings.py has run the pages: each page's prose is
checked against the outputs its listings printed in this build.
"""

import logging
from pathlib import Path

from listings import prose
from listings.site import state

log = logging.getLogger("mkdocs.hooks.prose_numbers")


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri in state.views:  # a notebook view: its chapter is checked
        return markdown
    root = Path(config.config_file_path).parent
    path = Path(page.file.abs_src_path)
    entry = state.pages.get(page.file.src_uri)
    if entry is None:  # a page without listings: every number must be quoted
        text, outputs, code = path.read_text(), [], []
    else:
        source, results, _figures = entry
        text = source.text
        outputs = [result.stdout for result in results]
        # A listing with a tolerance may print other last digits than its
        # committed output (which the build verified within the tolerance).
        outputs += [
            item.expected or "" for item in source.listings if item.mark("tolerance")
        ]
        code = [item.code for item in source.listings]
    where = path.resolve().relative_to(root.resolve()).as_posix()
    for problem in prose.check(text, where, outputs, code):
        log.error("prose: %s", problem)
    return markdown
