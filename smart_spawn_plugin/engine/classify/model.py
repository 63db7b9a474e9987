"""The classifier's linear model: packed weight tables, the bundled weights and their file format.

Public API::

    LinearModel(classes, bias, weights, scale=...)  # any model (bench folds build their own)
    LinearModel.from_payload(payload)   # format 1, as scripts/train_classifier.py writes it
    load_model() -> LinearModel         # the bundled weights (read once, cached)
    ModelFileError                      # the weights file is missing or malformed

The weights are package data (``data/classifier/model.json.gz``). Importing this module reads
nothing; the first :func:`load_model` call reads and packs the weights.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from itertools import repeat
from typing import Final

from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.models import CATEGORIES, Category

from .textfeatures import STOPWORDS, TokenSets

__all__ = ["FORMAT_VERSION", "MODEL_FILE", "LinearModel", "ModelFileError", "load_model"]

MODEL_FILE: Final = "model.json.gz"
FORMAT_VERSION: Final = 1


class ModelFileError(SmartSpawnError):
    """The bundled classifier weights are missing or malformed (a packaging bug)."""

    code = "CLASSIFIER_MODEL"


#: Feature kinds with their own lookup table (the prefix before ``:`` in a feature name).
_KINDS: Final = ("w", "b", "c", "z", "y", "m")
#: Kinds whose features can be shown to a reader as evidence (see :func:`_readable`).
_EVIDENCE_KINDS: Final = ("w", "b", "z", "y", "m")
#: Non-integral weights (hand-built models) are packed at this resolution.
_QUANTUM: Final = 1 << 24


class LinearModel:
    """A multinomial linear model: feature → one weight per class, plus a bias per class.

    ``weights`` and ``bias`` are given as raw numbers; the real value is ``raw / scale``
    (``from_payload`` passes the file's integers and its scale). For speed, each feature's weight
    vector is also packed into one Python integer (7 offset fields + a count field), so the
    logits of a text are one C-level ``sum`` over dict lookups — exact integer arithmetic.
    """

    __slots__ = (
        "_count_shift",
        "_evidence",
        "_field",
        "_mask",
        "_offset",
        "_tables",
        "_unit",
        "bias",
        "classes",
        "weights",
    )

    def __init__(
        self,
        classes: Sequence[Category],
        bias: Sequence[float],
        weights: Mapping[str, Sequence[float]],
        *,
        scale: float = 1.0,
    ) -> None:
        self.classes: tuple[Category, ...] = tuple(classes)
        self.bias: tuple[float, ...] = tuple(b / scale for b in bias)
        if len(self.bias) != len(self.classes) or any(
            len(w) != len(self.classes) for w in weights.values()
        ):
            raise ModelFileError("classifier weights do not match the class list")
        self.weights: dict[str, tuple[float, ...]] = {
            k: tuple(x / scale for x in v) for k, v in weights.items()
        }
        self._pack(weights, scale)

    def _pack(self, raw: Mapping[str, Sequence[float]], scale: float) -> None:
        integral = all(float(x).is_integer() for v in raw.values() for x in v)
        factor = 1 if integral else _QUANTUM
        ints = {k: [round(x * factor) for x in v] for k, v in raw.items()}
        self._unit = 1.0 / (scale * factor)
        top = max((abs(x) for v in ints.values() for x in v), default=0)
        self._offset = 1 << (top.bit_length() + 1)  # every field value + offset is >= 0
        # Room for 2**24 features per text without carries between fields.
        self._field = self._offset.bit_length() + 25
        self._mask = (1 << self._field) - 1
        self._count_shift = self._field * len(self.classes)
        self._tables: dict[str, dict[str, int]] = {kind: {} for kind in _KINDS}
        n = len(self.classes)
        # kind → per class: {feature: (label, weight minus the class average)}, only where that
        # difference is positive (the only features that can be evidence for the class).
        self._evidence: dict[str, list[dict[str, tuple[str, float]]]] = {
            kind: [{} for _ in range(n)] for kind in _EVIDENCE_KINDS
        }
        for name, vec in ints.items():
            kind, sep, body = name.partition(":")
            table = self._tables.get(kind)
            if not sep or table is None:
                continue  # a kind the featuriser never produces
            packed = 1 << self._count_shift
            for i, x in enumerate(vec):
                packed |= (x + self._offset) << (i * self._field)
            key = name if kind == "m" else body  # meta features are looked up by full name
            table[key] = packed
            label = _readable(name)
            if label is not None and kind in self._evidence:
                real = self.weights[name]
                mean = sum(real) / n
                for i, w in enumerate(real):
                    if w - mean > 0:
                        self._evidence[kind][i][key] = (label, w - mean)

    def _unpack(self, total: int) -> list[int]:
        """Per-class sums of the raw weights packed into ``total``."""
        count = total >> self._count_shift
        base = count * self._offset
        field, mask = self._field, self._mask
        return [((total >> (i * field)) & mask) - base for i in range(len(self.classes))]

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> LinearModel:
        """Build from the JSON payload written by ``scripts/train_classifier.py``.

        Format 1: ``{"format": 1, "classes": [...], "scale": int, "bias": [int...],
        "weights": {feature: [int...]}}``; real weight = int / scale.
        """
        try:
            if payload["format"] != FORMAT_VERSION:
                raise ModelFileError(f"unsupported classifier format {payload['format']!r}")
            classes = payload["classes"]
            scale = float(payload["scale"])  # type: ignore[arg-type]
            bias = payload["bias"]
            raw = payload["weights"]
            if not (isinstance(classes, list) and isinstance(bias, list) and isinstance(raw, dict)):
                raise TypeError("classes, bias and weights must be list, list and dict")
            unknown = [c for c in classes if c not in CATEGORIES]
            if unknown:
                raise ModelFileError(f"unknown categories in classifier weights: {unknown}")
            return cls(classes, bias, raw, scale=scale)
        except (KeyError, TypeError, ValueError, AssertionError) as exc:
            raise ModelFileError(f"malformed classifier weights: {exc!r}") from exc

    def logits(self, feats: Mapping[str, float]) -> list[float]:
        """Bias plus the weighted sum of the known features (unknown features are ignored).

        The reference implementation over a :func:`~.textfeatures.features` dict; the
        classifier itself uses the packed tables (:meth:`token_logits`), which agree with it.
        """
        acc = list(self.bias)
        n = len(acc)
        get = self.weights.get
        for name, value in feats.items():
            w = get(name)
            if w is not None:
                for i in range(n):
                    acc[i] += w[i] * value
        return acc

    def token_logits(self, ts: TokenSets, meta: Sequence[str]) -> tuple[list[float], float]:
        """Logits of a text from its token sets and meta features, and the token value
        ``1/sqrt(n)``: the same numbers as ``logits(features(text))``, computed with one dict
        lookup per distinct feature."""
        t = self._tables
        zero = repeat(0)
        total = (
            sum(map(t["w"].get, ts.words, zero))
            + sum(map(t["b"].get, ts.bigrams, zero))
            + sum(map(t["c"].get, ts.grams, zero))
            + sum(map(t["z"].get, ts.chars, zero))
            + sum(map(t["y"].get, ts.pairs, zero))
        )
        n = ts.size()
        value = 1.0 / math.sqrt(n) if n else 0.0
        unit = self._unit
        tok = self._unpack(total) if total else [0] * len(self.classes)
        acc = [b + x * unit * value for b, x in zip(self.bias, tok, strict=True)]
        mt = t["m"]
        meta_total = sum(map(mt.get, meta, zero))
        if meta_total:
            acc = [a + x * unit for a, x in zip(acc, self._unpack(meta_total), strict=True)]
        return acc, value

    def evidence(
        self, ts: TokenSets, meta: Sequence[str], value: float, idx: int, k: int = 4
    ) -> list[str]:
        """The k readable features that most favour class ``idx`` over the average class."""
        ev = self._evidence
        scored: list[tuple[float, str]] = []
        for kind, names, v in (
            ("w", ts.words, value),
            ("b", ts.bigrams, value),
            ("z", ts.chars, value),
            ("y", ts.pairs, value),
            ("m", meta, 1.0),
        ):
            table = ev[kind][idx]
            if not names or not table:
                continue
            for name in table.keys() & names:
                label, centred = table[name]
                margin = centred * v
                if margin > 0:
                    scored.append((margin, label))
        scored.sort(reverse=True)
        return [label for _, label in scored[:k]]


@cache
def load_model() -> LinearModel:
    """The bundled weights, read once (gz JSON via importlib.resources) and cached."""
    ref = resources.files("smart_spawn_plugin").joinpath("data", "classifier", MODEL_FILE)
    try:
        payload = json.loads(gzip.decompress(ref.read_bytes()))
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"cannot read classifier weights {MODEL_FILE}: {exc}") from exc
    return LinearModel.from_payload(payload)


def _readable(feature: str) -> str | None:
    kind, _, body = feature.partition(":")
    if kind in ("w", "b", "y", "z"):
        words = body.split()
        # Numbers and pure function-word pairs are real evidence but say nothing to a reader.
        if all(w.isdigit() or w in STOPWORDS for w in words) or body.isdigit():
            return None
        return body
    return {"m:code": "[code]", "m:math": "[maths]"}.get(feature)
