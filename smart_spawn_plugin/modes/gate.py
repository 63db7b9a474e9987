"""The cascade quality gate: cheap checks first, then a judge model with a rubric.

The original's gate was "output ≥ 500 characters" (§11.33). Ours, in order:

1. **cheap checks** on the spawn record (no model call): the spawn did not end ``ok``
   (error/timeout/cancelled), empty output, a refusal, a truncated answer (finish reason
   ``length``, or an unclosed code fence). Any hit fails the gate with confidence 0.
2. **judge**: a sub-agent scores the answer 0–10 against a rubric and replies with JSON
   ``{"score": n, "reason": "..."}``. :func:`parse_judge` reads it robustly (JSON anywhere in
   the reply, then a ``score: n`` / ``n/10`` regex). An unparseable reply counts as confidence 0
   and the verdict says so, so the cascade escalates rather than trusting an unread verdict.

Confidence = score / 10; the gate passes when confidence ≥ ``minConfidence``.
"""

from __future__ import annotations

import json
import re
from typing import Final

from smart_spawn_plugin.models import Wire
from smart_spawn_plugin.modes.base import SpawnRecord
from smart_spawn_plugin.modes.support import bounded

#: Refusal openings; matched near the start of short answers only, so an answer that merely
#: quotes such a phrase deep inside useful content is not called a refusal.
REFUSAL_PATTERNS: Final = re.compile(
    r"\b(i\s*(?:'m|am)\s+sorry,?\s+but\s+i\s+(?:can(?:'|no)t|won't|am\s+unable)"
    r"|i\s+(?:can(?:'|no)t|won't|am\s+(?:not\s+able|unable)\s+to)\s+(?:help|assist|comply|"
    r"provide|do\s+that|fulfil+)"
    r"|as\s+an\s+ai(?:\s+language\s+model)?,?\s+i\s+(?:can(?:'|no)t|am\s+unable)"
    r"|i\s+must\s+decline)",
    re.IGNORECASE,
)
REFUSAL_WINDOW: Final = 300
REFUSAL_MAX_LEN: Final = 1_500
#: The judge sees at most this much of the task and of the answer.
JUDGE_TASK_CHARS: Final = 4_000
JUDGE_ANSWER_CHARS: Final = 8_000

_JSON_OBJECT = re.compile(r"\{[^{}]*\}", re.DOTALL)
_SCORE_FIELD = re.compile(r"score\"?\s*[:=]\s*\"?(\d+(?:\.\d+)?)", re.IGNORECASE)
_OUT_OF_TEN = re.compile(r"\b(\d+(?:\.\d+)?)\s*/\s*10\b")


class Verdict(Wire):
    """A gate decision: which check decided, the confidence 0–1 (None = no judge ran)."""

    passed: bool
    check: str
    confidence: float | None
    reason: str


class JudgeScore(Wire):
    """A parsed judge reply: ``score`` 0–10, or None when unparseable."""

    score: float | None
    reason: str
    parsed: bool


def cheap_check(record: SpawnRecord) -> Verdict | None:
    """A failing verdict from a check that needs no model call, or None when all pass."""
    if record.outcome != "ok":
        return _fail("error", f"spawn ended {record.outcome}: {record.error or 'no detail'}")
    text = (record.output or "").strip()
    if not text:
        return _fail("empty", "empty answer")
    if len(text) <= REFUSAL_MAX_LEN and REFUSAL_PATTERNS.search(text[:REFUSAL_WINDOW]):
        return _fail("refusal", "the model refused")
    if (record.finish_reason or "").lower() in ("length", "max_tokens"):
        return _fail("truncated", "answer cut at the token limit")
    if text.count("```") % 2 == 1:
        return _fail("truncated", "answer ends inside an unclosed code block")
    return None


def _fail(check: str, reason: str) -> Verdict:
    return Verdict(passed=False, check=check, confidence=0.0, reason=reason)


def judge_prompt(task: str, answer: str) -> str:
    """The rubric prompt for the judge sub-agent (both inputs bounded)."""
    return (
        "You are a strict reviewer. Grade the ANSWER to the TASK.\n\n"
        "Rubric (0-10): correctness and factual accuracy (4), completeness — every part of the "
        "task addressed (3), clarity and usefulness (2), follows the requested format (1). "
        "A refusal, an off-topic or an unfinished answer scores at most 2.\n\n"
        'Reply with JSON only, exactly: {"score": <0-10>, "reason": "<one sentence>"}\n\n'
        f"TASK:\n{bounded(task, JUDGE_TASK_CHARS)}\n\n"
        f"ANSWER:\n{bounded(answer, JUDGE_ANSWER_CHARS)}\n"
    )


def parse_judge(text: str | None) -> JudgeScore:
    """Read a judge reply: JSON (possibly fenced or surrounded by prose), else a regex."""
    if not text or not text.strip():
        return JudgeScore(score=None, reason="judge reply empty", parsed=False)
    for match in _JSON_OBJECT.finditer(text):
        try:
            data = json.loads(match.group(0))
        except ValueError:
            continue
        if isinstance(data, dict) and "score" in data:
            score = _number(data["score"])
            if score is not None:
                reason = data.get("reason")
                return JudgeScore(
                    score=_clamp(score),
                    parsed=True,
                    reason=str(reason) if reason else "no reason given",
                )
    found = _SCORE_FIELD.search(text) or _OUT_OF_TEN.search(text)
    if found:
        return JudgeScore(
            score=_clamp(float(found.group(1))), parsed=True, reason=bounded(text.strip(), 200)
        )
    return JudgeScore(
        score=None, reason="judge reply unparseable: " + bounded(text, 120), parsed=False
    )


def verdict_from_judge(judge: JudgeScore, min_confidence: float) -> Verdict:
    """Pass when score/10 ≥ ``min_confidence``; an unparsed reply fails with confidence 0."""
    if judge.score is None:
        return Verdict(
            passed=False,
            check="judge_unparseable",
            confidence=0.0,
            reason=judge.reason + " (treated as low confidence)",
        )
    confidence = round(judge.score / 10.0, 3)
    return Verdict(
        passed=confidence >= min_confidence,
        check="judge",
        confidence=confidence,
        reason=judge.reason,
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _clamp(score: float) -> float:
    return max(0.0, min(10.0, score))
