"""The content library (Markdown with YAML front matter) chunked, embedded and searchable.

Each `## section` becomes one or more plain-text chunks (tables read as sentences); a chunk is
re-embedded only when its hash changes, so indexing the library again is nearly free.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.models import ContentChunk
from tools.facts import TextEmbedder, vector_literal

MAX_CHUNK = 700  # characters: small enough for a prompt, large enough for one idea
PROJECT_ROOT = Path(__file__).resolve().parents[1]
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'“$0-9])")


@dataclass(frozen=True)
class Chunk:
    """One passage of a document, with the document's metadata."""

    doc_path: str
    chunk_index: int
    title: str
    kind: str
    stage: str | None
    text: str

    @property
    def fact_id(self) -> str:
        """The id a draft cites: doc-<slug>#<chunk>."""
        return f"doc-{Path(self.doc_path).stem}#{self.chunk_index}"


def resolve_dir(directory: Path) -> Path:
    """The content directory; a relative path that is missing here is taken from the project."""
    if directory.is_absolute() or directory.exists():
        return directory
    return PROJECT_ROOT / directory


def _plain(line: str) -> str:
    """Markdown inline formatting removed: emphasis, links, code, quote and list markers."""
    line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"[*_`]{1,3}([^*_`]+)[*_`]{1,3}", r"\1", line)
    return re.sub(r"^\s*(?:[-*+]|\d+\.|>)\s+", "", line).strip()


def _table(lines: list[str]) -> list[str]:
    """Table rows as sentences: 'Row label: Header value; Header value.'"""
    cells = [[_plain(c) for c in line.strip().strip("|").split("|")] for line in lines]
    rows = [row for row in cells if not all(re.fullmatch(r":?-{2,}:?", c) for c in row if c)]
    if len(rows) < 2:
        return []
    header, body = rows[0], rows[1:]
    out = []
    for row in body:
        pairs = [f"{h} {v}".strip() for h, v in zip(header[1:], row[1:], strict=False) if v]
        out.append(f"{row[0]}: {'; '.join(pairs)}.")
    return out


def _section_text(lines: list[str]) -> str:
    """A section's body as plain sentences."""
    parts: list[str] = []
    table: list[str] = []
    for line in [*lines, ""]:
        if line.lstrip().startswith("|"):
            table.append(line)
            continue
        if table:
            parts.extend(_table(table))
            table = []
        if line.strip() and not line.startswith("#"):
            parts.append(_plain(line))
    text = re.sub(r"\s+", " ", " ".join(parts)).strip()
    return re.sub(r"\*\*([^*]+)\*\*", r"\1", text)  # bold that spanned a line break


def _split(body: str) -> list[str]:
    """Pieces of at most MAX_CHUNK characters, cut between sentences."""
    pieces, current = [], ""
    for sentence in _SENTENCE.split(body):
        if current and len(current) + len(sentence) + 1 > MAX_CHUNK:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    return [*pieces, current] if current else pieces


def chunk_document(path: Path, raw: str) -> list[Chunk]:
    """Split one Markdown document into chunks, one or more per `##` section."""
    match = _FRONT.match(raw)
    meta: dict[str, Any] = yaml.safe_load(match.group(1)) if match else {}
    body = raw[match.end() :] if match else raw
    title = str(meta.get("title") or path.stem)
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        if line.startswith("## "):
            sections.append((line[3:].strip(), []))
        else:
            sections[-1][1].append(line)
    chunks: list[Chunk] = []
    for heading, lines in sections:
        for piece in _split(_section_text(lines)):
            label = f"{title} — {heading}: " if heading else f"{title}: "
            chunks.append(
                Chunk(
                    path.name,
                    len(chunks),
                    title,
                    str(meta.get("kind") or "doc"),
                    meta.get("stage"),
                    label + piece,
                )
            )
    return chunks


def library_chunks(directory: Path) -> list[Chunk]:
    """Every chunk of every Markdown file in the library, in file order."""
    root = resolve_dir(directory)
    return [
        chunk
        for path in sorted(root.glob("*.md"))
        for chunk in chunk_document(path, path.read_text(encoding="utf-8"))
    ]


def _hash(chunk: Chunk, embedder_name: str) -> str:
    """Hash of the chunk's text, metadata and the embedder that embedded it."""
    raw = f"{embedder_name}\n{chunk.title}\n{chunk.kind}\n{chunk.stage}\n{chunk.text}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def index_content(session: Session, directory: Path, embedder: TextEmbedder) -> int:
    """Upsert changed chunks (re-embedding only those) and drop chunks that no longer exist."""
    chunks = library_chunks(directory)
    name = getattr(embedder, "name", type(embedder).__name__)
    known = {
        (row.doc_path, row.chunk_index): row.content_hash
        for row in session.execute(
            select(ContentChunk.doc_path, ContentChunk.chunk_index, ContentChunk.content_hash)
        )
    }
    changed = [c for c in chunks if known.get((c.doc_path, c.chunk_index)) != _hash(c, name)]
    if changed:
        vectors = embedder.embed([c.text for c in changed])
        stmt = insert(ContentChunk)
        session.execute(
            stmt.on_conflict_do_update(
                constraint="uq_content_chunks_doc_chunk",
                set_={
                    k: stmt.excluded[k]
                    for k in ("title", "kind", "stage", "text", "content_hash", "embedding")
                },
            ),
            [
                {**c.__dict__, "content_hash": _hash(c, name), "embedding": v.tolist()}
                for c, v in zip(changed, vectors, strict=True)
            ],
        )
    current = {(c.doc_path, c.chunk_index) for c in chunks}
    for doc_path, index in set(known) - current:
        session.execute(
            delete(ContentChunk).where(
                ContentChunk.doc_path == doc_path, ContentChunk.chunk_index == index
            )
        )
    return len(changed)


def nearest_chunks(
    session: Session,
    query_vector: Sequence[float],
    k: int,
    *,
    stages: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The k chunks closest to the query (HNSW cosine), optionally only for some stages."""
    where = "WHERE stage = ANY(:stages) OR stage IS NULL" if stages else ""
    sql = text(
        "SELECT doc_path, chunk_index, title, kind, stage, text, "
        f"embedding <=> CAST(:query AS vector) AS distance FROM content_chunks {where} "
        "ORDER BY distance LIMIT :k"
    )
    params: dict[str, Any] = {"query": vector_literal(query_vector), "k": k}
    if stages:
        params["stages"] = list(stages)
    rows = session.execute(sql, params)
    return [
        {**row._mapping, "fact_id": f"doc-{Path(row.doc_path).stem}#{row.chunk_index}"}
        for row in rows
    ]
