"""Accessibility of the built site, in Chromium (see conftest.py).

- axe-core (the copy shipped in the axe-playwright-python package: nothing is
  fetched) audits every built page in the light and in the dark scheme against
  the WCAG 2.0 and 2.1 A and AA rules and axe's best practices; a violation of
  impact serious or critical fails, and so does a duplicate landmark or an
  unnamed dialog. The message names the page, the scheme, the rule and each
  element (its CSS selector).
- A reader who uses only the keyboard can search, switch the palette, switch
  content tabs, open a collapsed solution and copy a listing.

Content tabs: no chapter uses them yet, so a small "theme sampler" site is
built with the project's own theme settings (mkdocs.yml inherited: palette,
overrides, stylesheets, Markdown extensions) and a page that holds one of
each component a chapter may use; it is audited and driven like the site.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import axe_playwright_python
import pytest
from conftest import PREFIX, REPO, SiteServer, _Handler, expected_pages, site_pages

pytestmark = pytest.mark.browser

AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}
# Moderate in axe, but fixed on this site and kept fixed.
FAILING_RULES = {"landmark-unique", "aria-dialog-name"}
SCHEMES = {"light": "default", "dark": "slate"}

# axe's colour-contrast check costs about 3 ms per element with text, and a
# page holds thousands (each highlighted token of its listings is one) in a
# few dozen styles. The audit checks each style once per page, where it
# first occurs, in two steps:
# 1. Each highlighted token that repeats an earlier one (same token class,
#    colour, font and background) is merged into the text around it.
# 2. Each other element whose text repeats the style of an earlier one on the
#    page (colour, font size and weight, shadow, opacity and the backgrounds
#    behind it) is marked, and the contrast rule's selector leaves the marked
#    elements out (so that one axe run, whose set-up of the page is most of
#    its cost, checks every rule).
# (test_audit_reports_each_fault_of_the_stock_theme shows that it still
# finds each faulty style.)
# Every other rule sees the whole page.
MERGE_REPEATED_TOKENS = """() => {
  const background = el => {
    for (; el; el = el.parentElement) {
      const bg = getComputedStyle(el).backgroundColor
      if (bg !== "rgba(0, 0, 0, 0)") return `${el.tagName}.${el.className} ${bg}`
    }
    return ""
  }
  const seen = new Set()
  const repeats = []
  for (const span of document.querySelectorAll("pre span")) {
    if (span.childElementCount) continue
    const s = getComputedStyle(span)
    const style = [s.color, s.fontSize, s.fontWeight, s.fontStyle, s.opacity]
    const key = `${span.className} ${style.join(" ")} on ${background(span)}`
    if (seen.has(key)) repeats.push(span)
    else seen.add(key)
  }
  for (const span of repeats) span.replaceWith(span.textContent)
  for (const pre of document.querySelectorAll("pre")) pre.normalize()
}"""
REPEAT = "data-a11y-repeat"
MARK_REPEATED_TEXT = """mark => {
  for (const el of document.querySelectorAll(`[${mark}]`)) {
    el.removeAttribute(mark)
  }
  const backgrounds = el => {
    const layers = []
    for (; el; el = el.parentElement) {
      const s = getComputedStyle(el)
      if (s.backgroundImage !== "none") layers.push(s.backgroundImage)
      if (s.backgroundColor !== "rgba(0, 0, 0, 0)") {
        layers.push(s.backgroundColor)
        if (!s.backgroundColor.startsWith("rgba")) break
      }
    }
    return layers.join(" over ")
  }
  const opacity = el => {
    let o = 1
    for (; el; el = el.parentElement) o *= Number(getComputedStyle(el).opacity)
    return o
  }
  // Text that axe's contrast check can fail: it skips punctuation alone,
  // and reports a single character as unsure, never as a violation.
  const meaningful = /[^\\s!-\\/:-@\\[-`{-~\\u2000-\\u206F\\u2E00-\\u2E7F]/u
  const hasText = el => {
    const text = [...el.childNodes]
      .filter(n => n.nodeType === Node.TEXT_NODE)
      .map(n => n.textContent)
      .join("")
      .replace(/\\s+/g, " ")
      .trim()
    return text.length > 1 && meaningful.test(text)
  }
  const seen = new Set()
  const repeats = new Set()
  for (const el of document.body.querySelectorAll("*")) {
    if (!hasText(el) || !el.checkVisibility({ visibilityProperty: true })) {
      continue
    }
    const s = getComputedStyle(el)
    const key = [s.color, s.fontSize, s.fontWeight, s.textShadow,
      s.webkitTextStrokeWidth, opacity(el), backgrounds(el)].join(" | ")
    if (seen.has(key)) repeats.add(el)
    else seen.add(key)
  }
  // Mark each element of the subtrees whose text is all repeats.
  const onlyRepeats = el => {
    let only = !hasText(el) || repeats.has(el)
    for (const child of el.children) only = onlyRepeats(child) && only
    if (only) el.setAttribute(mark, "")
    return only
  }
  for (const child of document.body.children) onlyRepeats(child)
}"""
# The contrast rule (its selector is "*" in axe) skips the marked elements.
SKIP_MARKED = """selector => axe.configure(
  {rules: [{id: "color-contrast", selector: selector}]}
)"""
# What a click on the palette toggle does.
SWITCH_SCHEME = """() => document.querySelector(
  "form[data-md-component='palette'] label:not([hidden])"
).click()"""


def audit(page, every_rule: bool = True) -> list[str]:
    """axe's failing findings on the page as shown now, one line per element.

    Every rule, or (every_rule=False, for the second scheme: the schemes
    differ only in colour) the rules that look at colour; the contrast check
    once per style of text."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_JS)
        page.evaluate(SKIP_MARKED, f":not([{REPEAT}])")
    page.evaluate(MARK_REPEATED_TEXT, REPEAT)
    if every_rule:
        options = AXE_OPTIONS
    else:
        rules = ["color-contrast", "link-in-text-block"]
        options = {"runOnly": {"type": "rule", "values": rules}}
    options = {**options, "resultTypes": ["violations"]}
    results = page.evaluate("options => axe.run(document, options)", options)
    return sorted(findings(results["violations"]))


def findings(violations: list[dict]) -> list[str]:
    found = []
    for rule in violations:
        if rule["impact"] not in FAILING_IMPACTS and rule["id"] not in FAILING_RULES:
            continue
        for node in rule["nodes"]:
            target = " >> ".join(
                t if isinstance(t, str) else " ".join(t) for t in node["target"]
            )
            why = " ".join(node.get("failureSummary", "").split())
            why = why.removeprefix("Fix any of the following: ")
            why = why.removeprefix("Fix all of the following: ")
            found.append(f"{rule['id']} ({rule['impact']}) at {target}: {why[:240]}")
    return found


def scheme_of(page) -> str:
    return page.evaluate("document.body.dataset.mdColorScheme")


def show(page, scheme: str) -> None:
    """Switch the page to scheme as the palette toggle does."""
    if scheme_of(page) != SCHEMES[scheme]:
        page.evaluate(SWITCH_SCHEME)
        page.wait_for_function("!document.body.hasAttribute('data-md-color-switching')")
    assert scheme_of(page) == SCHEMES[scheme]


def audit_pages(page, base: str, paths: list[str]) -> list[str]:
    """Each page in both schemes: 'page [scheme] rule (impact) at element: why'.

    A page is loaded once, audited with every rule in the scheme it opens in,
    then with the colour rules in the other (the schemes differ only in
    colour). Collapsed blocks (solutions, folded plotting code) are opened
    first, so that their text and code are audited too, and the code blocks
    the browser leaves unrendered off the screen (content-visibility, in
    docs/stylesheets/site.css) are rendered, as a reader who scrolls to them
    sees them: axe measures a skipped block's text against a stale
    background."""
    failures = []
    for path in paths:
        page.goto(base + path, wait_until="load")
        failures += audit_loaded(page, path)
    return failures


def audit_loaded(page, path: str) -> list[str]:
    """audit_pages for the page just loaded."""
    failures = []
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = 1)")
    page.add_style_tag(
        content="div.highlight { content-visibility: visible !important }"
    )
    page.evaluate(MERGE_REPEATED_TOKENS)
    first = "dark" if scheme_of(page) == "slate" else "light"
    for scheme in sorted(SCHEMES, key=lambda s: s != first):
        show(page, scheme)
        found = audit(page, every_rule=scheme == first)
        failures += [f"{path or '/'} [{scheme}] {f}" for f in found]
    return failures


def report(failures: list[str], views: int) -> str:
    head = f"{len(failures)} serious or critical accessibility findings"
    shown = "\n".join(failures[:60])
    more = f"\n... and {len(failures) - 60} more" if len(failures) > 60 else ""
    return f"{head} in {views} page views:\n{shown}{more}"


def loading_faults(page, path: str) -> list[str]:
    """What is wrong with the page as loaded: no content, raw TeX, an image
    that did not load or has no alt text."""
    faults = []
    content = page.locator(".md-content")
    if content.count() != 1:
        return [f"{path or '/'}: {content.count()} .md-content elements, not 1"]
    if "\\(" in content.inner_text() or "$$" in content.inner_text():
        faults.append(f"{path or '/'}: raw TeX (MathML expected)")
    # The formulas carry no xmlns: the HTML parser gives them MathML's.
    foreign = page.eval_on_selector_all(
        ".md-content math",
        "ms => ms.filter(m => m.namespaceURI !== 'http://www.w3.org/1998/Math/MathML')"
        ".length",
    )
    if foreign:
        faults.append(f"{path or '/'}: {foreign} <math> elements outside MathML")
    # Figures load lazily, and the palette's hidden twin never loads: the
    # images the page shows are loaded now, as a reader scrolling would.
    page.eval_on_selector_all(
        ".md-content img",
        "imgs => imgs.filter(i => getComputedStyle(i).display !== 'none')"
        ".forEach(i => { i.loading = 'eager' })",
    )
    page.wait_for_function(
        "[...document.querySelectorAll('.md-content img')]"
        ".every(i => getComputedStyle(i).display === 'none' || i.complete)"
    )
    broken = page.eval_on_selector_all(
        ".md-content img",
        "imgs => imgs.filter(i => !i.alt || getComputedStyle(i).display !== 'none'"
        " && i.naturalWidth === 0).map(i => i.src)",
    )
    faults += [f"{path or '/'}: image not loaded or without alt: {b}" for b in broken]
    return faults


@pytest.mark.parametrize("path", expected_pages(), ids=lambda p: p or "home")
def test_page_loads_cleanly_and_passes_the_audit(path, site_dir, base_url, tab):
    """Each page, one visit: no console error, no request off 127.0.0.1, every
    image loaded with alt text, TeX rendered as MathML; then axe, with every
    rule in the scheme the page opens in and the colour rules in the other.
    (One test per page, so that the pages share out over the workers; each
    worker visits its pages in one tab, as a reader would.)"""
    w = tab
    w.page.goto(base_url + path, wait_until="load")
    assert loading_faults(w.page, path) == []
    failures = audit_loaded(w.page, path)
    assert not failures, report(failures, 2)
    assert w.errors == []
    assert w.outside == []


# --- The theme sampler ----------------------------------------------------

SAMPLER_YML = """
INHERIT: {repo}/mkdocs.yml
site_name: Theme sampler
docs_dir: {docs}
site_url: http://127.0.0.1{prefix}
theme:
  custom_dir: {repo}/overrides
hooks: []
plugins:
  - search
watch: []
nav:
  - Sampler: index.md
  - Second page: second.md
"""

SAMPLER_PAGE = '''
# Theme sampler

A paragraph with a [link in text](second.md), `inline code`, a link on code:
[`torch.zeros`](second.md#second), **bold**, *emphasis*, an abbreviation
(<abbr title="HyperText Markup Language">HTML</abbr>) and a footnote.[^ref]

!!! abstract "What you will learn"
    - A bullet with [a link](second.md).

    **Before you start:** [Second page](second.md).

=== "First tab"

    ```python
    import torch

    x = torch.zeros(3, dtype=torch.float32)  # a comment
    print(x.sum(), "a string", 1.5, 0x1F, True, None)
    ```

=== "Second tab"

    The second tab's text, with [a link](second.md).

```python
@decorator
class Model(torch.nn.Module):
    """A docstring."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if x is not None else f"{x!r}\\n" + 'single' + r"raw"
```

<div class="listing-output" markdown>

```text
tensor(0.)
```

</div>

??? success "Solution"
    The solution's text and [a link](second.md).

    ```python
    assert [i**2 for i in range(3)] == [0, 1, 4]
    ```

??? example "Plotting code"
    ```python
    def plot(ax):
        ax.plot([0, 1], [0, 1], label="line")
    ```

!!! note
    A note with `code` and [a link](second.md).

!!! tip
    A tip.

!!! warning
    A warning with [a link](second.md).

!!! question "Exercise"
    A question.

!!! info
    Information.

| Name | Value |
| ---- | ----- |
| `lr` | [0.1](second.md) |

[^ref]: A reference. See [Second page](second.md).
'''


@pytest.fixture(scope="module")
def sampler_url(tmp_path_factory):
    """The theme sampler, built with the project's theme and served."""
    root = tmp_path_factory.mktemp("sampler")
    docs = root / "docs"
    (docs / "stylesheets").mkdir(parents=True)
    for css in (REPO / "docs" / "stylesheets").glob("*.css"):
        (docs / "stylesheets" / css.name).write_text(css.read_text())
    (docs / "index.md").write_text(textwrap.dedent(SAMPLER_PAGE).lstrip())
    (docs / "second.md").write_text("# Second\n\nThe second page.\n")
    config = root / "mkdocs.yml"
    config.write_text(SAMPLER_YML.format(repo=REPO, docs=docs, prefix=PREFIX))
    out = root / "site"
    # From the repository root, as the project builds: relative paths in
    # mkdocs.yml (snippets, includes) resolve as they do for the site.
    command = [sys.executable, "-m", "mkdocs", "build", "--strict"]
    done = subprocess.run(
        [*command, "-f", str(config), "-d", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    handler = functools.partial(_Handler, directory=str(out))
    server = SiteServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    server.shutdown()
    server.server_close()


def test_axe_finds_nothing_serious_on_every_component(sampler_url, tab):
    """Tabs, admonitions, tables, footnotes and every token colour of the
    highlighter, in both schemes (the chapters may not use all of them)."""
    w = tab
    failures = audit_pages(w.page, sampler_url, ["", "second/"])
    # The second tab's panel too (the first one is shown on load).
    w.page.goto(sampler_url, wait_until="load")
    w.page.locator(".tabbed-labels label").nth(1).click()
    for scheme in SCHEMES:
        show(w.page, scheme)
        failures += [f"/ [{scheme}, second tab] {f}" for f in audit(w.page)]
    assert not failures, report(failures, 6)
    assert w.errors == []


STOCK_THEME = """() => {
  document.querySelector("link[href$='palette.css']").remove()
  document.body.setAttribute("data-md-color-primary", "deep-orange")
  document.body.setAttribute("data-md-color-accent", "indigo")
  document.querySelector(".md-search").removeAttribute("aria-label")
  for (const nav of document.querySelectorAll("nav.md-code__nav")) {
    nav.removeAttribute("role")
  }
}"""


# Until the finite transitions end; one that a later one replaces is cancelled,
# and its replacement is waited for in the next round.
SETTLED = """async () => {
  for (let round = 0; round < 20; round++) {
    const running = document.getAnimations().filter(a =>
      a.playState === "running" && a.effect.getComputedTiming().endTime !== Infinity)
    if (running.length === 0) return
    await Promise.allSettled(running.map(a => a.finished))
  }
}"""


def test_audit_reports_each_fault_of_the_stock_theme(sampler_url, tab):
    """The audit can fail, and says where: on the sampler with Material's deep
    orange and indigo, without the palette stylesheet, the search dialog's
    name and the copy buttons' fix, it finds every fault the site had."""
    w = tab
    w.page.goto(sampler_url, wait_until="load")
    w.page.evaluate(STOCK_THEME)
    # The new colours arrive through the theme's colour transitions: audit
    # what they end on, not a frame on the way there.
    w.page.evaluate(SETTLED)
    light = "\n".join(audit(w.page))
    show(w.page, "dark")
    dark = "\n".join(audit(w.page))
    expected = [
        # white on the deep orange header; orange links on white
        (light, r"color-contrast \(serious\) at \.md-header__topic.* of 2\.77 "),
        (light, r"color-contrast \(serious\) at article > p > a.*: #ff6e42, back"),
        # Material's grey for operators and comments on code grey (reported
        # at the first token in that style)
        (light, r"color-contrast \(serious\) at \.(c1|ow|sd)\b.* of 4\.47 "),
        (light, r"link-in-text-block \(serious\) at #fn"),
        (light, r"aria-dialog-name \(serious\) at \.md-search:"),
        (light, r"landmark-unique \(moderate\) at #__code_0 > \.md-code__nav:"),
        # Material's slate number and constant colours on code
        (dark, r"color-contrast \(serious\) at \.mf: .* of 4\.44 "),
        (dark, r"color-contrast \(serious\) at .*\.nb: .* of 4\.48 "),
    ]
    for found, pattern in expected:
        assert re.search(pattern, found), f"{pattern} not in:\n{found}"


# --- Keyboard only ----------------------------------------------------------


def focused(page, selector: str) -> bool:
    return page.evaluate(
        "s => document.activeElement !== null && document.activeElement.matches(s)",
        selector,
    )


def tab_to(page, selector: str, limit: int = 400) -> None:
    """Press Tab until the focused element matches selector."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, selector):
            return
    pytest.fail(f"{limit} presses of Tab never reached {selector}")


def settled_results(page, timeout: float = 15000) -> None:
    """Wait until the search results stop changing: Material queries its
    worker on every keystroke and replaces the list when each answer comes,
    so on a slow machine a result focused too early can be replaced (the
    focus then falls back to the page) by the answer to the whole word."""
    page.wait_for_function(
        """() => {
            const list = document.querySelector('.md-search-result__list');
            const now = list ? list.innerHTML : '';
            const t = performance.now();
            const w = window.__settle || (window.__settle = {seen: null, since: t});
            if (now !== w.seen) { w.seen = now; w.since = t; }
            return now !== '' && t - w.since > 500;
        }""",
        polling=100,
        timeout=timeout,
    )


def test_keyboard_search_from_shortcut_to_result(base_url, tab):
    w = tab
    w.page.goto(base_url, wait_until="networkidle")
    w.page.keyboard.press("/")  # Material's shortcut (also f and s)
    assert focused(w.page, "input.md-search__input")
    w.page.keyboard.type("autograd", delay=20)
    w.page.locator(".md-search-result__item a[href*='autograd/']").first.wait_for(
        timeout=15000
    )
    settled_results(w.page)
    w.page.keyboard.press("ArrowDown")
    assert focused(w.page, ".md-search-result__link")
    # The first result: the Autograd chapter or another about autograd.
    target = w.page.evaluate("document.activeElement.href")
    path = target.split("#")[0].split("?")[0]  # search.highlight adds ?h=...
    assert re.search(r"/autograd(-memory)?/$", path), target
    w.page.keyboard.press("Enter")
    w.page.wait_for_url(re.compile(re.escape(path) + ".*"))
    assert w.page.locator("h1").first.inner_text().startswith("Autograd")
    assert w.errors == []


def test_keyboard_search_is_reached_with_tab(base_url, tab):
    w = tab
    w.page.goto(base_url, wait_until="networkidle")
    tab_to(w.page, "input.md-search__input", limit=30)
    w.page.keyboard.type("tensor", delay=20)
    w.page.locator(".md-search-result__item").first.wait_for(timeout=15000)
    w.page.keyboard.press("Escape")
    assert not focused(w.page, "input.md-search__input")


@pytest.mark.parametrize("key", ["Enter", " "])
def test_keyboard_palette_toggle_switches_scheme(base_url, tab, key):
    w = tab
    w.page.goto(base_url + "tensors/", wait_until="networkidle")
    assert scheme_of(w.page) == "default"
    toggle = "form[data-md-component='palette'] input:not([aria-hidden='true'])"
    tab_to(w.page, toggle, limit=30)
    w.page.keyboard.press(key)
    w.page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    # The focus stays on the toggle, which now offers the way back.
    assert focused(w.page, toggle)
    label = w.page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label == "Switch to light mode"
    w.page.keyboard.press(key)
    w.page.wait_for_function("document.body.dataset.mdColorScheme === 'default'")


def test_keyboard_content_tabs_switch_with_arrows(sampler_url, tab):
    w = tab
    w.page.goto(sampler_url, wait_until="networkidle")
    panels = w.page.locator(".tabbed-block")
    tab_to(w.page, ".tabbed-set > input", limit=60)
    assert panels.nth(0).is_visible() and not panels.nth(1).is_visible()
    w.page.keyboard.press("ArrowRight")
    assert panels.nth(1).is_visible() and not panels.nth(0).is_visible()
    w.page.keyboard.press("ArrowLeft")
    assert panels.nth(0).is_visible() and not panels.nth(1).is_visible()


def test_keyboard_opens_a_collapsed_solution(site_dir, base_url, tab):
    pages = [
        p
        for p in site_pages(site_dir)
        if p.endswith("/")
        and '<details class="success"' in (site_dir / p / "index.html").read_text()
    ]
    assert pages, "no page with a collapsed solution"
    w = tab
    w.page.goto(base_url + pages[0], wait_until="networkidle")
    tab_to(w.page, "details.success > summary")
    solution = w.page.locator("details.success").first
    assert solution.get_attribute("open") is None
    w.page.keyboard.press("Enter")
    assert solution.get_attribute("open") is not None
    assert solution.locator("pre, p").first.is_visible()
    w.page.keyboard.press("Enter")
    assert solution.get_attribute("open") is None


def test_keyboard_copy_button_copies_the_listing(base_url, watched):
    w = watched(permissions=["clipboard-read", "clipboard-write"])
    w.page.goto(base_url + "tensors/", wait_until="networkidle")
    button = "button.md-code__button[data-md-type='copy']"
    tab_to(w.page, button)
    # Visible while focused: a reader can see what Enter will do.
    nav = "getComputedStyle(document.activeElement.closest('nav')).opacity"
    assert w.page.evaluate(nav) == "1"
    target = w.page.evaluate(
        "document.activeElement.getAttribute('data-clipboard-target')"
    )
    w.page.keyboard.press("Enter")
    dialog = w.page.locator(".md-dialog")
    dialog.wait_for(state="visible", timeout=5000)
    assert "Copied" in dialog.inner_text()
    copied = w.page.evaluate("navigator.clipboard.readText()")
    shown = w.page.locator(target).inner_text()
    assert copied.strip() == shown.strip() and copied.strip()


def test_copy_buttons_are_not_landmarks(base_url, tab):
    """The overrides' script takes the navigation role off the copy button's
    wrapper; the real landmarks keep names of their own."""
    w = tab
    w.page.goto(base_url + "tensors/", wait_until="networkidle")
    navs = w.page.locator("nav.md-code__nav")
    assert navs.count() > 3
    assert set(navs.evaluate_all("ns => ns.map(n => n.getAttribute('role'))")) == {
        "none"
    }
    names = w.page.evaluate(
        "[...document.querySelectorAll('nav:not([role]), [role=navigation]')]"
        ".filter(n => n.checkVisibility())"
        ".map(n => n.getAttribute('aria-label') || n.getAttribute('aria-labelledby'))"
    )
    assert None not in names and len(names) == len(set(names)), names


# --- The overrides stay Material's own partials, plus the fix --------------


def test_search_override_is_materials_partial_with_a_name():
    import material

    theirs = (
        Path(material.__file__).parent / "templates" / "partials" / "search.html"
    ).read_text()
    ours = (REPO / "overrides" / "partials" / "search.html").read_text()

    def body(template: str) -> str:
        return re.sub(r"^\{#-.*?-#\}\n", "", template, flags=re.DOTALL)

    named = body(theirs).replace(
        'role="dialog">', 'role="dialog" aria-label="{{ lang.t(\'search\') }}">', 1
    )
    assert named != body(theirs), "Material's search partial changed: re-copy it"
    assert body(ours) == named
