"""Fast rebuilds: reuse unchanged work across builds (see the preview package)."""

import logging
from pathlib import Path

import preview

log = logging.getLogger("mkdocs.hooks.preview")


def on_config(config):
    installed = preview.install()
    preview.new_build()
    preview.store_for(Path(config.config_file_path).parent).load()
    log.debug("preview: memoizing %s", ", ".join(installed) or "nothing")
    return config


def on_env(env, config, files):
    if env.bytecode_cache is None:
        env.bytecode_cache = preview.TemplateCache()
    return env


def on_post_build(config):
    preview.store_for(Path(config.config_file_path).parent).save()
    log.debug("preview: %s", dict(sorted(preview.stats.items())))
