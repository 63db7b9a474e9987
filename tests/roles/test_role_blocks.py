"""The bundled role library: every original id exists, blocks are well formed, catalog shape."""

from __future__ import annotations

import json

import pytest

from smart_spawn_plugin.roles import blocks as blocks_mod
from smart_spawn_plugin.roles import library, list_blocks

# The original Smart Spawn's ids (reference §5.1), verbatim: configs written for it must work.
ORIGINAL_PERSONAS = [
    "software-engineer",
    "frontend-engineer",
    "backend-engineer",
    "fullstack-engineer",
    "devops-engineer",
    "data-engineer",
    "mobile-engineer",
    "systems-engineer",
    "security-engineer",
    "ml-engineer",
    "performance-engineer",
    "architect",
    "api-designer",
    "database-architect",
    "analyst",
    "data-analyst",
    "market-analyst",
    "financial-analyst",
    "problem-solver",
    "debugger",
    "mathematician",
    "writer",
    "technical-writer",
    "copywriter",
    "editor",
    "social-media",
    "product-manager",
    "strategist",
    "ux-researcher",
    "project-manager",
    "ui-designer",
    "brand-designer",
    "sysadmin",
    "teacher",
    "legal-analyst",
    "assistant",
]
ORIGINAL_STACK = [
    "react",
    "nextjs",
    "vue",
    "svelte",
    "angular",
    "tailwind",
    "shadcn",
    "css",
    "animation",
    "threejs",
    "nodejs",
    "typescript",
    "python",
    "fastapi",
    "django",
    "flask",
    "rust",
    "go",
    "java",
    "csharp",
    "php",
    "ruby",
    "elixir",
    "swift",
    "kotlin",
    "react-native",
    "flutter",
    "sql",
    "postgres",
    "mysql",
    "supabase",
    "prisma",
    "drizzle",
    "mongodb",
    "redis",
    "elasticsearch",
    "kafka",
    "rabbitmq",
    "graphql",
    "rest",
    "grpc",
    "websocket",
    "auth",
    "stripe",
    "payment-general",
    "docker",
    "kubernetes",
    "cicd",
    "terraform",
    "aws",
    "gcp",
    "nginx",
    "caddy",
    "monitoring",
    "testing",
    "playwright",
    "bash",
    "powershell",
    "llm",
    "rag",
    "langchain",
    "fine-tuning",
    "pytorch",
    "pandas",
    "solidity",
    "web3-frontend",
    "vercel",
    "railway",
    "cloudflare",
    "firebase",
    "convex",
    "markdown",
    "astro",
    "json",
    "yaml",
    "regex",
    "email",
    "a11y",
    "seo",
    "performance",
    "i18n",
    "git",
]
ORIGINAL_DOMAINS = [
    "fintech",
    "ecommerce",
    "saas",
    "marketplace",
    "gaming",
    "crypto",
    "healthcare",
    "education",
    "media",
    "iot",
    "logistics",
    "real-estate",
    "social-platform",
    "legal",
    "developer-tools",
]
ORIGINAL_FORMATS = [
    "full-implementation",
    "fix-debug",
    "refactor",
    "explain",
    "review",
    "comparison",
    "planning",
    "documentation",
    "copywriting",
    "social-post",
    "data-report",
    "migration",
    "pitch-deck",
    "project-proposal",
    "user-story",
    "email",
    "legal-doc",
]
ORIGINAL_GUARDRAILS = {
    "code": 3,
    "research": 3,
    "concise": 2,
    "security": 3,
    "production": 3,
    "accuracy": 3,
}
TECH_NOTES = {"nextjs", "vue", "angular", "python", "java", "csharp"}


def test_original_id_lists_are_the_documented_sizes():
    assert (len(ORIGINAL_PERSONAS), len(ORIGINAL_STACK)) == (36, 82)
    assert (len(ORIGINAL_DOMAINS), len(ORIGINAL_FORMATS), len(ORIGINAL_GUARDRAILS)) == (15, 17, 6)


def test_every_original_id_exists():
    lib = library()
    assert set(ORIGINAL_PERSONAS) <= set(lib.personas)
    assert set(ORIGINAL_STACK) <= set(lib.stacks)
    assert set(ORIGINAL_DOMAINS) <= set(lib.domains)
    assert set(ORIGINAL_FORMATS) <= set(lib.formats)
    assert set(ORIGINAL_GUARDRAILS) <= set(lib.guardrails)


def test_guardrail_rule_counts_match_the_original():
    """Same counts keep the 6-rule cap biting where it did for the original."""
    lib = library()
    assert {g: len(lib.guardrails[g].rules) for g in ORIGINAL_GUARDRAILS} == ORIGINAL_GUARDRAILS


def test_tech_notes_on_the_same_stack_blocks_as_the_original():
    assert {s.id for s in library().stacks.values() if s.tech_notes} == TECH_NOTES


def test_every_block_has_a_title_and_nonempty_content():
    lib = library()
    tables = (lib.personas, lib.stacks, lib.domains, lib.formats, lib.guardrails)
    for table in tables:
        for block_id, block in table.items():
            assert block.id == block_id
            assert block.title.strip()
            assert block.content.strip()
    for stack in lib.stacks.values():
        assert 3 <= len(stack.instructions) <= 6
        assert all(line.strip() and "\n" not in line for line in stack.instructions)


def test_ids_are_unique_across_nothing_but_their_kind():
    """``email`` is both a stack and a format block in the original; the kinds are separate."""
    lib = library()
    assert "email" in lib.stacks
    assert "email" in lib.formats


def test_persona_auto_guardrails_match_the_original_rules():
    """§5.3 step 2: code personas get code, security adds security, analysts research+accuracy,
    ops personas production, and every persona concise last."""
    lib = library()
    code = {
        "software-engineer", "frontend-engineer", "backend-engineer", "fullstack-engineer",
        "devops-engineer", "data-engineer", "mobile-engineer", "systems-engineer",
        "ml-engineer", "performance-engineer", "database-architect", "api-designer",
    }  # fmt: skip
    research = {"analyst", "data-analyst", "market-analyst", "financial-analyst", "ux-researcher"}
    production = {"devops-engineer", "sysadmin", "architect"}
    for pid in ORIGINAL_PERSONAS:
        expected: list[str] = []
        if pid == "security-engineer":
            expected += ["security", "code"]
        if pid in code:
            expected.append("code")
        if pid in research:
            expected += ["research", "accuracy"]
        if pid in production:
            expected.append("production")
        expected.append("concise")
        assert list(lib.personas[pid].auto_guardrails) == expected, pid


def test_blocks_catalog_has_the_original_shape():
    catalog = json.loads(json.dumps(list_blocks().wire()))  # JSON-ready
    assert set(catalog) == {"personas", "stack", "domains", "formats", "guardrails", "counts"}
    assert catalog["counts"] == {
        "personas": 36,
        "stack": 82,
        "domains": 15,
        "formats": 17,
        "guardrails": 6,
    }
    personas = catalog["personas"]
    assert isinstance(personas, list)
    assert set(personas[0]) == {"id", "title", "core"}
    assert personas[0]["id"] == "software-engineer"
    for key in ("stack", "domains", "formats"):
        items = catalog[key]
        assert isinstance(items, list)
        assert all(set(item) == {"id", "instructions"} for item in items)
        assert all(isinstance(item["instructions"], int) for item in items)
    assert catalog["guardrails"] == list(ORIGINAL_GUARDRAILS)
    assert [s["id"] for s in catalog["stack"]] == ORIGINAL_STACK


def test_library_is_loaded_once():
    assert library() is library()


def test_broken_data_file_is_a_clear_error(monkeypatch):
    from smart_spawn_plugin.errors import SmartSpawnError

    monkeypatch.setitem(blocks_mod._FILES, "domain", "no-such-file.json")
    with pytest.raises(SmartSpawnError, match=r"no-such-file\.json"):
        blocks_mod._read("domain", blocks_mod.DomainBlock)
