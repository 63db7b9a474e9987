"""Regenerate ``smart_spawn_plugin/data/snapshot.json.gz`` from raw publisher files.

Usage: ``python scripts/build_snapshot.py [SOURCE_DIR]`` (default ``../shared/data/sources``
relative to the repository root). Figures only, in our own format (one serialised
``SourceData`` per source); deterministic (sorted keys, gzip mtime 0). To stay small, HF
leaderboard rows are kept only when they match a catalog model, and deprecated AA rows only
when they match; the raw row count and match-rate denominator are recorded so ``status``
reports match rates against the raw rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

from smart_spawn_plugin.engine.catalog.aliases import AliasMatcher, AliasTable
from smart_spawn_plugin.engine.catalog.sources.registry import dump_snapshot, from_source_dir

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "smart_spawn_plugin" / "data" / "snapshot.json.gz"


def main(argv: list[str]) -> int:
    source_dir = Path(argv[1]) if len(argv) > 1 else ROOT / ".." / "shared" / "data" / "sources"
    sources = from_source_dir(source_dir.resolve())
    if "openrouter" not in sources:
        print(f"no openrouter catalog under {source_dir}", file=sys.stderr)
        return 1
    matcher = AliasMatcher(sources["openrouter"].catalog, AliasTable.load())
    for name, keep_unmatched in (("hf-leaderboard", False), ("artificial-analysis", None)):
        if name not in sources:
            continue
        data = sources[name]
        # the match-rate denominator over the raw rows, so status reports raw match rates
        raw_total = matcher.match_source(data).total
        rows = [
            row
            for row in data.rows
            if matcher.match(row) is not None or (keep_unmatched is None and not row.deprecated)
        ]
        sources[name] = data.model_copy(
            update={
                "rows": rows,
                "unfiltered_rows": len(data.rows),
                "unfiltered_total": raw_total,
            }
        )
    raw = dump_snapshot(sources)
    OUT.write_bytes(raw)
    for name, data in sorted(sources.items()):
        print(f"{name}: {data.count} records")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(raw):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
