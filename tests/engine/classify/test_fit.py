"""The numpy logistic regression behind run-time heads (``engine/classify/fit.py``)."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")

from smart_spawn_plugin.engine.classify.fit import SCALES, calibration, fit_logistic  # noqa: E402

CLASSES = ("a", "b", "c")


def _blobs(n: int = 30, spread: float = 0.3, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    centres = np.eye(3, 8) * 2.0
    labels = [CLASSES[i % 3] for i in range(n)]
    x = np.stack([centres[i % 3] + rng.normal(0, spread, 8) for i in range(n)])
    return x, labels


def _predict(x: np.ndarray, coef: list[list[float]], intercept: list[float]) -> list[str]:
    z = x @ np.asarray(coef).T + np.asarray(intercept)
    return [CLASSES[i] for i in z.argmax(axis=1)]


def test_separable_rows_are_fitted_in_class_order() -> None:
    x, labels = _blobs()
    coef, intercept = fit_logistic(x, labels, CLASSES)
    assert len(coef) == 3 and len(coef[0]) == 8 and len(intercept) == 3
    assert _predict(x, coef, intercept) == labels
    reordered, b = fit_logistic(x, labels, CLASSES[::-1])
    assert np.allclose(reordered, coef[::-1]) and np.allclose(b, intercept[::-1])


def test_the_head_applies_to_raw_vectors_whatever_their_scale() -> None:
    x, labels = _blobs(spread=1.0)
    scaled = x * np.array([1000.0, 0.001, 1, 1, 1, 1, 1, 1])
    coef, intercept = fit_logistic(x, labels, CLASSES)
    coef2, intercept2 = fit_logistic(scaled, labels, CLASSES)
    assert _predict(x, coef, intercept) == _predict(scaled, coef2, intercept2)


def test_balanced_weights_keep_a_rare_class() -> None:
    x, labels = _blobs(n=60, spread=1.2)
    keep = [i for i, label in enumerate(labels) if label != "c" or i < 9]  # 3 of 20 "c" rows
    coef, intercept = fit_logistic(x[keep], [labels[i] for i in keep], CLASSES)
    assert "c" in _predict(x[keep], coef, intercept)


def test_calibration_shrinks_a_head_that_cannot_generalise() -> None:
    x, labels = _blobs(n=60, spread=0.2)
    assert calibration(x, labels, CLASSES) >= 0.5  # clean: the fit may stay sure
    noise = [CLASSES[i] for i in np.random.default_rng(1).integers(0, 3, 60)]
    assert calibration(x, noise, CLASSES) == min(SCALES)  # labels unrelated to the vectors


@pytest.mark.parametrize(
    ("vectors", "labels", "why"),
    [
        ([], [], "one vector"),
        ([[1.0], [2.0]], ["a"], "one vector"),
        ([[1.0], [2.0]], ["a", "z"], "not one of the classes"),
    ],
)
def test_bad_input_is_an_error(vectors: list[list[float]], labels: list[str], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        fit_logistic(vectors, labels, CLASSES)
