"""Sequence definitions: versioned YAML playbooks in tools/config/sequences, loaded strictly.

A sequence has tracks; `main` runs first. A track is a list of steps (each with a stable `step`
number, a delay after the previous step, and a purpose that guides the draft) and may end in a
branch: after waiting `after_days`, the first route whose `when` filter (the segment filter
language, evaluated for the lead at that moment) matches picks the next track, or moves the lead
to another sequence; the route without `when` is the default.

Editing a live sequence affects future steps only. An enrollment remembers its track and the
number of the last step it finished (`current_step`, 0 = start of the track); the worker looks the
next item up in the *current* file each time, and stamps the version it used on the enrollment
(`sequence_version`) and on the step's timeline event. So: change a later step's text, delay or
purpose and in-flight leads get the new one; add steps at the end or in new tracks and they are
picked up; steps already sent are never re-sent. Step numbers are identities: never reuse one for
a different step, and bump `version` on every edit.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from tools.segment_filter import FilterError, compile_filter

DIRECTORY = Path(__file__).parent / "config" / "sequences"
Purpose = Literal[
    "deliver_asset", "problem_context", "proof", "decision", "break_up", "adoption_help",
    "conversion", "direct_question",
]  # fmt: skip
Exit = Literal[
    "replied", "meeting_booked", "unsubscribed", "bounced", "opportunity", "customer",
    "manual_stop",
]  # fmt: skip
ALL_EXITS: tuple[str, ...] = Exit.__args__


class UnknownSequence(LookupError):
    """No sequence has that name."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Strict):
    """One email: sent `delay_days` after the previous step (or the start of its track)."""

    step: int = Field(ge=1, description="stable number, unique in the sequence")
    delay_days: float = Field(ge=0, le=365)
    purpose: Purpose
    note: str = Field("", description="guidance for the reviewer and the drafter")


class Route(_Strict):
    """One way out of a branch: a condition and where it leads."""

    when: str | None = None
    track: str | None = None
    enroll: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Route:
        if (self.track is None) == (self.enroll is None):
            raise ValueError("a route needs exactly one of `track` or `enroll`")
        if self.when is not None:
            try:
                compile_filter(self.when)
            except FilterError as exc:
                raise ValueError(f"bad `when` filter {self.when!r}: {exc}") from exc
        return self


class Branch(_Strict):
    """A decision at the end of a track, taken `after_days` after the track's last step."""

    branch: str
    after_days: float = Field(0, ge=0, le=365)
    routes: list[Route] = Field(min_length=1)

    @model_validator(mode="after")
    def _default_last(self) -> Branch:
        defaults = [i for i, r in enumerate(self.routes) if r.when is None]
        if defaults != [len(self.routes) - 1]:
            raise ValueError("a branch needs exactly one default route (no `when`), listed last")
        return self


def _item_kind(value: object) -> str:
    return "branch" if isinstance(value, dict) and "branch" in value else "step"


Item = Annotated[Annotated[Step, Tag("step")] | Annotated[Branch, Tag("branch")],
                 Discriminator(_item_kind)]  # fmt: skip


class Sequence(_Strict):
    """A playbook: tracks of steps, exit conditions and enrollment policy."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    description: str
    exclusive: bool = Field(True, description="counts as the lead's one active nurture sequence")
    priority: int = Field(0, description="an exclusive sequence replaces lower-priority ones")
    reenroll_after_days: int | None = Field(None, ge=0, description="None: once per lead")
    exit_on: list[Exit] = Field(default_factory=lambda: list(ALL_EXITS))
    tracks: dict[str, list[Item]]

    @model_validator(mode="after")
    def _check_tracks(self) -> Sequence:
        if not self.tracks.get("main"):
            raise ValueError("a sequence needs a non-empty `main` track")
        numbers, targets = [], {"main"}
        for name, items in self.tracks.items():
            if not items or not isinstance(items[0], Step):
                raise ValueError(f"track {name!r} must start with a step")
            for i, item in enumerate(items):
                if isinstance(item, Branch):
                    if i != len(items) - 1:
                        raise ValueError(f"track {name!r}: a branch must be its last item")
                    for route in item.routes:
                        if route.track is not None and route.track not in self.tracks:
                            raise ValueError(f"branch {item.branch!r}: no track {route.track!r}")
                        targets.add(route.track)
                else:
                    numbers.append(item.step)
        if len(numbers) != len(set(numbers)):
            raise ValueError("step numbers must be unique within a sequence")
        if unreachable := sorted(set(self.tracks) - targets):
            raise ValueError(f"tracks no branch leads to: {unreachable}")
        return self

    def steps(self) -> list[Step]:
        """Every step of every track."""
        return [item for items in self.tracks.values() for item in items if isinstance(item, Step)]

    def step(self, number: int) -> Step:
        """The step with this number."""
        for item in self.steps():
            if item.step == number:
                return item
        raise KeyError(f"{self.name} has no step {number}")

    def next_item(self, track: str, after_step: int) -> Step | Branch | None:
        """What follows step `after_step` in `track` (0: the track's first item); None at the end.

        A step number not in the track (removed by an edit) ends the track: better to stop than
        to guess and send something twice.
        """
        items = self.tracks.get(track) or []
        if after_step == 0:
            return items[0] if items else None
        for i, item in enumerate(items):
            if isinstance(item, Step) and item.step == after_step:
                return items[i + 1] if i + 1 < len(items) else None
        return None


def load_sequence_file(path: Path) -> Sequence:
    """Parse one YAML file; its `name` must match the file name."""
    data = yaml.safe_load(path.read_text())
    sequence = Sequence.model_validate(data)
    if sequence.name != path.stem:
        raise ValueError(f"{path.name}: name {sequence.name!r} must match the file name")
    return sequence


@lru_cache(maxsize=8)
def _load(directory: Path, stamp: tuple) -> dict[str, Sequence]:
    found = {p.stem: load_sequence_file(p) for p in sorted(directory.glob("*.yaml"))}
    for sequence in found.values():
        for items in sequence.tracks.values():
            for item in items:
                for route in item.routes if isinstance(item, Branch) else []:
                    if route.enroll is not None and route.enroll not in found:
                        raise ValueError(f"{sequence.name}: route enrolls unknown {route.enroll!r}")
    return found


def load_sequences(directory: Path | None = None) -> dict[str, Sequence]:
    """Every sequence by name; re-read when a file changes (live edits reach running workers)."""
    directory = Path(directory or DIRECTORY).resolve()
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.yaml")))
    return _load(directory, stamp)


def get_sequence(name: str, directory: Path | None = None) -> Sequence:
    """One sequence by name, or UnknownSequence."""
    try:
        return load_sequences(directory)[name]
    except KeyError:
        raise UnknownSequence(name) from None
