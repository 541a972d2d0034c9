"""HTML and XML helpers shared by the parsers: sanitising, Markdown, HTML to plain text, safe XML.

sanitize_html keeps basic formatting, <img> and <audio controls> (with <source>) whose src is
the file placeholder ``@@PLUGINFILE@@/<name>`` (see model.py); every other image or audio
source is dropped, so imported text never makes a reader's browser fetch anything from elsewhere.

markdown_to_safe_html renders Markdown with the site's one renderer (app.core.markdown, also
used for text lessons) and sanitises the result like any imported HTML.

parse_xml refuses any document type declaration before expat sees it, so no entity is ever
declared, expanded or fetched (no billion laughs, no external entities).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from xml.parsers import expat

import nh3

from app.core.markdown import markdown_to_html

PLACEHOLDER_PREFIX = "@@PLUGINFILE@@/"

ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "s", "del", "sub", "sup", "span", "div", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "pre", "code", "blockquote", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "a", "img", "audio", "source",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "audio": {"src", "controls", "preload"},
                      "source": {"src", "type"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    if tag in ("img", "audio", "source") and name == "src" and not value.startswith(PLACEHOLDER_PREFIX):
        return None
    if tag == "audio" and name == "controls":
        return "controls"  # always shown with its controls
    return value


# An <img> whose src was dropped shows nothing; remove the tag itself.
IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def sanitize_html(html: str) -> str:
    cleaned = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, attribute_filter=_filter_attribute,
        url_schemes={"http", "https", "mailto"}, clean_content_tags={"script", "style"},
    )
    return IMG_WITHOUT_SRC.sub("", cleaned).strip()


def markdown_to_safe_html(text: str) -> str:
    """Sanitised HTML of Markdown text (Moodle's FORMAT_MARKDOWN)."""
    return sanitize_html(markdown_to_html(text))


BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "hr", "table", "ul", "ol"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags removed, entities decoded, one line per block,
    runs of spaces collapsed."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def looks_like_html(text: str) -> bool:
    return bool(re.search(r"<[a-zA-Z][a-zA-Z0-9]{0,10}[\s/>]|&[a-zA-Z]{2,8};|&#\d{1,7};", text))


class XmlRefused(ValueError):
    """The document declares a DOCTYPE or entities; refused without parsing further."""


class XmlBroken(ValueError):
    pass


def _refuse(*args):
    raise XmlRefused()


def parse_xml(data: bytes) -> ElementTree.Element:
    """The root element of an XML document, built by expat with every DTD feature refused."""
    # Cheap early refusal: a prolog is short, and "<!DOCTYPE"/"<!ENTITY" cannot appear in
    # element content unescaped outside CDATA, so any occurrence before the root is a DTD.
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lower()
    root_start = re.search(rb"<[a-z_]", head)
    prolog = head[: root_start.start()] if root_start else head
    if b"<!doctype" in prolog or b"<!entity" in prolog:
        raise XmlRefused()
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    builder = ElementTree.TreeBuilder()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise XmlBroken(expat.ErrorString(error.code) + f" (line {error.lineno})") from None
    return builder.close()
