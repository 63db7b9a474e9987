"""Artifact files of MCP runs: ``<mcp home>/artifacts/<run_id>/<node_id>.<md|json>``.

Each file is recorded in the ``artifacts`` table with its size and SHA-256. Names hold only
``[A-Za-z0-9_-]`` (run ids are hex, node ids ``node-N``, ``merged``, ``result``), so they are
valid on every OS (the original put ``<runId>:`` in file names, invalid on Windows).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Final, Literal

from smart_spawn_plugin.errors import InvalidParam, NotFound
from smart_spawn_plugin.mcp.schema import ArtifactRow, now
from smart_spawn_plugin.mcp.store import RunStore

ArtifactType = Literal["raw", "merged", "result"]
_SAFE: Final = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_EXT: Final[dict[ArtifactType, str]] = {"raw": "md", "merged": "md", "result": "json"}


class ArtifactFiles:
    """Writes and reads artifact files under ``home`` and records them in ``store``."""

    def __init__(self, home: Path, store: RunStore) -> None:
        self.home = home
        self.root = home / "artifacts"
        self.store = store

    def write(
        self,
        run_id: str,
        node_id: str,
        kind: ArtifactType,
        content: str,
        *,
        model: str | None = None,
    ) -> ArtifactRow:
        """Write ``content`` (UTF-8) and record it; replaces an earlier artifact of that id."""
        for name, value in (("run_id", run_id), ("node_id", node_id)):
            if not _SAFE.match(value):
                raise InvalidParam(f"{name}: {value!r} is not a valid id", field=name)
        data = content.encode()
        path = self.root / run_id / f"{node_id}.{_EXT[kind]}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        row = ArtifactRow(
            run_id=run_id,
            node_id=node_id,
            type=kind,
            path=path.relative_to(self.home).as_posix(),
            bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            model=model,
            created_at=now(),
        )
        self.store.add_artifact(row)
        return row

    def read(self, run_id: str, node_id: str) -> tuple[ArtifactRow, str]:
        """The artifact's row and text. ``NotFound`` naming ``node_id`` when there is none."""
        self.store.run(run_id)  # NotFound(run_id) first, for a clear message
        row = self.store.artifact(run_id, node_id)
        try:
            text = (self.home / row.path).read_text(encoding="utf-8")
        except OSError as exc:
            raise NotFound(
                f"node_id: artifact file {row.path} is unreadable: {exc}", field="node_id"
            ) from exc
        return row, text

    def writable(self) -> bool:
        """Whether the artifact directory can be created and written (for the health tool)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".probe"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError:
            return False
        return True
