/* Material wraps each code block's copy button in a <nav>: an unnamed
   navigation landmark, repeated once per listing (axe: landmark-unique). The
   button is a tool, not navigation: take the landmark role off those navs, so
   that a screen reader's list of landmarks holds the site's real ones
   (header, navigation, table of contents, footer). The buttons keep their
   names and their place in the tab order. */
(() => {
  const SELECTOR = "nav.md-code__nav:not([role])"
  const unmark = root => {
    if (root.matches(SELECTOR)) root.setAttribute("role", "none")
    for (const nav of root.querySelectorAll(SELECTOR)) {
      nav.setAttribute("role", "none")
    }
  }
  unmark(document.body)
  new MutationObserver(records => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE) unmark(node)
      }
    }
  }).observe(document.body, { childList: true, subtree: true })
})();

/* The palette toggle is a pair of radio buttons, each named for what it does
   ("Switch to dark mode" belongs to the light scheme's radio). Material
   leaves both unchecked, so Tab always lands on the first one, whose name is
   wrong in the dark scheme, and Space on it does nothing. Keep the current
   scheme's radio checked (Tab lands on it, and its name says what Enter
   does), and let Space switch the way Material's Enter does: check the next
   scheme's radio and move the focus to it. */
(() => {
  const PALETTE = "form[data-md-component='palette']"
  const check = () => {
    const scheme = document.body.getAttribute("data-md-color-scheme")
    const form = document.querySelector(PALETTE)
    if (form === null) return
    for (const input of form.querySelectorAll("input")) {
      if (input.getAttribute("data-md-color-scheme") === scheme) {
        input.checked = true
      }
    }
  }
  check()
  new MutationObserver(check).observe(document.body, {
    attributes: true,
    attributeFilter: ["data-md-color-scheme"],
  })
  document.addEventListener("keydown", event => {
    if (event.key !== " " || !(event.target instanceof HTMLInputElement)) return
    const form = event.target.closest(PALETTE)
    if (form === null) return
    event.preventDefault()
    const inputs = [...form.querySelectorAll("input")]
    const current = inputs.findIndex(input => input.checked)
    const next = inputs[(current + 1) % inputs.length]
    next.click()
    next.focus()
  })
})();

/* What scrolls sideways takes the keyboard focus, so that it can be scrolled
   with the arrow keys (WCAG 2.1.1), as Material does for the chapters' code
   blocks: in a notebook view, code (a code cell, a fence in a Markdown cell),
   an output or a figure's box; on every page, a figure's box (a figure keeps
   a readable width on a phone) and a display formula wider than the screen. What does not scroll is no stop of the Tab key (nbconvert
   makes every output one). Measured again when the window's size changes. */
(() => {
  const SCROLLING = [
    ".jupyter-wrapper :is(.highlight-ipynb, pre, .jp-OutputArea-output)",
    ".md-typeset :is(div.math, span.math-block, .listing-figures)",
  ].join(", ")
  // All widths are read before any attribute is written: a write between
  // two reads would make the browser lay the page out again for each box.
  const focusable = () => {
    const boxes = [...document.querySelectorAll(SCROLLING)]
    const scrolls = boxes.map(box => box.scrollWidth > box.clientWidth)
    boxes.forEach((box, i) => {
      if (scrolls[i]) box.tabIndex = 0
      else box.removeAttribute("tabindex")
    })
  };
  focusable()
  addEventListener("resize", focusable)
})();

/* A copy is announced to a screen reader (WCAG 4.1.3, status messages).
   On a chapter, Material writes "Copied to clipboard" into its dialog,
   which is no live region: it becomes one. A notebook view's copy button
   only unhides a "Copied!" next to it, which no screen reader hears: a
   status region of the site's says it instead. */
(() => {
  const dialog = document.querySelector(".md-dialog__inner")
  if (dialog !== null) dialog.setAttribute("role", "status")
  const status = document.createElement("div")
  status.className = "site-status"
  status.setAttribute("role", "status")
  document.body.append(status)
  let clear
  document.addEventListener("clipboard-copy", () => {
    clearTimeout(clear)
    // Emptied first, so that a second copy is announced again.
    status.textContent = ""
    requestAnimationFrame(() => { status.textContent = "Copied to clipboard" })
    clear = setTimeout(() => { status.textContent = "" }, 3000)
  })
})();
