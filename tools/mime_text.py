"""Decode email headers and bodies into clean text: charsets, RFC 2047, addresses, dates, HTML."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

# WHATWG treats these labels as windows-1252; mislabelled UTF-8 is common too, so it is tried first.
_WESTERN = frozenset(
    ("", "ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin-1", "latin1", "windows-1252",
     "cp1252")
)  # fmt: skip


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode bytes with the declared charset, falling back to UTF-8, then with replacement."""
    label = (charset or "").strip().strip("\"'").lower()
    if label in _WESTERN:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("windows-1252", errors="replace")
    for codec in (label, "utf-8"):
        try:
            return data.decode(codec)
        except (LookupError, ValueError):  # unknown label, or bytes that do not fit it
            continue
    try:
        return data.decode(label, errors="replace")
    except (LookupError, ValueError):
        return data.decode("windows-1252", errors="replace")


def recover_8bit(value: str) -> str:
    """Turn raw 8-bit header bytes (surrogate escapes from the parser) into real characters."""
    try:
        return decode_bytes(value.encode("ascii", "surrogateescape"), None)
    except UnicodeEncodeError:
        return value  # already real Unicode: nothing to recover


def decode_header_value(value: str) -> str:
    """Decode a raw header value (RFC 2047 words, stray 8-bit bytes, folding) into clean Unicode."""
    value = re.sub(r"\s*[\r\n]+\s*", " ", recover_8bit(value))
    try:
        chunks = decode_header(value)
    except Exception:  # bad base64 in an encoded word and similar: show the header as it came
        return value.strip()
    out = [c if isinstance(c, str) else _decode_chunk(c, cs) for c, cs in chunks]
    return "".join(out).strip()


def _decode_chunk(chunk: bytes, charset: str | None) -> str:
    if charset:
        return decode_bytes(chunk, charset)
    try:  # decode_header stores unencoded text as raw-unicode-escape bytes
        return chunk.decode("raw-unicode-escape")
    except UnicodeDecodeError:
        return chunk.decode("latin-1")


def raw_header(msg: Message | None, name: str) -> str | None:
    """Return the first raw (undecoded) value of a header, or None."""
    if not isinstance(msg, Message):
        return None
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def parse_addresses(value: str) -> list[tuple[str, str]]:
    """Parse an address list into (display name, address) pairs, dropping entries without '@'."""
    pairs = getaddresses([re.sub(r"\s*[\r\n]+\s*", " ", recover_8bit(value))])
    return [(decode_header_value(n), a.strip()) for n, a in pairs if "@" in a.strip().strip("@")]


def first_message_id(value: str | None) -> str | None:
    """Normalise a Message-ID-like header to its first '<id@host>' token."""
    found = re.search(r"<[^<>\s]+>", value or "")
    if found:
        return found.group(0)
    token = next(iter((value or "").split()), "").strip("<>")
    return f"<{token}>" if token else None


def parse_date(value: str | None) -> datetime | None:
    """Parse an RFC 5322 date into an aware datetime (UTC when the zone is unknown)."""
    try:
        parsed = parsedate_to_datetime(value or "")
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class _HtmlText(HTMLParser):
    """Collects readable text: paragraph and line breaks, bullets, link targets, '> ' quotes."""

    PARAGRAPHS = frozenset(
        ("p", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "blockquote", "pre",
         "section", "article", "header", "footer", "dl")
    )  # fmt: skip
    LINES = frozenset(("div", "li", "tr", "dt", "dd"))
    SKIP = frozenset(("script", "style", "head", "title", "noscript", "template"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.quote = self.skip = self.pre = 0
        self.links: list[tuple[str, int]] = []
        self.line_start = True

    def emit(self, text: str) -> None:
        """Append text, prefixing each new line with '> ' per open blockquote."""
        for index, chunk in enumerate(text.split("\n")):
            if index:
                self.out.append("\n")
                self.line_start = True
            if self.line_start:
                chunk = chunk if self.pre else chunk.lstrip()
                if not chunk:
                    continue
                self.out.append("> " * min(self.quote, 8))
                self.line_start = False
            self.out.append(chunk)

    def newlines(self, count: int) -> None:
        """End the current line, leaving `count` - 1 blank lines (none at the very start)."""
        if count and self.out:
            tail = "".join(self.out[-count:])
            self.emit("\n" * (count - (len(tail) - len(tail.rstrip("\n")))))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a tag: track skipped, quoted and preformatted regions and remember link targets."""
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "br":
            self.emit("\n")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.out)))
        self.newlines(2 if tag in self.PARAGRAPHS else 1 if tag in self.LINES else 0)
        self.quote += tag == "blockquote"
        self.pre += tag == "pre"
        if tag == "li":
            self.emit("- ")

    def handle_endtag(self, tag: str) -> None:
        """Close a tag: end blocks and show a link's URL when its text does not."""
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(self.out[start:])
            if href.startswith(("http://", "https://")) and href not in shown and shown.strip():
                self.emit(f" ({href})")
        self.quote = max(0, self.quote - (tag == "blockquote"))
        self.pre = max(0, self.pre - (tag == "pre"))
        self.newlines(2 if tag in self.PARAGRAPHS else 1 if tag in self.LINES else 0)

    def handle_data(self, data: str) -> None:
        """Add visible text, collapsing whitespace outside <pre>."""
        if not self.skip:
            self.emit(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Convert an HTML email body to plain text with the stdlib HTML parser."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
        while parser.links:  # an <a> left open at the end still shows its target
            parser.handle_endtag("a")
    except Exception:  # keep whatever was read before the parser gave up on broken markup
        pass
    lines = [line.rstrip() for line in "".join(parser.out).replace("\xa0", " ").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
