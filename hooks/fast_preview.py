"""Cheap ``mkdocs serve`` rebuilds: reuse unchanged work (see the preview package)."""

import logging

import preview

log = logging.getLogger("mkdocs.hooks.preview")


def on_config(config):
    installed = preview.install()
    preview.new_build()
    log.debug("preview: memoizing %s", ", ".join(installed) or "nothing")
    return config


def on_env(env, config, files):
    if env.bytecode_cache is None:
        env.bytecode_cache = preview.TemplateCache()
    return env


def on_post_build(config):
    log.debug("preview: %s", dict(sorted(preview.stats.items())))
