"""Text from data is inert: only http(s)/mailto links, no raw HTML, no live markup on pages."""

from __future__ import annotations

import pytest

from analysis.views.inert_text import inert_html, inert_markdown, safe_url, svg_problem
from analysis.views.report_kit import render


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[click me](javascript:alert(1))", "click me"),
        ("[a](JaVaScRiPt:x)", "a"),
        ("[a]( data:text/html;base64,PHNjcmlwdD4= )", "a"),
        ("[a](<javascript:x>)", "a"),
        ("![logo](https://evil.example/x.png)", "logo"),
        ("[site](https://example.org/a)", "[site](https://example.org/a)"),
        ("[me](mailto:a@example.org)", "[me](mailto:a@example.org)"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert\\(1\\)&gt;"),
        ("[x]: javascript:alert(1)", "\\[x\\]: javascript:alert\\(1\\)"),
        # H13/G01: a bare URL in a name stays text (no autolink); explicit safe links stay
        ("Asterion see http://evil.example/x", "Asterion see http\\://evil.example/x"),
        ("acme_bank *v2*", "acme\\_bank \\*v2\\*"),
    ],
)
def test_inert_markdown(text, expected):
    assert inert_markdown(text) == expected


def test_say_and_render_make_data_text_inert():
    assert render("Client {c}.", c="[x](javascript:alert(1))") == "Client x."


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "/etc/passwd",
                                 "vbscript:x", "https://a b", "java\tscript:x", ""])
def test_unsafe_urls(url):
    assert safe_url(url) is None


def test_inert_html_keeps_page_links_and_embedded_images_only():
    page = ('<a href="javascript:alert(1)">x</a><a href=" jav&#x61;script:y">y</a>'
            '<a href="#sec">s</a><a href="kpi.html">k</a><a href="https://e.org">e</a>'
            '<img src="http://e.org/i.png" onerror="a()"><img src="data:image/png;base64,AA==">'
            "<script>bad()</script><iframe src=x></iframe>")
    out = inert_html(page)
    assert "javascript" not in out and "onerror" not in out and "<script" not in out
    assert "<iframe" not in out and "http://e.org/i.png" not in out
    for kept in ('href="#sec"', 'href="kpi.html"', 'href="https://e.org"',
                 'src="data:image/png;base64,AA=="'):
        assert kept in out


def test_inert_html_reads_whole_tags_and_leaves_text_alone():
    out = inert_html('<a title=">" href="javascript:x">a</a><p>based one=2, href=x</p>')
    assert "javascript" not in out
    assert "<p>based one=2, href=x</p>" in out


def test_explicit_format_specs_do_not_bypass_inert_text():
    assert render("{c:>5}", c="[x](javascript:y)") == "x"


@pytest.mark.parametrize("name", ["Asterion see http://evil.example/x",
                                  "Evil Corp https://evil.example/login?a=1"])
def test_a_bare_url_in_a_name_never_becomes_a_link_on_the_page(name):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    page = markdown2html_mistune(render("Vendor {v}, see [site](https://example.org).", v=name))
    assert "<a" in page and page.count("<a") == 1  # the explicit link only
    assert 'href="https://example.org"' in page
    assert name.split(" ")[-1] in page  # the URL is shown as text


@pytest.mark.parametrize(("svg", "problem"), [
    ('<svg onload="alert(1)"/>', "event handler"),
    ("<svg><script>alert(1)</script></svg>", "<script>"),
    ('<svg><image href="http://169.254.169.254/x"/></svg>', "external reference"),
    ('<svg><image xlink:href="file:///etc/passwd"/></svg>', "external reference"),
    ("<svg><style>rect{fill:url(https://x.example/a)}</style></svg>", "url()"),
    ("<svg><foreignObject><iframe/></foreignObject></svg>", "embedded HTML"),
    ('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>', "DOCTYPE"),
])
def test_an_svg_logo_that_runs_or_loads_anything_is_not_inert(svg, problem):
    assert problem in (svg_problem(svg.encode()) or "")


def test_a_drawing_with_in_file_references_is_inert():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
           '<defs><linearGradient id="g"/></defs><rect style="fill:url(#g)"/>'
           '<use xlink:href="#g"/><text>Example Co.</text></svg>')
    assert svg_problem(svg.encode()) is None
