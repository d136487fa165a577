"""Text from data made inert before it reaches a page.

Anything that comes from data (an export's README, a publisher's name, a client name, research
text) may carry Markdown or HTML. On a page it keeps only ``http``, ``https`` and ``mailto``
links; ``javascript:``, ``data:`` and every other scheme are dropped (the link text stays as
text), images never load, and no raw HTML passes (it is shown as text). ``inert_html`` is the
last line of defence on a finished page: it strips what no report page needs (scripts, event
handlers, frames) and every link or source with a scheme outside the allowlist.
"""

from __future__ import annotations

import html
import re

ALLOWED_SCHEMES = ("http", "https", "mailto")
_DATA_URL_RE = re.compile(r"^(?:https?://|mailto:)[^\s<>\"'`\\]+$", re.IGNORECASE)
# [label](target "title") and ![alt](target); one level of balanced parentheses in the target.
_LINK_RE = re.compile(
    r"(?P<image>!?)\[(?P<label>[^\[\]]*)\]\(\s*(?P<target>(?:[^()\s]|\([^()\s]*\))*)"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
# Backslash-escaped in data text so it forms no Markdown: links, emphasis, code, headings,
# tables, HTML (already entities) and reference definitions.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]{}()#+!|~>])")
# The ":" of a "scheme://" in data text, escaped so no bare URL in a name (``see
# http://evil.example``) is auto-linked by the page's Markdown renderer (H13, G01).
_BARE_URL_COLON = re.compile(r":(?=//)")


def safe_url(url: object) -> str | None:
    """``url`` when it is an http(s) or mailto link, else None (javascript:, data:, relative...)."""
    text = html.unescape(str(url or "")).strip()
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        return None
    return text if _DATA_URL_RE.match(text) else None


def _escape(text: str) -> str:
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(text, quote=False))
    return _BARE_URL_COLON.sub(r"\\:", escaped)


def inert_markdown(text: object) -> str:
    """Data text as Markdown that renders as exactly that text, keeping safe links only.

    ``[label](https://...)`` stays a link; a link to any other scheme becomes its label; an
    image becomes its alt text; raw HTML is escaped; other Markdown punctuation is escaped.
    """
    value = str(text)
    out: list[str] = []
    position = 0
    for match in _LINK_RE.finditer(value):
        out.append(_escape(value[position : match.start()]))
        label = _escape(match["label"])
        url = None if match["image"] else safe_url(match["target"])
        if url is None:
            out.append(label)
        else:
            target = url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
            out.append(f"[{label}]({target})")
        position = match.end()
    out.append(_escape(value[position:]))
    return "".join(out)


# --------------------------------------------------------------------------- finished pages

_DANGEROUS = r"script|iframe|object|embed|form|base|frame|frameset|applet"
_DANGEROUS_PAIR_RE = re.compile(rf"<({_DANGEROUS})\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_DANGEROUS_TAG_RE = re.compile(rf"</?(?:{_DANGEROUS})\b[^>]*>", re.IGNORECASE)
_META_REFRESH_RE = re.compile(r"<meta\b[^>]*http-equiv[^>]*>", re.IGNORECASE)
_EVENT_ATTR_RE = re.compile(
    r"\s+on[a-z]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE
)
_URL_ATTR_RE = re.compile(
    r"(?P<space>\s+)(?P<name>href|src|xlink:href|action|formaction|poster|background)"
    r"\s*=\s*(?P<value>\"[^\"]*\"|'[^']*'|[^\s>]+)",
    re.IGNORECASE,
)
_TAG_RE = re.compile(r"<[a-zA-Z](?:[^>\"']|\"[^\"]*\"|'[^']*')*>")  # quoted ">" stays inside
_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_EMBEDDED_IMAGE_RE = re.compile(r"^data:image/(?:png|jpeg|gif|svg\+xml);base64,", re.IGNORECASE)


def _attribute_ok(name: str, raw: str) -> bool:
    value = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(raw.strip("\"'")))
    scheme = _SCHEME_RE.match(value)
    if name.lower() == "src":  # pages are self-contained: only embedded images load
        return bool(_EMBEDDED_IMAGE_RE.match(value))
    if scheme is None:
        return True  # "#section", "kpi.html", "../index.html": a place in the report set
    return scheme.group(1).lower() in ALLOWED_SCHEMES


def inert_html(fragment: str) -> str:
    """A finished page fragment with scripts, frames, event handlers and every link or source
    outside the allowlist removed (the element stays, its dangerous attribute goes)."""
    fragment = _DANGEROUS_TAG_RE.sub("", _DANGEROUS_PAIR_RE.sub("", fragment))
    fragment = _META_REFRESH_RE.sub("", fragment)

    def keep(match: re.Match[str]) -> str:
        return match.group(0) if _attribute_ok(match["name"], match["value"]) else ""

    def clean_tag(match: re.Match[str]) -> str:  # attributes only inside tags, never in text
        return _URL_ATTR_RE.sub(keep, _EVENT_ATTR_RE.sub("", match.group(0)))

    return _TAG_RE.sub(clean_tag, fragment)


# --------------------------------------------------------------------------- logos

_SVG_RULES = (
    (re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE), "a DOCTYPE or entity declaration"),
    (re.compile(r"<(?:[a-z]+:)?script\b", re.IGNORECASE), "a <script> element"),
    (re.compile(r"<(?:[a-z]+:)?(?:foreignObject|iframe|embed|object)\b", re.IGNORECASE),
     "embedded HTML (foreignObject, iframe, embed or object)"),
    (re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE), "an event handler attribute (on...=)"),
    (re.compile(r"\s(?:[a-z]+:)?(?:href|src)\s*=\s*[\"']?\s*(?!#)[^\s\"'>]", re.IGNORECASE),
     "an external reference (href or src not starting with '#')"),
    (re.compile(r"url\(\s*[\"']?\s*(?!#)", re.IGNORECASE),
     "an external reference in a style (url() not starting with '#')"),
    (re.compile(r"@import", re.IGNORECASE), "an @import in a style"),
)


def svg_problem(data: bytes) -> str | None:
    """Why an SVG logo is not inert (scripts, event handlers, embedded HTML, or anything that
    would load from outside the file), or None. Judged on the text, conservatively: a logo is
    a drawing, and an in-file ``#id`` reference is the only link it needs."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return f"not UTF-8 text (byte {error.start})"
    for pattern, what in _SVG_RULES:
        found = pattern.search(text)
        if found:
            line = text.count("\n", 0, found.start()) + 1
            return f"line {line}: {what}"
    return None
