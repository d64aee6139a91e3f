"""TeX as MathML: the site's own rendering of math (its hooks and, for
Zensical, its Markdown extension), on the chapters and the notebook views."""

from __future__ import annotations

from pytorch_mechanics.mathml import arithmatex_to_mathml, notebook_math_to_mathml


def test_a_notebook_views_math_becomes_mathml_outside_code_only():
    html = (
        "<p>Inline $a_1 &lt; b$ and</p><p>$$\nx^2\n$$</p>"
        "<pre>$not math$</pre><code>$x$</code>"
        '<div id="cell-1" class="clipboard-copy-txt">print("$x$")</div>'
    )
    text = notebook_math_to_mathml(html)
    assert text.count("<math ") == 2 and "xmlns" not in text
    assert 'display="block"' in text and "<msub>" in text
    assert "<pre>$not math$</pre><code>$x$</code>" in text
    assert 'print("$x$")' in text


def test_arithmatex_wrappers_become_mathml():
    html = (
        '<p><span class="arithmatex">\\(w_1\\)</span></p>'
        '<div class="arithmatex">\\[\nx^2\n\\]</div>'
    )
    text = arithmatex_to_mathml(html)
    assert '<span class="math"><math ' in text and "<msub>" in text
    assert '<div class="math"><math ' in text and 'display="block"' in text
    assert "arithmatex" not in text


def test_the_built_chapters_and_notebook_views_show_math_as_mathml(site_dir):
    """Autograd's chapter and its notebook view: MathML, no TeX left."""
    for page in ("autograd/index.html", "notebooks/autograd/index.html"):
        html = (site_dir / page).read_text()
        assert html.count("<math ") > 10, page
        assert "$$" not in html and "arithmatex" not in html, page
