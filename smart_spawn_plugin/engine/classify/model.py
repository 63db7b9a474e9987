"""The classifier's linear model: packed weight tables, the bundled weights and their file format.

Public API::

    LinearModel(classes, bias, weights, scale=...)  # any model (bench folds build their own)
    LinearModel.from_payload(payload)   # format 1, the JSON payload the training script fits
    LinearModel.from_bytes(blob)        # format 2, the pre-packed file shipped as package data
    model.to_bytes() -> bytes           # format 2 (scripts/train_classifier.py writes it)
    load_model() -> LinearModel         # the bundled weights (read once, cached)
    ModelFileError                      # the weights file is missing or malformed

The weights are package data (``data/classifier/model.bin``, format 2): the packed lookup tables
and evidence tables exactly as :class:`LinearModel` holds them in memory, so loading is a zlib
inflate plus one ``int.from_bytes`` per feature (milliseconds) instead of parsing JSON and
re-packing ~10k weight vectors (~0.1 s). Importing this module reads nothing; the first
:func:`load_model` call reads the weights.
"""

from __future__ import annotations

import json
import math
import struct
import sys
import zlib
from array import array
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from itertools import repeat
from typing import Final

from smart_spawn_plugin.errors import SmartSpawnError
from smart_spawn_plugin.models import CATEGORIES, Category

from .textfeatures import STOPWORDS, TokenSets

__all__ = ["FORMAT_VERSION", "MODEL_FILE", "LinearModel", "ModelFileError", "load_model"]

MODEL_FILE: Final = "model.bin"
FORMAT_VERSION: Final = 1
#: The pre-packed binary format (:meth:`LinearModel.to_bytes`).
PACKED_FORMAT: Final = 2
_MAGIC: Final = b"SSCLF2\n"


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
        "_weights",
        "bias",
        "classes",
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
        self._weights: dict[str, tuple[float, ...]] | None = {
            k: tuple(x / scale for x in v) for k, v in weights.items()
        }
        self._pack(weights, scale)

    @property
    def weights(self) -> dict[str, tuple[float, ...]]:
        """Feature name → real weight per class (the reference view; the hot path never uses
        it). A model read with :meth:`from_bytes` rebuilds it from the packed tables once."""
        if self._weights is None:
            unit = self._unit
            self._weights = {
                (key if kind == "m" else f"{kind}:{key}"): tuple(x * unit for x in self._unpack(p))
                for kind, table in self._tables.items()
                for key, p in table.items()
            }
        return self._weights

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

    def to_bytes(self) -> bytes:
        """The model in the pre-packed format 2 (what :func:`load_model` reads).

        Layout (all integers little-endian), zlib-compressed as a whole after the magic line:
        a u32 header length and a JSON header (classes, bias, packing constants, table and
        evidence sizes); per kind in ``_KINDS`` its keys joined by ``\\n`` then its packed
        integers, ``width`` bytes each; per evidence kind and class the indices (u32, into that
        kind's keys) and centred weights (f64) of its evidence features.
        """
        width = (self._count_shift + 8) // 8
        parts: list[bytes] = []
        kinds: dict[str, list[int]] = {}
        index: dict[str, dict[str, int]] = {}
        for kind in _KINDS:
            table = self._tables[kind]
            keys = list(table)
            if any("\n" in k for k in keys):
                raise ModelFileError(f"a {kind}: feature contains a newline")
            blob = "\n".join(keys).encode("utf-8")
            parts.append(blob)
            parts.append(b"".join(table[k].to_bytes(width, "little") for k in keys))
            kinds[kind] = [len(keys), len(blob)]
            index[kind] = {k: i for i, k in enumerate(keys)}
        evidence: dict[str, list[int]] = {}
        for kind in _EVIDENCE_KINDS:
            evidence[kind] = []
            for per_class in self._evidence[kind]:
                idx = array("I", [index[kind][k] for k in per_class])
                centred = array("d", [v[1] for v in per_class.values()])
                if sys.byteorder == "big":  # pragma: no cover - the format is little-endian
                    idx.byteswap()
                    centred.byteswap()
                parts.append(idx.tobytes())
                parts.append(centred.tobytes())
                evidence[kind].append(len(per_class))
        header = {
            "format": PACKED_FORMAT,
            "classes": list(self.classes),
            "bias": list(self.bias),
            "unit": self._unit,
            "offset": self._offset,
            "field": self._field,
            "width": width,
            "kinds": kinds,
            "evidence": evidence,
        }
        head = json.dumps(header, sort_keys=True).encode("utf-8")
        body = struct.pack("<I", len(head)) + head + b"".join(parts)
        return _MAGIC + zlib.compress(body, 9)

    @classmethod
    def from_bytes(cls, blob: bytes) -> LinearModel:
        """Read format 2 (:meth:`to_bytes`); :class:`ModelFileError` if it is not that."""
        if not blob.startswith(_MAGIC):
            raise ModelFileError("classifier weights: not a format-2 model file")
        try:
            body = memoryview(zlib.decompress(blob[len(_MAGIC) :]))
            (n_head,) = struct.unpack_from("<I", body)
            header = json.loads(bytes(body[4 : 4 + n_head]))
            if header["format"] != PACKED_FORMAT:
                raise ModelFileError(f"unsupported classifier format {header['format']!r}")
            classes = header["classes"]
            unknown = [c for c in classes if c not in CATEGORIES]
            if unknown:
                raise ModelFileError(f"unknown categories in classifier weights: {unknown}")
            self = cls.__new__(cls)
            self.classes = tuple(classes)
            self.bias = tuple(float(b) for b in header["bias"])
            if len(self.bias) != len(self.classes):
                raise ModelFileError("classifier weights do not match the class list")
            self._unit = float(header["unit"])
            self._offset = int(header["offset"])
            self._field = int(header["field"])
            self._mask = (1 << self._field) - 1
            self._count_shift = self._field * len(self.classes)
            self._weights = None
            width = int(header["width"])
            pos = 4 + n_head
            frombytes = int.from_bytes
            self._tables = {}
            keys_of: dict[str, list[str]] = {}
            for kind in _KINDS:
                count, n_blob = header["kinds"][kind]
                keys = str(body[pos : pos + n_blob], "utf-8").split("\n") if count else []
                pos += n_blob
                packed = body[pos : pos + count * width]
                pos += count * width
                if len(keys) != count or len(packed) != count * width:
                    raise ValueError(f"truncated {kind}: table")
                self._tables[kind] = {
                    k: frombytes(packed[i : i + width], "little")
                    for k, i in zip(keys, range(0, count * width, width), strict=True)
                }
                keys_of[kind] = keys
            self._evidence = {}
            for kind in _EVIDENCE_KINDS:
                keys = keys_of[kind]
                per_class: list[dict[str, tuple[str, float]]] = []
                for count in header["evidence"][kind]:
                    idx, centred = array("I"), array("d")
                    idx.frombytes(body[pos : pos + 4 * count])
                    pos += 4 * count
                    centred.frombytes(body[pos : pos + 8 * count])
                    pos += 8 * count
                    if sys.byteorder == "big":  # pragma: no cover
                        idx.byteswap()
                        centred.byteswap()
                    pairs = zip(map(keys.__getitem__, idx), centred, strict=True)
                    if kind == "m":
                        per_class.append({k: (_META_LABELS[k], c) for k, c in pairs})
                    else:
                        per_class.append({k: (k, c) for k, c in pairs})
                self._evidence[kind] = per_class
            if len(per_class) != len(self.classes) or pos != len(body):
                raise ValueError("classifier weights file has the wrong length")
            return self
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, struct.error, zlib.error) as exc:
            raise ModelFileError(f"malformed classifier weights: {exc!r}") from exc

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
            if not names or not table or v <= 0:
                continue
            # Every stored centred weight is > 0 and v > 0, so every hit is a positive margin.
            scored += [(table[n][1] * v, table[n][0]) for n in table.keys() & names]
        scored.sort(reverse=True)
        return [label for _, label in scored[:k]]


@cache
def load_model() -> LinearModel:
    """The bundled weights, read once (format 2 via importlib.resources) and cached."""
    ref = resources.files("smart_spawn_plugin").joinpath("data", "classifier", MODEL_FILE)
    try:
        blob = ref.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read classifier weights {MODEL_FILE}: {exc}") from exc
    return LinearModel.from_bytes(blob)


def _readable(feature: str) -> str | None:
    kind, _, body = feature.partition(":")
    if kind in ("w", "b", "y", "z"):
        words = body.split()
        # Numbers and pure function-word pairs are real evidence but say nothing to a reader.
        if all(w.isdigit() or w in STOPWORDS for w in words) or body.isdigit():
            return None
        return body
    return _META_LABELS.get(feature)


#: Readable labels of the meta features that can be evidence.
_META_LABELS: Final = {"m:code": "[code]", "m:math": "[maths]"}
