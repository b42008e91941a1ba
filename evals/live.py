"""Live suites (`--backend openai`): call the API with a key, record or replay vcrpy cassettes.

- OPENAI_API_KEY set: the suite calls the configured server (any OPENAI_BASE_URL).
- OPENAI_API_KEY set and --record: the same calls, written to evals/cassettes/<name>.yaml.
- no key: the cassette is replayed; an unmatched request or an interaction never played fails
  the suite (ReplayMismatch), because the body is matched: a changed prompt cannot replay an
  old answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

from agent.llm import CallRecorder, ModelClient
from core.llm_settings import LLMSettings

CASSETTES = Path(__file__).resolve().parent / "cassettes"
REPLAY_KEY = "sk-replay-not-a-real-key"  # replay needs a key-shaped value; nothing is sent
Mode = Literal["live", "record", "replay"]
SECRET_HEADERS = ("authorization", "api-key", "openai-organization", "openai-project", "cookie")
PRIVATE_RESPONSE_HEADERS = frozenset({"set-cookie", "openai-organization", "openai-project"})


class ReplayMismatch(RuntimeError):
    """Replay met a request no cassette interaction matches, or left interactions unplayed."""


class LiveSetupError(RuntimeError):
    """The live suite cannot start (no cassette to replay, vcrpy missing, --record without key)."""


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Drop account-identifying response headers before a recording is saved (vcrpy's
    before_record_response; tests/conftest_vcr.py uses it too)."""
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in PRIVATE_RESPONSE_HEADERS:
            del headers[name]
    return response


def cassette_options(record_mode: str) -> dict[str, Any]:
    """vcrpy options: secrets filtered, matched on method + URI + body, each answer played once."""
    return {
        "record_mode": record_mode,
        "filter_headers": list(SECRET_HEADERS),
        "before_record_response": scrub_response,
        "match_on": ["method", "uri", "body"],
        "allow_playback_repeats": False,
        "decode_compressed_response": True,
    }


def _is_unmatched(exc: BaseException | None) -> bool:
    """True when vcrpy refused a request somewhere in the exception's cause chain."""
    while exc is not None:
        if type(exc).__name__ == "CannotOverwriteExistingCassetteException":
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class GuardedClient:
    """A ModelClient that turns "no recorded interaction matches" into ReplayMismatch, which the
    graph does not catch (a ModelUnavailable would silently fall back to the offline drafter)."""

    backend = "openai"

    def __init__(self, inner: ModelClient, cassette: Path | None) -> None:
        self.inner = inner
        self.cassette = cassette

    def _mismatch(self, what: str, exc: BaseException) -> ReplayMismatch:
        detail = str(exc.__cause__ or exc).strip().splitlines()
        return ReplayMismatch(
            f"{what}: no interaction in {self.cassette} matches this request (method, URI and "
            "body are matched, so a changed prompt, schema, model name or scenario cannot replay "
            "an old answer). Re-record with a key (`nurture eval <suite> --backend openai "
            "--record`) or regenerate the synthesized cassette (`python -m "
            f"tests.evals.make_live_cassettes`). vcrpy said: {' '.join(detail)[:600]}"
        )

    def structured(self, purpose: str, messages: list[dict], schema: type, *, tools=None):
        """The inner client's structured call, with unmatched replays made loud."""
        try:
            return self.inner.structured(purpose, messages, schema, tools=tools)
        except Exception as exc:
            if _is_unmatched(exc):
                raise self._mismatch(f"model call '{purpose}'", exc) from exc
            raise

    def embed(self, texts: list[str]) -> list[list[float]]:
        """The inner client's embeddings, with unmatched replays made loud."""
        try:
            return self.inner.embed(texts)
        except Exception as exc:
            if _is_unmatched(exc):
                raise self._mismatch("embeddings call", exc) from exc
            raise


@dataclass
class LiveSession:
    """How a live suite runs: its mode, its cassette and the settings its client uses."""

    mode: Mode
    settings: LLMSettings
    cassette: Path | None

    def client(self, recorder: CallRecorder) -> GuardedClient:
        """A model client reporting to `recorder` (no backoff sleeps when replaying)."""
        from agent.llm_openai import OpenAIClient

        options: dict[str, Any] = {"sleep": lambda _s: None} if self.mode == "replay" else {}
        inner = OpenAIClient(self.settings, recorder=recorder, **options)
        return GuardedClient(inner, self.cassette)

    def synthesized(self) -> bool:
        """True when the cassette was written by the synthesizer, not recorded from a model."""
        if self.cassette is None or not self.cassette.is_file():
            return False
        with self.cassette.open(encoding="utf-8") as handle:
            return handle.readline().startswith("# SYNTHESIZED")

    def describe(self) -> str:
        """One line for the report: where the answers came from."""
        where = self.settings.openai_base_url or "https://api.openai.com/v1"
        return {
            "live": f"live calls to {where}",
            "record": f"live calls to {where}, recorded to {self._relative()}",
            "replay": f"replayed from {self._relative()} (no API key: nothing was sent)",
        }[self.mode]

    def _relative(self) -> str:
        assert self.cassette is not None
        return str(self.cassette.relative_to(CASSETTES.parents[1]))


def _use_cassette(path: Path, record_mode: str):
    try:
        import vcr
    except ModuleNotFoundError as exc:  # vcrpy is a dev dependency
        raise LiveSetupError(
            "recording and replaying live suites needs vcrpy (installed by `make test`/`uv sync`)"
        ) from exc
    return vcr.use_cassette(str(path), **cassette_options(record_mode))


@contextmanager
def live_session(name: str, *, record: bool = False) -> Iterator[LiveSession]:
    """Live, recording or replaying, by whether a key is set and --record was given."""
    settings = LLMSettings()
    path = CASSETTES / f"{name}.yaml"
    if settings.backend == "openai" and not record:
        yield LiveSession("live", settings, None)
        return
    if settings.backend == "openai":
        # vcrpy appends to an existing file, so record into a fresh one and replace the old
        # cassette only when the run finished.
        fresh = path.with_name(f"{path.stem}.recording.yaml")
        fresh.unlink(missing_ok=True)
        with _use_cassette(fresh, "all"):
            yield LiveSession("record", settings, path)
        fresh.replace(path)
        return
    if record:
        raise LiveSetupError("--record needs OPENAI_API_KEY (and OPENAI_BASE_URL for others)")
    if not path.is_file():
        raise LiveSetupError(
            f"no cassette {path.name} to replay: set OPENAI_API_KEY to run live, "
            "or record one with --record"
        )
    replay = settings.model_copy(
        update={"openai_api_key": SecretStr(REPLAY_KEY), "llm_max_retries": 0}
    )
    with _use_cassette(path, "none") as cassette:
        yield LiveSession("replay", replay, path)
        unplayed = [i for i in range(len(cassette.data)) if cassette.play_counts[i] == 0]
        if unplayed:
            raise ReplayMismatch(
                f"{path.name}: interactions {unplayed} were never played (the suite made fewer "
                "requests than were recorded); re-record or regenerate the cassette"
            )
