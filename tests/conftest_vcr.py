"""pytest plugin: vcrpy settings for model-call tests (replay only, body-matched, all used)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals.live import scrub_response

CASSETTE_DIR = Path(__file__).resolve().parent / "cassettes"


def vcr_settings(record_mode: str = "none") -> dict[str, Any]:
    """The use_cassette keyword arguments every model-call test uses."""
    return {
        "record_mode": record_mode,
        "filter_headers": ["authorization", "api-key", "openai-organization", "openai-project"],
        "before_record_response": scrub_response,
        # The body is part of the match, so a changed prompt or schema cannot replay an old answer.
        "match_on": ["method", "scheme", "host", "port", "path", "body"],
        "allow_playback_repeats": False,
        "decode_compressed_response": True,
    }


@pytest.fixture
def vcr_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """pytest-recording's config hook: replay only unless --record-mode says otherwise."""
    return vcr_settings(request.config.getoption("--record-mode") or "none")


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    """All cassettes live in tests/cassettes/, named by the test's default_cassette marker."""
    return str(CASSETTE_DIR)


@pytest.fixture(autouse=True)
def _fail_on_unused_interactions(request: pytest.FixtureRequest, vcr: Any) -> Any:
    """In replay mode a cassette interaction the test never requested is a test failure."""
    yield
    mode = request.config.getoption("--record-mode") or "none"
    if vcr is None or mode != "none":
        return
    unused = [i for i in range(len(vcr.data)) if vcr.play_counts[i] == 0]
    if unused:
        pytest.fail(
            f"cassette {Path(vcr.path).name}: interactions {unused} were never played "
            "(the code made fewer requests than recorded)",
            pytrace=False,
        )
