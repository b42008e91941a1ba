"""Sequence definitions: the shipped playbooks, the strict loader, live edits, the dry run."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from tests.tools.sequence_kit import WED, lead
from tools.enrollment import enroll
from tools.progress import finish_step
from tools.sequences import DIRECTORY, Branch, Step, load_sequence_file, load_sequences
from tools.simulate import simulate


def days_of(seq, track_path: list[str]) -> list[float]:
    """Day of each step along main then the given tracks (branch waits included)."""
    day, days = 0.0, []
    for track in ["main", *track_path]:
        for item in seq.tracks[track]:
            if isinstance(item, Branch):
                day += item.after_days
            else:
                day += item.delay_days
                days.append(day)
    return days


def test_the_shipped_playbooks_follow_the_domain():
    seqs = load_sequences()
    assert set(seqs) == {"welcome", "long_nurture", "re_engagement", "high_intent", "trial"}
    welcome, nurture = seqs["welcome"], seqs["long_nurture"]
    assert days_of(welcome, [])[:3] == [0, 3, 7]
    assert [s.purpose for s in welcome.tracks["main"] if isinstance(s, Step)] == [
        "deliver_asset",
        "problem_context",
        "proof",
    ]
    assert days_of(nurture, ["engaged"]) == [1, 4, 8, 13, 19, 26]
    assert days_of(nurture, ["quiet"]) == [1, 4, 8, 13, 19, 26]
    assert nurture.tracks["engaged"][-1].purpose == "break_up"
    routes = seqs["re_engagement"].tracks["main"][-1].routes
    assert routes[0].enroll == "long_nurture" and routes[-1].track == "low_frequency"
    assert seqs["trial"].priority > seqs["high_intent"].priority > seqs["welcome"].priority
    assert "opportunity" not in seqs["trial"].exit_on  # a trial turning into a deal continues


def _write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


BASE = {
    "name": "t",
    "version": 1,
    "description": "x",
    "tracks": {"main": [{"step": 1, "delay_days": 0, "purpose": "proof"}]},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"surprise": 1}, "Extra inputs are not permitted"),
        ({"tracks": {"main": [{"step": 1, "delay_days": 0, "purpose": "spam"}]}}, "purpose"),
        ({"tracks": {"main": [{"step": 1, "delay_days": -1, "purpose": "proof"}]}}, "delay_days"),
        (
            {
                "tracks": {
                    "main": [
                        {"step": 1, "delay_days": 0, "purpose": "proof"},
                        {"step": 1, "delay_days": 1, "purpose": "proof"},
                    ]
                }
            },
            "unique",
        ),
        (
            {
                "tracks": {
                    "main": [
                        {"step": 1, "delay_days": 0, "purpose": "proof"},
                        {
                            "branch": "b",
                            "routes": [{"when": "nonsense >= 1", "track": "x"}, {"track": "main"}],
                        },
                    ]
                }
            },
            "unknown field",
        ),
        (
            {
                "tracks": {
                    "main": [
                        {"step": 1, "delay_days": 0, "purpose": "proof"},
                        {"branch": "b", "routes": [{"track": "main"}]},
                    ],
                    "orphan": [{"step": 2, "delay_days": 0, "purpose": "proof"}],
                }
            },
            "no branch",
        ),
        (
            {
                "tracks": {
                    "main": [
                        {"step": 1, "delay_days": 0, "purpose": "proof"},
                        {"branch": "b", "routes": [{"when": "email_clicks >= 1", "track": "main"}]},
                    ]
                }
            },
            "default route",
        ),
        ({"exit_on": ["replied", "vanished"]}, "exit_on"),
    ],
)
def test_the_loader_is_strict(tmp_path, change, message):
    with pytest.raises((ValidationError, ValueError), match=message):
        load_sequence_file(_write(tmp_path, "t", {**BASE, **change}))


def test_the_file_name_must_match(tmp_path):
    with pytest.raises(ValueError, match="must match the file name"):
        load_sequence_file(_write(tmp_path, "other", BASE))


def test_a_live_edit_reaches_future_steps_only(tmp_path, session, monkeypatch):
    folder = tmp_path / "sequences"
    shutil.copytree(DIRECTORY, folder)
    monkeypatch.setattr("tools.sequences.DIRECTORY", folder)
    ann = lead(session)
    enrollment_id = enroll(session, ann.id, "high_intent", trigger="test", now=WED).enrollment_id
    from core.models import Enrollment

    enrollment = session.get(Enrollment, enrollment_id)
    finish_step(session, enrollment, 1, WED)  # step 1 went out under version 1
    data = yaml.safe_load((folder / "high_intent.yaml").read_text())
    data["version"] = 2
    data["tracks"]["main"][1]["delay_days"] = 1  # step 2 sooner
    data["tracks"]["main"].append({"step": 5, "delay_days": 2, "purpose": "break_up"})
    (folder / "high_intent.yaml").write_text(yaml.safe_dump(data))
    seq = load_sequences()["high_intent"]
    assert seq.version == 2 and seq.next_item("main", 1).delay_days == 1
    assert seq.next_item("main", 4).step == 5  # appended step reached later
    finish_step(session, enrollment, 2, WED + timedelta(days=1))
    assert enrollment.sequence_version == 2  # the version in force for what follows
    assert enrollment.next_due_at == WED + timedelta(days=1 + 4)
    del data["tracks"]["main"][2]  # remove step 3: an enrollment past it ends rather than guess
    (folder / "high_intent.yaml").write_text(yaml.safe_dump({**data, "version": 3}))
    assert load_sequences()["high_intent"].next_item("main", 3) is None


def test_simulate_explains_sends_and_holds_without_writing(session):
    from sqlalchemy import func, select

    from core.models import Enrollment, Event

    tokyo = lead(session, "kenji", timezone="Asia/Tokyo", country="JP")
    before = session.scalar(select(func.count()).select_from(Event))
    friday = datetime(2026, 9, 18, 12, 0, tzinfo=UTC)  # 21:00 in Tokyo, a Friday
    plan = simulate(session, tokyo, "welcome", now=friday)
    first = plan[0]
    assert (first.step, first.status) == (1, "held")
    assert "window: opens Tue 22 Sep 09:00 Asia/Tokyo" in first.reason
    assert first.send_at == datetime(2026, 9, 22, 0, 0, tzinfo=UTC)
    steps = [p for p in plan if p.step]
    assert [p.step for p in steps][:3] == [1, 2, 3]
    assert all(b.send_at - a.send_at >= timedelta(hours=48) for a, b in pairwise(steps))
    branch = next(p for p in plan if p.status == "branch")
    assert "track education, default route" in branch.reason
    assert session.scalar(select(func.count()).select_from(Event)) == before
    assert session.scalar(select(func.count()).select_from(Enrollment)) == 0
    tokyo.consent = "unsubscribed"
    blocked = simulate(session, tokyo, "welcome", now=friday)
    assert [p.status for p in blocked] == ["blocked"] and "unsubscribed" in blocked[0].reason


def test_simulate_applies_the_enrollment_rules(session):
    ann = lead(session)
    enroll(session, ann.id, "welcome", trigger="test", now=WED)
    replacing = simulate(session, ann, "high_intent", now=WED)
    assert (replacing[0].status, replacing[0].reason) == (
        "note",
        "would replace welcome (higher priority)",
    )
    enroll(session, ann.id, "high_intent", trigger="test", now=WED)
    refused = simulate(session, ann, "long_nurture", now=WED)
    assert [p.status for p in refused] == ["blocked"]
    assert "would not be enrolled: already in high_intent" in refused[0].reason
