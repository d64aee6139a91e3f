"""This site's own code, on top of the listings engine: the Markdown
extensions and MkDocs hooks that are PyTorch Mechanics' policy, not the
engine's (API names linked to PyTorch's references, the glossary's hover on
a term's first use in a section)."""
