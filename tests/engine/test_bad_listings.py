"""Listings that misbehave, one scratch site per row, through ``mkdocs build
--strict`` and pytest, both in this process: each fails with its message, or
passes when what it did is harmless, and nothing reaches the engine. A
listing that hangs is stopped at its time limit, with the processes it
started; a process a listing leaves running is stopped when its page ends.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SCRATCH_MKDOCS_YML, listing, run_build_here, run_tests_here

from listings import Settings
from listings.run import limit_of

WHERE = "docs/page.md:3 (bad, snippets/page.py:2)"
AFTER = (
    "# --8<-- [start:after]\n"
    "from pathlib import Path\n"
    'print(Path.cwd().name.startswith("listings-"))\n'
    "# --8<-- [end:after]\n"
)
SPAWN = (
    "import subprocess\n"
    'child = subprocess.Popen(["sleep", "600"])\n'
    'with open("PID_FILE", "w") as out:\n'
    "    out.write(str(child.pid))\n"
)
# A process in a session of its own, out of the worker's process group.
DETACH = SPAWN.replace('"600"])', '"600"], start_new_session=True)')
# An orphan in a session of its own: its parent ended (a daemon, torchrun's
# workers after a killed torchrun).
ORPHAN = (
    "import subprocess\n"
    "import sys\n"
    "\n"
    f"subprocess.run([sys.executable, '-c', {DETACH!r}], check=True)\n"
)


@dataclass
class Row:
    id: str
    code: str  # the listing 'bad', from line 2 of snippets/page.py
    output: str  # its committed output
    message: str | None  # None: the page passes
    mark: str = ""
    stops_the_page: bool = True  # the listings after it do not run
    after: str = "True"  # what the next listing prints (the folder it runs in)


ROWS = [
    Row(
        "sys.exit()",
        "import sys\n\nsys.exit(3)\n",
        "x",
        f"{WHERE} raised at page.py:4",
    ),
    Row(
        "raise SystemExit",
        'raise SystemExit("bye")\n',
        "x",
        f"{WHERE} raised at page.py:2",
    ),
    Row(
        "raise KeyboardInterrupt",
        "raise KeyboardInterrupt\n",
        "x",
        f"{WHERE} raised at page.py:2",
    ),
    Row(
        "os._exit()",
        "import os\n\nos._exit(3)\n",
        "x",
        f"{WHERE} ended the process running its page (status 3); a listing must "
        "not end the interpreter (os._exit, os.abort, a crash): raise an "
        "exception instead",
    ),
    Row(
        # As in Jupyter: the next listing runs where this one left it.
        "os.chdir away",
        'import os\n\nos.chdir("/")\nprint(os.getcwd())\n',
        "/",
        None,
        after="False",
    ),
    Row(
        "delete its own folder",
        "import os\nimport shutil\n\nshutil.rmtree(os.getcwd())\n",
        "x",
        f"{WHERE} deleted the folder it runs in (its working folder), where "
        "the page's later listings run; work in a folder of its own "
        "(tempfile.TemporaryDirectory()) instead",
    ),
    Row(
        # As in Jupyter: what a child process prints is the listing's output.
        "print from a child process",
        'import subprocess\n\nsubprocess.run(["echo", "from a child"], check=True)\n'
        'print("from the listing")\n',
        "from a child\nfrom the listing",
        None,
    ),
    Row(
        "close stdout",
        "import sys\n\nsys.stdout.close()\n",
        "x",
        f"{WHERE} closed sys.stdout or sys.stderr; a listing must leave the "
        "standard streams open (the page's later output would be lost)",
    ),
    Row(
        "print 10 MB",
        'print("x" * 10_000_000)\n',
        "x",
        f"{WHERE} printed 10,000,001 characters, more than the 1,000,000 a "
        "listing may print; print a summary (a shape, a few values) instead",
    ),
    Row(
        "leave a figure open",
        'import matplotlib.pyplot as plt\n\nplt.figure()\nprint("x")\n',
        "x",
        f"{WHERE} drew 1 figure(s) but its page describes 0; give each figure a "
        '<!--pytest.mark.figure("what it shows")--> directly above the fence at '
        "docs/page.md:3",
        stops_the_page=False,
    ),
    Row(
        "spawn a process that never ends",
        SPAWN + 'print("started")\n',
        "started",
        None,
    ),
    Row(
        "spawn a process in a session of its own",
        DETACH + 'print("started")\n',
        "started",
        None,
    ),
    Row(
        "leave an orphan in a session of its own",
        ORPHAN + 'print("started")\n',
        "started",
        None,
    ),
    Row(
        "detach a process, then loop forever",
        DETACH + "while True:\n    pass\n",
        "x",
        f"{WHERE.replace(':3', ':4')} did not finish within its time limit of "
        "2 s; it and the processes it started were stopped. Make it faster, "
        "or give it more time with a <!--pytest.mark.timeout(SECONDS)--> mark above it",
        mark="<!--pytest.mark.timeout(2)-->\n",
    ),
    Row(
        "loop forever",
        SPAWN + "while True:\n    pass\n",
        "x",
        f"{WHERE.replace(':3', ':4')} did not finish within its time limit of "
        "2 s; it and the processes it started were stopped. Make it faster, "
        "or give it more time with a <!--pytest.mark.timeout(SECONDS)--> mark above it",
        mark="<!--pytest.mark.timeout(2)-->\n",
    ),
]


def make_site(root: Path, row: Row) -> None:
    (root / "docs").mkdir()
    (root / "snippets").mkdir()
    (root / "mkdocs.yml").write_text(SCRATCH_MKDOCS_YML)
    code = f"# --8<-- [start:bad]\n{row.code}# --8<-- [end:bad]\n\n{AFTER}"
    # The page runs in a folder of its own: the pid goes where the test looks.
    code = code.replace("PID_FILE", str(root / "child.pid"))
    (root / "snippets" / "page.py").write_text(code)
    page = "# Page\n\n" + row.mark + listing("bad", row.output)
    page += listing("after", row.after)
    (root / "docs" / "page.md").write_text(page)


def gone(pid: int) -> bool:
    """The process has ended (a zombie left for its parent to reap counts)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in {"Z", "X"}


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_a_misbehaving_listing_is_reported_and_the_engine_goes_on(
    row, tmp_path, pytester, caplog
):
    root = tmp_path / "site"
    root.mkdir()
    make_site(root, row)
    for run in ("build", "tests"):
        started = time.monotonic()
        if run == "build":
            passed, output = run_build_here(root, caplog)
        else:
            result = run_tests_here(pytester, root)
            passed, output = result.ret == 0, result.stdout.str()
        seconds = time.monotonic() - started
        if row.message is None:
            assert passed, output
        else:
            assert not passed
            assert row.message in output
        if row.stops_the_page and row.message is not None:
            after = row.code.count("\n") + 5
            assert (
                f"docs/page.md:{13 + bool(row.mark)} (after, snippets/page.py:{after}) "
                "did not run" in output
            )
        pid_file = root / "child.pid"
        if pid_file.exists():
            # What the listing started ended with its page (or its time limit).
            child = int(pid_file.read_text())
            deadline = time.monotonic() + 10  # SIGKILL is delivered asynchronously
            while not gone(child) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert gone(child)
            pid_file.unlink()
        if row.mark:  # the limit held: 2 s, plus starting Python under load
            assert seconds < 30


def test_the_default_limit_comes_from_the_settings_or_the_environment(
    monkeypatch, site
):
    site.snippet("page", "# --8<-- [start:a]\nx = 1\n# --8<-- [end:a]\n")
    site.page("page", "<!--pytest.mark.no_output-->\n" + listing("a", None))
    [item] = site.load("page").listings
    monkeypatch.delenv("LISTINGS_TIMEOUT", raising=False)
    assert limit_of(item, Settings.read(site.root)) == Settings().timeout
    (site.root / "pyproject.toml").write_text("[tool.listings]\ntimeout = 9\n")
    assert limit_of(item, Settings.read(site.root)) == 9
    monkeypatch.setenv("LISTINGS_TIMEOUT", "7")
    assert limit_of(item, Settings.read(site.root)) == 7
    for beyond in ("1e999", "1e12", "0"):
        monkeypatch.setenv("LISTINGS_TIMEOUT", beyond)
        with pytest.raises(ValueError, match="LISTINGS_TIMEOUT: a listing's time"):
            Settings.read(site.root)


ENGINE = """
import sys
from listings import Project

project = Project.from_root(sys.argv[1])
list(project.run([project.load(project.root / "docs" / "page.md")]))
"""


@pytest.mark.parametrize("spawn", [SPAWN, DETACH], ids=["child", "detached"])
def test_a_killed_engine_leaves_no_page_process_behind(tmp_path, spawn):
    root = tmp_path / "site"
    root.mkdir()
    row = Row("spawn, then hang", spawn + "import time\n\ntime.sleep(600)\n", "x", "")
    make_site(root, row)
    engine = subprocess.Popen([sys.executable, "-c", ENGINE, str(root)], cwd=root)
    try:
        pid_file = root / "child.pid"
        deadline = time.monotonic() + 120
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the listing never started"
            time.sleep(0.1)
        child = int(pid_file.read_text())
    finally:
        engine.kill()  # SIGKILL: no cleanup code of the engine runs
        engine.wait()
    deadline = time.monotonic() + 30
    while not gone(child):
        assert time.monotonic() < deadline, "a listing's process outlived its engine"
        time.sleep(0.1)
