"""The content library: front matter, sections and tables as text, hash-based re-indexing."""

from __future__ import annotations

from pathlib import Path

from agent.embeddings import LexicalEmbedder
from tools.agent_tools import search_content, stages_up_to
from tools.content_index import chunk_document, index_content

EMBEDDER = LexicalEmbedder()
DOC = """---
title: "Acme: faster follow-up"
kind: "case_study"
stage: "consideration"
industries: ["saas"]
---

# Acme: faster follow-up

**Acme** sells [widgets](https://acme.example).

## The results

| Metric | Before | After |
|---|---|---|
| Time to first reply | 31 hours | 9 minutes |
"""


def test_a_document_becomes_labelled_plain_chunks_with_tables_as_sentences():
    chunks = chunk_document(Path("acme.md"), DOC)

    assert [(c.fact_id, c.kind, c.stage) for c in chunks] == [
        ("doc-acme#0", "case_study", "consideration"),
        ("doc-acme#1", "case_study", "consideration"),
    ]
    assert chunks[0].text == "Acme: faster follow-up: Acme sells widgets."
    assert chunks[1].text == (
        "Acme: faster follow-up — The results: "
        "Time to first reply: Before 31 hours; After 9 minutes."
    )


def test_indexing_again_re_embeds_nothing(session, tmp_path):
    (tmp_path / "acme.md").write_text(DOC)

    assert index_content(session, tmp_path, EMBEDDER) == 2
    assert index_content(session, tmp_path, EMBEDDER) == 0
    (tmp_path / "acme.md").write_text(DOC.replace("31 hours", "30 hours"))
    assert index_content(session, tmp_path, EMBEDDER) == 1


def test_content_search_respects_the_buying_stage(session):
    index_content(session, Path("demo_data/content"), EMBEDDER)

    early = search_content(session, "pricing plans per month", EMBEDDER, stage="awareness", k=5)
    late = search_content(session, "pricing plans per month", EMBEDDER, stage="decision", k=5)

    assert stages_up_to("consideration") == ["awareness", "consideration"]
    assert early and not any("pricing" in f["source"] for f in early)
    assert late[0]["source"] == "content:product-pricing"
    assert all(f["fact_id"].startswith("doc-") and f["kind"] == "content" for f in late)
