"""The site's MkDocs hooks (``hooks:`` in mkdocs.yml): API names in a page's
inline code linked to PyTorch's references; a name that resolves to nothing
fails the strict build, at its page and line. The pages the listings plugin
makes (a notebook view, the page that shows a page's errors) are left as
they are."""

from __future__ import annotations

import logging
from pathlib import Path

from listings import Settings
from pytorch_mechanics import api_links

log = logging.getLogger("mkdocs.hooks.pytorch_mechanics")
_resolutions: api_links.Resolutions | None = None


def on_config(config):
    global _resolutions
    root = Path(config.config_file_path).parent
    work = root / Settings.read(root).work_dir
    _resolutions = api_links.Resolutions(work / "api_links.json")
    return config


def on_page_content(html_text: str, page, config, files) -> str:
    if page.file.abs_src_path is None:
        return html_text  # made by a plugin: the page of a page's errors
    path = Path(page.file.abs_src_path).resolve()
    if not path.is_relative_to(Path(config.docs_dir).resolve()):
        return html_text  # a notebook view
    root = Path(config.config_file_path).parent.resolve()
    where = path.relative_to(root).as_posix() if path.is_relative_to(root) else path
    source = page.file.content_string

    def report(code: str, name: str, reason: str) -> None:
        log.error(api_links.unresolved_message(where, source, code, name, reason))

    text, _ = api_links.link_api_names(html_text, _resolutions, report)
    return text


def on_post_build(config) -> None:
    _resolutions.save()
