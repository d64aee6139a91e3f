"""Run every listing at build time and show its verified output (see listings.site)."""

from listings.site import (
    on_config,
    on_files,
    on_nav,
    on_page_content,
    on_page_markdown,
    on_shutdown,
    on_startup,
)

__all__ = [
    "on_config",
    "on_files",
    "on_nav",
    "on_page_content",
    "on_page_markdown",
    "on_shutdown",
    "on_startup",
]
