"""Fast rebuilds: reuse unchanged work across builds (see the preview package)."""

import logging
from pathlib import Path

import preview
from preview.converter import CONVERTER

log = logging.getLogger("mkdocs.hooks.preview")


def on_startup(command, dirty):
    if command == "serve":
        preview.SESSION.start()


def on_serve(server, config, builder):
    preview.poll_often(server)
    return server


def on_config(config):
    installed = preview.install()
    preview.new_build()
    preview.SESSION.build_started()
    preview.store_for(Path(config.config_file_path).parent).load()
    log.debug("preview: memoizing %s", ", ".join(installed) or "nothing")
    return config


def on_files(files, config):
    # After the listings hook's on_files, which writes the notebooks.
    if preview.SESSION.serving:
        CONVERTER.submit_views(files, config)
    return files


def on_env(env, config, files):
    if env.bytecode_cache is None:
        env.bytecode_cache = preview.TemplateCache()
    return env


def on_page_markdown(markdown, page, config, files):
    CONVERTER.wait_for(page.file.abs_src_path)
    return markdown


def on_post_build(config):
    preview.SESSION.save(preview.store_for(Path(config.config_file_path).parent))
    log.debug("preview: %s", dict(sorted(preview.stats.items())))
    preview.SESSION.build_ended()


def on_build_error(error):
    preview.SESSION.build_ended()


def on_shutdown():
    CONVERTER.close()
    preview.SESSION.stop()  # saves the memos
