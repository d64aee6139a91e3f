"""Every kind of bad page or snippet a writer can produce, one scratch site per
row, through ``mkdocs build --strict`` and pytest, and through the site's own
configuration as a whole ``mkdocs build --strict`` and ``mkdocs serve``: each
fails with the one message that says where (page and line), what is wrong and
how to fix it, and no traceback; the server stays up and recovers.
A page's encoding quirks that are not errors (a BOM, CRLF line ends) pass.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field

import pytest
from conftest import REPO, SCRATCH_MKDOCS_YML, listing, run_build_here, run_tests_here

SNIPPET = '# --8<-- [start:greet]\nprint("hello")\n# --8<-- [end:greet]\n'
GOOD = listing("greet", "hello")
FENCE = '```python\n--8<-- "page.py:greet"\n```\n'


@dataclass
class Row:
    id: str
    page: str | bytes  # after "# Page\n\n": its first fence is on line 3
    message: str | None  # None: the page is fine and passes
    snippet: str = SNIPPET
    files: dict[str, str] = field(default_factory=dict)  # more files, by path
    links: dict[str, str] = field(default_factory=dict)  # symlink -> target


ROWS = [
    Row(
        "unclosed fence",
        FENCE.removesuffix("```\n"),
        "docs/page.md:3: this ``` fence is never closed; add a closing ``` "
        "line after its last line",
    ),
    Row(
        "unclosed section",
        GOOD,
        "docs/page.md:4: snippets/page.py:1: section 'greet' is never closed; "
        "add # --8<-- [end:greet] after its last line",
        snippet='# --8<-- [start:greet]\nprint("hello")\n',
    ),
    Row(
        "misspelled section marker",
        GOOD,
        "docs/page.md:4: snippets/page.py:1: not a section marker: "
        "'# --8<-- [strat:greet]'; write # --8<-- [start:NAME] and "
        "# --8<-- [end:NAME]",
        snippet=SNIPPET.replace("start", "strat"),
    ),
    Row(
        "include of a missing section",
        listing("gret", "hello"),
        "docs/page.md:4: snippets/page.py has no section 'gret' (its sections: greet)",
    ),
    Row(
        "include of a missing file",
        listing("greet", "hello", file="nowhere.py"),
        "docs/page.md:4: snippet file 'nowhere.py' not found in snippets/",
    ),
    Row(
        "include that climbs out",
        listing("greet", "hello", file="../../etc/passwd"),
        "docs/page.md:4: the include '../../etc/passwd' leaves snippets/; name a "
        'file inside it, relative to it ("page.py:section")',
    ),
    Row(
        "include of an absolute path",
        listing("greet", "hello", file="/etc/passwd"),
        "docs/page.md:4: the include '/etc/passwd' leaves snippets/; name a file "
        'inside it, relative to it ("page.py:section")',
    ),
    Row(
        "include of a symlink out",
        listing("greet", "hello", file="link.py"),
        "docs/page.md:4: the include 'link.py' is a link that leads out of "
        "snippets/; put the file itself there",
        files={"outside.py": SNIPPET},
        links={"snippets/link.py": "../outside.py"},
    ),
    Row(
        "two includes in one fence",
        '```python\n--8<-- "page.py:greet"\n--8<-- "page.py:greet"\n```\n',
        "docs/page.md:3: a fence holds 2 includes; a listing is one snippet "
        "section: give each its own fence (or make one section of them)",
    ),
    Row(
        "a section included twice",
        GOOD + GOOD,
        "docs/page.md:13: section 'greet' is included twice; a page shows each "
        "section once (make a second section for the repeat)",
    ),
    Row(
        "code outside any section",
        GOOD,
        "docs/page.md:4: snippets/page.py:1: code outside any section is run by "
        "the script but shown on no page; put it in a section "
        "(# --8<-- [start:NAME] ... # --8<-- [end:NAME])",
        snippet="import os\n" + SNIPPET,
    ),
    Row(
        "figure mark without alt text",
        "<!--pytest.mark.figure-->\n" + GOOD,
        "docs/page.md:3: a figure mark needs its alt text: "
        '<!--pytest.mark.figure("what the figure shows")-->',
    ),
    Row(
        "unknown mark",
        '<!--pytest.mark.figur("x")-->\n' + GOOD,
        "docs/page.md:3: unknown mark 'figur'; the marks are figure, no_output, "
        "slow, timeout, tolerance",
    ),
    Row(
        "mark with unbalanced parentheses",
        '<!--pytest.mark.figure("x"-->\n' + GOOD,
        "docs/page.md:3: cannot parse mark 'pytest.mark.figure(\"x\"'; check its "
        "parentheses and quotes",
    ),
    Row(
        "timeout mark without seconds",
        "<!--pytest.mark.timeout-->\n" + GOOD,
        "docs/page.md:3: a timeout mark takes the seconds the listing may run, "
        "more than 0 and at most 86400 (a day): <!--pytest.mark.timeout(300)-->",
    ),
    Row(
        "timeout mark beyond any float",
        "<!--pytest.mark.timeout(1e999)-->\n" + GOOD,
        "docs/page.md:3: a timeout mark takes the seconds the listing may run, "
        "more than 0 and at most 86400 (a day): <!--pytest.mark.timeout(300)-->",
    ),
    Row(
        "timeout mark of many years",
        "<!--pytest.mark.timeout(1e12)-->\n" + GOOD,
        "docs/page.md:3: a timeout mark takes the seconds the listing may run, "
        "more than 0 and at most 86400 (a day): <!--pytest.mark.timeout(300)-->",
    ),
    Row(
        "timeout mark of no time",
        "<!--pytest.mark.timeout(0)-->\n" + GOOD,
        "docs/page.md:3: a timeout mark takes the seconds the listing may run, "
        "more than 0 and at most 86400 (a day): <!--pytest.mark.timeout(300)-->",
    ),
    Row(
        "timeout mark on the second listing",
        GOOD.replace("greet", "hi") + "<!--pytest.mark.timeout(1e999)-->\n" + GOOD,
        "docs/page.md:13: a timeout mark takes the seconds the listing may run, "
        "more than 0 and at most 86400 (a day): <!--pytest.mark.timeout(300)-->",
        snippet=SNIPPET + SNIPPET.replace("greet", "hi"),
    ),
    Row(
        "tolerance mark with a word",
        "<!--pytest.mark.tolerance(rtol='abc')-->\n" + GOOD,
        "docs/page.md:3: a tolerance mark takes rtol= and atol= only, each a number "
        "of 0 or more: <!--pytest.mark.tolerance(rtol=1e-4, atol=1e-6)-->",
    ),
    Row(
        "tolerance mark below zero",
        "<!--pytest.mark.tolerance(atol=-1e-6)-->\n" + GOOD,
        "docs/page.md:3: a tolerance mark takes rtol= and atol= only, each a number "
        "of 0 or more: <!--pytest.mark.tolerance(rtol=1e-4, atol=1e-6)-->",
    ),
    Row(
        "expected-output comment with no block",
        FENCE + "\n<!--pytest-codeblocks:expected-output-->\n\nSome prose.\n",
        "docs/page.md:7: an expected-output comment must be followed by its "
        "output block (```text ... ```); run the update command to write it, or "
        "delete the comment",
    ),
    Row(
        "page that is not UTF-8",
        GOOD.encode() + b"\nCaf\xe9\n",
        "docs/page.md:14: the file is not UTF-8 (byte 0xe9); save it as UTF-8",
    ),
    Row(
        "snippet that is not UTF-8",
        GOOD,
        "docs/page.md:4: snippets/page.py:2: the file is not UTF-8 (byte 0xe9); "
        "save it as UTF-8",
        snippet=SNIPPET.replace('"hello"', '"hello"  # caf\udce9'),
    ),
    Row(
        "unclosed section of a later listing",
        GOOD + listing("bye", "bye"),
        "docs/page.md:14: snippets/page.py:4: section 'bye' is never closed; "
        "add # --8<-- [end:bye] after its last line",
        snippet=SNIPPET + '# --8<-- [start:bye]\nprint("bye")\n',
    ),
    Row(
        "snippet that is not UTF-8 in a later listing",
        GOOD + listing("bye", "bye"),
        "docs/page.md:14: snippets/page.py:5: the file is not UTF-8 (byte 0xe9); "
        "save it as UTF-8",
        snippet=SNIPPET
        + '# --8<-- [start:bye]\nprint("bye")  # caf\udce9\n# --8<-- [end:bye]\n',
    ),
    Row(
        "expected output with no listing above it",
        "<!--pytest-codeblocks:expected-output-->\n\n```text\nhello\n```\n\n" + GOOD,
        "docs/page.md:3: an expected-output comment with no listing directly above "
        "it; put it under the listing whose output it is, or delete it",
    ),
    Row(
        "expected output under a fence that is not a listing",
        GOOD + "\n```bash\necho hi\n```\n\n<!--pytest-codeblocks:expected-output-->"
        "\n\n```text\nhi\n```\n",
        "docs/page.md:18: an expected-output comment with no listing directly "
        "above it; put it under the listing whose output it is, or delete it",
    ),
    Row("page with a BOM", "\ufeff" + GOOD, None),
    Row("page with CRLF line ends", GOOD.replace("\n", "\r\n"), None),
    Row(
        "snippet with CRLF line ends", GOOD, None, snippet=SNIPPET.replace("\n", "\r\n")
    ),
]


def make_site(root, row: Row) -> None:
    (root / "docs").mkdir()
    (root / "snippets").mkdir()
    (root / "mkdocs.yml").write_text(SCRATCH_MKDOCS_YML)
    snippet = row.snippet.encode("utf-8", "surrogateescape")
    (root / "snippets" / "page.py").write_bytes(snippet)
    for name, text in row.files.items():
        (root / name).write_text(text)
    for name, target in row.links.items():
        (root / name).symlink_to(target)
    page = row.page if isinstance(row.page, bytes) else row.page.encode()
    bom = page.startswith("\ufeff".encode())
    heading = "# Page\r\n\r\n" if b"\r\n" in page else "# Page\n\n"
    page = page.removeprefix("\ufeff".encode())
    (root / "docs" / "page.md").write_bytes(
        ("\ufeff".encode() if bom else b"") + heading.encode() + page
    )


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_a_bad_page_fails_build_and_tests_with_one_precise_message(
    row, tmp_path, pytester, caplog
):
    root = tmp_path / "site"
    root.mkdir()
    make_site(root, row)

    passed, log = run_build_here(root, caplog)
    result = run_tests_here(pytester, root)
    output = result.stdout.str()
    if row.message is None:
        assert passed, log
        result.assert_outcomes(passed=1)
        return
    assert not passed
    assert row.message in log
    assert result.ret != 0
    assert row.message in output


def real_config_site(root) -> None:
    """The site's own configuration (theme, plugins, extensions, settings),
    with a nav of the one scratch page: what a writer's typo meets."""
    folders = ("overrides", "includes", "mechanics", "pytorch_mechanics")
    for folder in (*folders, "docs/stylesheets"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    config = (REPO / "mkdocs.yml").read_text()
    nav = config.index("\nnav:")
    (root / "mkdocs.yml").write_text(config[:nav] + "\nnav:\n  - Page: page.md\n")


def mkdocs(root, *args, **options):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "mkdocs", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **options,
    )


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_a_bad_page_fails_the_real_strict_build_with_its_message_only(
    row, tmp_path, caplog
):
    """In this process, as `mkdocs build --strict` would run: an exception
    from a page (a traceback) would fail the test by itself."""
    root = tmp_path / "site"
    root.mkdir()
    make_site(root, row)
    real_config_site(root)
    passed, log = run_build_here(root, caplog)
    if row.message is None:
        assert passed, log
        return
    assert not passed
    # The site's snippets come from two folders.
    folders = "snippets/ or includes/"
    message = row.message.replace("snippets/;", f"{folders};")
    assert message.replace("of snippets/;", f"of {folders};") in log
    assert "Traceback" not in log, log


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_the_real_server_shows_a_broken_page_and_recovers_when_it_is_fixed(tmp_path):
    """Under `mkdocs serve --dirty`, as `make serve` runs it (each rebuild
    builds only the pages that changed): a section name misspelt in the page,
    then in the snippet. The server stays up, shows the page's error, and
    shows the listing again once it is fixed; an edit of the snippet alone,
    and of the glossary every page includes, shows too."""
    root = tmp_path / "site"
    root.mkdir()
    make_site(root, Row("good", GOOD, None))
    real_config_site(root)
    page = root / "docs" / "page.md"
    snippet = root / "snippets" / "page.py"
    glossary = root / "includes" / "abbreviations.md"
    good = page.read_text()
    page.write_text(good.replace("page.py:greet", "page.py:gret"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = mkdocs(root, "serve", "--dirty", "-a", f"127.0.0.1:{port}",
                    start_new_session=True)  # fmt: skip
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True).start()
    url = f"http://127.0.0.1:{port}/pytorch-mechanics/page/"  # as site_url
    try:

        def wait_for(text: str) -> str:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                assert server.poll() is None, "".join(lines)
                with contextlib.suppress(OSError):
                    body = _get(url)
                    if text in body:
                        return body
                time.sleep(0.5)
            raise AssertionError(f"{text!r} never shown:\n" + "".join(lines))

        wait_for("This page cannot be built")
        assert "has no section 'gret' (its sections: greet)" in "".join(lines)
        page.write_text(good)
        assert "This page cannot be built" not in wait_for("hello")
        # The page's Markdown is older than its HTML from here on.
        snippet.write_text(SNIPPET.replace("greet", "grete"))
        wait_for("This page cannot be built")
        snippet.write_text(SNIPPET)
        assert "This page cannot be built" not in wait_for("hello")
        snippet.write_text(SNIPPET.replace("hello", "hello again"))
        wait_for("hello again")
        glossary.write_text(glossary.read_text() + "*[Page]: A page of the site.\n")
        wait_for('title="A page of the site."')
        assert server.poll() is None
        assert "Traceback" not in "".join(lines), "".join(lines)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        server.stdout.close()
