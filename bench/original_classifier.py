"""A faithful copy of the ORIGINAL Smart Spawn server classifier, for comparison only.

Source: reference/original-smart-spawn.md §3.1 (src/scoring-utils.ts ``classifyTask``). The text
is lower-cased; for each category the number of keywords that occur **as substrings** is counted;
the highest count wins, ties go to the earlier category in the order coding, reasoning, creative,
research, fast-cheap, vision; a count of 0 gives ``general``. A task that is exactly a category
name (case-sensitive) is used as is.

Its defects (substring hits such as "go" in "good") are kept on purpose: this module exists so
``bench/classify_quality.py`` can measure the original, not to be used for routing.
"""

from __future__ import annotations

KNOWN_CATEGORIES = (
    "coding",
    "reasoning",
    "creative",
    "research",
    "general",
    "fast-cheap",
    "vision",
)

KEYWORDS: dict[str, tuple[str, ...]] = {
    "coding": (
        "code",
        "coding",
        "program",
        "debug",
        "fix",
        "implement",
        "refactor",
        "typescript",
        "python",
        "javascript",
        "rust",
        "go",
        "java",
        "sql",
        "api",
        "endpoint",
        "function",
        "class",
        "test",
        "bug",
        "compile",
        "build",
        "deploy",
        "docker",
        "git",
        "schema",
        "database",
        "db",
        "pr",
        "review",
    ),
    "reasoning": (
        "reason",
        "reasoning",
        "analyze",
        "analysis",
        "think",
        "logic",
        "math",
        "calculate",
        "prove",
        "deduce",
        "evaluate",
        "compare",
        "decision",
        "strategy",
        "plan",
        "architecture",
        "design",
    ),
    "creative": (
        "creative",
        "write",
        "story",
        "poem",
        "essay",
        "blog",
        "content",
        "marketing",
        "copy",
        "brainstorm",
        "idea",
        "name",
        "slogan",
        "narrative",
        "fiction",
        "script",
    ),
    "research": (
        "research",
        "search",
        "find",
        "look up",
        "investigate",
        "survey",
        "summarize",
        "compile",
        "report",
        "literature",
        "paper",
        "study",
        "document",
        "learn about",
    ),
    "fast-cheap": (
        "quick",
        "fast",
        "cheap",
        "simple",
        "brief",
        "short",
        "classify",
        "label",
        "tag",
        "extract",
        "parse",
        "format",
        "convert",
    ),
    "vision": (
        "image",
        "picture",
        "photo",
        "screenshot",
        "diagram",
        "chart",
        "visual",
        "see",
        "look at",
        "describe image",
        "ocr",
    ),
}
ORDER = ("coding", "reasoning", "creative", "research", "fast-cheap", "vision")


def classify_task(task: str) -> str:
    """The original's category for ``task`` (substring keyword counts)."""
    if task in KNOWN_CATEGORIES:
        return task
    lower = task.lower()
    best, best_count = "general", 0
    for category in ORDER:
        count = sum(1 for kw in KEYWORDS[category] if kw in lower)
        if count > best_count:  # strict: ties keep the earlier category
            best, best_count = category, count
    return best
