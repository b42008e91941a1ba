"""The LLM judge of draft tone and relevance (evals only): a typed verdict, one corrective retry.

Graders in code stay the gate for grounding and form; the judge adds a rubric score that only a
model can give. Its prompt is prompts/judge_draft.yaml; a rejected answer is sent back once with
the validation errors (prompts/judge_fix.yaml), then the draft counts as "cannot judge".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pydantic
from pydantic import BaseModel, Field, model_validator

from agent.llm import ModelClient, ModelUnavailable
from prompts.loader import load_prompt, prompt_hash

Score = Literal[1, 2, 3, 4, 5]
PURPOSE = "judge"  # LLMSettings.model_for("judge") -> NURTURE_MODEL_JUDGE, else the draft model


class JudgeScores(BaseModel):
    """Rubric scores for one draft and the reasons that drove them."""

    kind: Literal["scores"] = Field(description="Always 'scores' when you could judge the draft.")
    relevance: Score = Field(
        description="1-5: does the email follow from the lead's own recent activity, fit their "
        "role and give them something useful, with an ask right for the buying stage?"
    )
    tone: Score = Field(
        description="1-5: plain, specific, respectful and human; no hype, pressure or template."
    )
    overall: Score = Field(
        description="1-5 overall; never higher than the lower of relevance and tone plus one."
    )
    reasons: list[str] = Field(
        description="One short reason per point that drove the scores; at least one."
    )

    @model_validator(mode="after")
    def _consistent(self) -> JudgeScores:
        """The rubric's own rules, checked so a sloppy answer is sent back once."""
        if self.overall > min(self.relevance, self.tone) + 1:
            raise ValueError(
                f"overall {self.overall} is higher than min(relevance {self.relevance}, "
                f"tone {self.tone}) + 1"
            )
        if not any(reason.strip() for reason in self.reasons):
            raise ValueError("give at least one non-empty reason")
        return self


class CannotJudge(BaseModel):
    """There is nothing the rubric can score (empty, unreadable or not an email)."""

    kind: Literal["cannot_judge"] = Field(description="Always 'cannot_judge' in this branch.")
    reason: str = Field(description="Why this draft cannot be judged, in one sentence.")


class JudgeAnswer(BaseModel):
    """The judge's answer: rubric scores, or why the draft cannot be judged."""

    verdict: JudgeScores | CannotJudge = Field(
        description="Scores when the draft can be judged; cannot_judge with a reason otherwise."
    )


@dataclass(frozen=True)
class Judgement:
    """What the judge said about one draft: scores, or why there are none."""

    scores: JudgeScores | None
    cannot_judge: str | None
    attempts: int
    model: str | None = None

    def as_output(self) -> dict:
        """The judgement as a case's output field."""
        if self.scores is None:
            return {"cannot_judge": self.cannot_judge, "attempts": self.attempts}
        return self.scores.model_dump(exclude={"kind"}) | {"attempts": self.attempts}


def judge_version() -> str:
    """ "judge_draft@vN:hash12", recorded with the judge's scores."""
    return f"judge_draft@v{load_prompt('judge_draft').version}:{prompt_hash('judge_draft')[:12]}"


def judge_messages(*, stage: str, why_now: str, lead_profile: str, subject: str, body: str):
    """The judge_draft prompt for one draft (the draft and profile go in untrusted blocks)."""
    return load_prompt("judge_draft").messages(
        stage=stage, why_now=why_now, lead_profile=lead_profile, subject=subject, body=body
    )


def _branch(part: object) -> str:
    """A readable union-branch name: 'function-after[_consistent(), JudgeScores]' -> 'scores'."""
    text = str(part)
    for model, name in ((JudgeScores, "scores"), (CannotJudge, "cannot_judge")):
        if model.__name__ in text:
            return name
    return text


def validation_errors(exc: ModelUnavailable) -> str | None:
    """The schema errors behind an invalid answer as text for the model, else None.

    Errors of the union branch the answer did not choose (its `kind` does not match) are left
    out: they only say "this is not the other branch".
    """
    cause = exc.__cause__
    if not isinstance(cause, pydantic.ValidationError):
        return None
    errors = cause.errors(include_url=False)
    other = {
        tuple(e["loc"][:2])
        for e in errors
        if e["type"] == "literal_error" and e["loc"][-1] == "kind"
    }
    kept = [e for e in errors if tuple(e["loc"][:2]) not in other] or errors
    return "\n".join(
        f"- {'.'.join(_branch(part) for part in e['loc']) or 'answer'}: {e['msg']}" for e in kept
    )


def judge_draft(client: ModelClient, messages: list[dict]) -> Judgement:
    """Ask the judge; an invalid answer is sent back once with its errors, then cannot judge."""
    turn, errors = messages, ""
    for attempt in (1, 2):
        try:
            result = client.structured(PURPOSE, turn, JudgeAnswer)
        except ModelUnavailable as exc:
            errors = validation_errors(exc) or ""
            if not errors:
                return Judgement(None, f"model unavailable: {exc.reason}", attempt)
            fix = load_prompt("judge_fix").render_user(errors=errors)
            turn = [*messages, {"role": "user", "content": fix}]
            continue
        verdict = result.parsed.verdict if result.parsed else None
        if isinstance(verdict, JudgeScores):
            return Judgement(verdict, None, attempt, result.model)
        reason = verdict.reason if verdict else "the judge answered with no verdict"
        return Judgement(None, reason, attempt, result.model)
    return Judgement(None, f"invalid answer twice:\n{errors}", 2)


JUDGE_OFFLINE = "judge not run (offline backend)"
_SCORES = ("relevance", "tone", "overall")


def judge_metrics(judgements: list[Judgement]) -> dict[str, float]:
    """judge_<score>: mean score mapped to [0, 1] ((s - 1) / 4, so 3 of 5 is 0.5) over the
    judged drafts; judge_coverage: the share of drafts the judge could score."""
    scored = [j.scores for j in judgements if j.scores is not None]
    metrics = {"judge_coverage": len(scored) / len(judgements) if judgements else 0.0}
    for name in _SCORES:
        values = [getattr(s, name) for s in scored]
        metrics[f"judge_{name}"] = (sum(values) / len(values) - 1) / 4 if values else 0.0
    return metrics


def judge_details(judgements: list[Judgement], configured_model: str) -> dict:
    """What the report records about the judge: model, prompt version and hash, raw means."""
    scored = [j.scores for j in judgements if j.scores is not None]
    answered = sorted({j.model for j in judgements if j.model})
    return {
        "ran": True,
        "model": configured_model,
        "served_by": answered,
        "prompt": judge_version(),
        "prompt_hashes": {name: prompt_hash(name)[:16] for name in ("judge_draft", "judge_fix")},
        "judged": len(scored),
        "cannot_judge": len(judgements) - len(scored),
        "retried": sum(j.attempts > 1 for j in judgements),
        "mean_scores": {
            name: round(sum(getattr(s, name) for s in scored) / len(scored), 2) if scored else None
            for name in _SCORES
        },
    }
