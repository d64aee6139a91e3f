"""The adapters: thin layers that bring the engine (``listings``) to its hosts
through their public APIs: the MkDocs plugin, the pytest plugin, the
``listings`` command and the pre-build for generators without plugins. The
engine never imports them."""
