"""The planner's bundled vocabulary (``data/decompose.json``) and keyword helpers: splitting
words, budget words, category, persona, stage and artifact rules, subject words. Read once, on
first use; validated into typed tables so a bad data file fails loudly, naming the field.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from smart_spawn_plugin.models import Category

Stage = Literal[
    "research",
    "design",
    "setup",
    "build",
    "integrate",
    "test",
    "synthesize",
    "docs",
    "review",
    "release",
]
Artifact = Literal["schema", "api", "component", "config", "test", "docs"]


# ----------------------------------------------------------------------------- keyword helpers
def terms(spec: str) -> re.Pattern[str]:
    """One case-insensitive pattern from ``"word|other word|词"``: latin words match whole, with
    common inflections (-s, -es, -ed, -ing; "write" → "writing"); CJK words match anywhere (CJK
    text has no word boundaries)."""
    words = [w for w in spec.split("|") if w]
    latin: list[str] = []
    for word in (w for w in words if w.isascii()):
        stem = re.escape(word).replace(r"\ ", r"\s+")
        latin.append(stem[:-1] + "(?:e|es|ed|ing)" if word.endswith("e") else stem)
    cjk = [re.escape(w) for w in words if not w.isascii()]
    alts = []
    if latin:
        alts.append(r"\b(?:" + "|".join(latin) + r")(?:s|es|ed|ing)?\b")
    if cjk:
        alts.append("|".join(cjk))
    return re.compile("|".join(alts), re.IGNORECASE)


def count_hits(pattern: re.Pattern[str], text: str) -> int:
    return len({m.group(0).lower() for m in pattern.finditer(text)})


# -------------------------------------------------------------------------- bundled vocabulary
class _Data(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )


R = TypeVar("R", bound=_Data)


class RuleList(_Data, Generic[R]):
    """An ordered list of keyword rules with a note on how they are used."""

    about: str = ""
    rules: tuple[R, ...]


class SplittingWords(_Data):
    about: str = ""
    sequencing_words: tuple[str, ...]
    not_then_words: tuple[str, ...]
    intro_phrases: tuple[str, ...]
    action_verbs: tuple[str, ...] = ()
    coordinating_verbs: tuple[str, ...] = ()


class BudgetWords(_Data):
    about: str = ""
    down: tuple[str, ...]
    up: tuple[str, ...]


class CategoryRule(_Data):
    category: Category
    words: tuple[str, ...]


class PersonaRule(_Data):
    persona: str
    priority: int
    words: tuple[str, ...]


class StageRule(_Data):
    stage: Stage
    weight: float
    words: tuple[str, ...]


class ArtifactRule(_Data):
    artifact: Artifact
    words: tuple[str, ...]


class SubjectWords(_Data):
    about: str = ""
    stop_words: tuple[str, ...]
    generic_words: tuple[str, ...]
    stage_vocabulary: tuple[str, ...]


class Vocabulary(_Data):
    """``data/decompose.json``: the keyword tables of decomposition and dependency inference."""

    about: str = ""
    splitting: SplittingWords
    budget: BudgetWords
    categories: RuleList[CategoryRule]
    personas: RuleList[PersonaRule]
    stages: RuleList[StageRule]
    artifacts: RuleList[ArtifactRule]
    subjects: SubjectWords


@cache
def load_vocabulary() -> Vocabulary:
    """The bundled ``data/decompose.json``, read and validated once per process."""
    ref = resources.files("smart_spawn_plugin").joinpath("data", "decompose.json")
    return Vocabulary.model_validate_json(ref.read_text(encoding="utf-8"))
