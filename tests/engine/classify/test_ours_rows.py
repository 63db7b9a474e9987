"""Our own labelled prompts (``data/classifier/ours.jsonl``): well-formed, and disjoint from the
dev set the classifier is measured on, so leave-source-out figures stay honest."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from smart_spawn_plugin.models import CATEGORIES

ROOT = Path(__file__).resolve().parents[3]
DEV = ROOT.parent / "shared" / "data" / "prompts" / "dev.jsonl"
OURS = ROOT / "smart_spawn_plugin" / "data" / "classifier" / "ours.jsonl"
SOURCES = {"smart-spawn:hand-written", "smart-spawn:written-from-definitions"}


def _rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


def _runs(text: str, n: int = 8) -> set[str]:
    """Every run of ``n`` words, or of 15 characters for mostly-CJK text (no spaces)."""
    norm = _norm(text)
    words = norm.split()
    out = {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}
    dense = norm.replace(" ", "")
    if len(re.findall(r"[\u4e00-\u9fff]", dense)) >= 0.3 * max(1, len(dense)):
        out |= {dense[i : i + 15] for i in range(len(dense) - 14)}
    return out


def test_our_rows_are_well_formed_and_distinct() -> None:
    rows = _rows(OURS)
    assert len(rows) == 1723
    assert all(r["category"] in CATEGORIES and r["text"].strip() for r in rows)
    assert {r["source"] for r in rows} == SOURCES
    labels: dict[str, set[str]] = {}
    for r in rows:
        labels.setdefault(_norm(r["text"]), set()).add(r["category"])
    assert all(len(cats) == 1 for cats in labels.values())  # a repeated text: one label
    # Rows 367–508 repeat 13 earlier texts verbatim (same labels); the later rows repeat none.
    assert len(labels) == len(rows) - 13


@pytest.mark.skipif(not DEV.is_file(), reason="shared dev set not present")
def test_no_row_of_ours_repeats_a_dev_row() -> None:
    dev = _rows(DEV)
    dev_prefixes = {_norm(r["text"])[:60] for r in dev}
    dev_runs = set().union(*(_runs(r["text"]) for r in dev))
    shared = [r["text"][:60] for r in _rows(OURS) if _norm(r["text"])[:60] in dev_prefixes]
    assert shared == []
    overlapping = [r["text"][:60] for r in _rows(OURS) if _runs(r["text"]) & dev_runs]
    assert overlapping == []
