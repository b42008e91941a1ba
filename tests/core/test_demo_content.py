"""Tests for the demo content library: front matter, links from the demo site, committed files."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from core.demo_content import content_library
from core.demo_data import DemoDataset, generate, write_content
from core.demo_site import ASSETS, BASE_URL
from core.vocab import STAGES, canonical_event_type

COMMITTED_CONTENT = Path(__file__).resolve().parents[2] / "demo_data" / "content"
REFRESH = (
    'python -c "from core.demo_data import generate, write_content; '
    "write_content(generate(n_leads=1), 'demo_data/content')\""
)


@pytest.fixture(scope="module")
def data() -> DemoDataset:
    return generate(n_leads=300, anchor=datetime(2025, 3, 4, tzinfo=UTC))


def front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def numbers(text: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)]


def test_front_matter_is_valid():
    kinds = Counter()
    for name, text in content_library().items():
        meta = front_matter(text)
        assert {"title", "kind", "stage", "industries", "url"} <= set(meta), name
        assert meta["kind"] in {"case_study", "guide", "product", "comparison"}
        assert meta["stage"] in STAGES and meta["industries"]
        assert text.split("---\n", 2)[2].lstrip().startswith(f"# {meta['title']}\n"), name
        assert "{" not in text and "}" not in text, name  # no unformatted placeholders
        kinds[meta["kind"]] += 1
    assert 3 <= kinds["case_study"] <= 4 and kinds["guide"] == 3
    assert kinds["product"] >= 1 and kinds["comparison"] >= 1 and 9 <= sum(kinds.values()) <= 12


def test_case_study_numbers_add_up():
    library = content_library()
    helix = library["case-study-helix-components.md"]
    mqls = numbers(re.search(r"\| MQLs handed to sales .*", helix)[0])
    accepted = numbers(re.search(r"\| Accepted by sales .*", helix)[0])
    rejected = numbers(re.search(r"\| Rejected as not ready .*", helix)[0])
    assert rejected == [mqls[0] - accepted[0], mqls[1] - accepted[2]]
    assert round(accepted[0] / mqls[0] * 100) == accepted[1]
    ledgerly = library["case-study-ledgerly.md"]
    before, after = (int(n) for n in re.findall(r"\((\d+)/month\)", ledgerly))
    assert f"That is {after - before} more opportunities a month" in ledgerly


def test_site_links_point_at_the_content(data):
    metas = [front_matter(text) for text in data.content.values()]
    visited = {
        e["properties"]["url"].removeprefix(BASE_URL)
        for e in data.events
        if canonical_event_type(e["event"]) == "page_viewed"
    }
    assert {u for u in visited if u.startswith(("/case-studies/", "/guides/"))} <= {
        meta["url"] for meta in metas
    }
    titles = {meta["title"] for meta in metas}
    assert {title for _, asset_type, title in ASSETS if asset_type == "case_study"} <= titles


def test_committed_content_matches_the_generator(data, tmp_path):
    written = write_content(data, tmp_path)
    committed = sorted(p.name for p in COMMITTED_CONTENT.glob("*.md"))
    assert sorted(p.name for p in written) == committed, f"refresh with: {REFRESH}"
    for path in written:
        expected = path.read_text(encoding="utf-8")
        actual = (COMMITTED_CONTENT / path.name).read_text(encoding="utf-8")
        assert actual == expected, f"{path.name} is stale; refresh with: {REFRESH}"
