# --8<-- [start:ddp-same-classes]
import ast
from pathlib import Path


def class_definitions(path):
    """Each top-level class of a Python file, as a comparable syntax tree."""
    tree = ast.parse(Path(path).read_text())
    return {
        c.name: ast.dump(c) for c in tree.body if isinstance(c, ast.ClassDef)
    }


chapter = class_definitions("snippets/pytorch-lightning.py")
script = class_definitions("snippets/ddp/lightning_ddp.py")
for name in script:
    print(name, "identical" if script[name] == chapter[name] else "DIFFERENT")
# --8<-- [end:ddp-same-classes]

# --8<-- [start:ddp-run]
import subprocess
import sys

run = subprocess.run(
    [sys.executable, "snippets/ddp/lightning_ddp.py"],
    capture_output=True,
    text=True,
)
if run.returncode != 0:
    raise RuntimeError(run.stderr)
print(run.stdout, end="")
# --8<-- [end:ddp-run]
