"""pytorch_mechanics.abbr_once: a hover definition on the first use of a term in each
section, plain text after that (Markdown in, HTML out, in process)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import markdown

from pytorch_mechanics import abbr_once

REPO = Path(__file__).resolve().parents[2]
DEFINITIONS = """
*[batch]: A group of examples.
*[epoch]: One pass over the training set.
*[epochs]: Passes over the training set.
*[effective batch size]: Examples per optimizer step.
"""


def html(text: str, extensions=("abbr", "pytorch_mechanics.abbr_once")) -> str:
    md = markdown.Markdown(extensions=list(extensions))
    return md.convert(textwrap.dedent(text).strip() + "\n" + DEFINITIONS)


def abbrs(out: str) -> list[str]:
    return re.findall(r"<abbr[^>]*>([^<]*)</abbr>", out)


B = '<abbr title="A group of examples.">batch</abbr>'
E = '<abbr title="One pass over the training set.">epoch</abbr>'


def test_only_the_first_occurrence_in_a_paragraph_keeps_its_hover():
    out = html("A batch, then a batch, then a last batch.")
    assert out == f"<p>A {B}, then a batch, then a last batch.</p>"


def test_the_text_between_and_after_unwrapped_terms_is_kept():
    out = html("batch one batch two batch three batch")
    assert out == f"<p>{B} one batch two batch three batch</p>"


def test_a_later_paragraph_of_the_same_section_gets_no_hover():
    out = html("One batch.\n\nbatch after batch.")
    assert out == f"<p>One {B}.</p>\n<p>batch after batch.</p>"


def test_each_h1_h2_and_h3_starts_a_section_and_an_h4_does_not():
    out = html(
        """
        A batch.

        # One

        A batch and a batch.

        ## Two

        The batch again, a batch.

        ### Three

        A batch.

        #### Four

        A batch.
        """
    )
    assert abbrs(out) == ["batch", "batch", "batch", "batch"]
    assert out.count("batch") == 7
    assert "<h4>Four</h4>\n<p>A batch.</p>" in out


def test_a_term_in_a_heading_is_the_first_of_its_section():
    out = html("## The batch\n\nEach batch.")
    assert out == f"<h2>The {B}</h2>\n<p>Each batch.</p>"


def test_terms_are_counted_separately_also_a_plural():
    out = html("One epoch, two epochs, a batch; an epoch, epochs, a batch.")
    assert abbrs(out) == ["epoch", "epochs", "batch"]
    assert out.endswith("; an epoch, epochs, a batch.</p>")


def test_a_longer_term_holding_a_shorter_one_is_its_own_term():
    out = html("The effective batch size, the effective batch size and a batch.")
    assert abbrs(out) == ["effective batch size", "batch"]


def test_terms_inside_inline_markup_lists_and_tables_are_unwrapped_in_place():
    out = html(
        """
        A *batch* and **a batch**, [a batch](x.md).

        - an epoch
        - an *epoch* here

        | a | b |
        |---|---|
        | batch | epoch |
        """,
        extensions=("abbr", "tables", "pytorch_mechanics.abbr_once"),
    )
    assert abbrs(out) == ["batch", "epoch"]
    assert f"A <em>{B}</em> and <strong>a batch</strong>, " in out
    assert '<a href="x.md">a batch</a>.' in out
    assert f"<li>an {E}</li>\n<li>an <em>epoch</em> here</li>" in out
    assert "<td>batch</td>\n<td>epoch</td>" in out


def test_code_is_left_alone():
    out = html("`batch` is code; a batch and a batch.")
    assert out == f"<p><code>batch</code> is code; a {B} and a batch.</p>"


def test_the_order_of_the_extensions_does_not_matter():
    text = "A batch and a batch."
    assert html(text, ("pytorch_mechanics.abbr_once", "abbr")) == html(text)


def test_it_runs_after_abbr_and_before_toc():
    md = markdown.Markdown(extensions=["toc", "pytorch_mechanics.abbr_once", "abbr"])
    names = [name for name in md.treeprocessors._priority]
    order = [item.name for item in sorted(names, key=lambda i: -i.priority)]
    assert order.index("abbr") < order.index("abbr_once") < order.index("toc")
    assert abbr_once.PRIORITY < 7


def test_without_abbr_it_changes_nothing():
    out = markdown.markdown("A batch and a batch.", extensions=["pytorch_mechanics.abbr_once"])
    assert out == "<p>A batch and a batch.</p>"


def test_one_markdown_instance_starts_afresh_on_each_page():
    md = markdown.Markdown(extensions=["abbr", "pytorch_mechanics.abbr_once"])
    first = md.convert("A batch and a batch.\n" + DEFINITIONS)
    md.reset()
    second = md.convert("A batch and a batch.\n" + DEFINITIONS)
    assert first == second == f"<p>A {B} and a batch.</p>"


def test_the_sites_glossary_gives_one_hover_per_term_and_section():
    glossary = (REPO / "includes" / "abbreviations.md").read_text()
    md = markdown.Markdown(extensions=["abbr", "toc", "pytorch_mechanics.abbr_once"])
    out = md.convert(
        "Each epoch runs every batch; the next epoch, the next batch, and the "
        "batch after.\n\n## Later\n\nA batch per epoch, all epochs.\n\n" + glossary
    )
    assert abbrs(out) == ["epoch", "batch", "batch", "epoch", "epochs"]
    assert 'id="later"' in out
