"""A small multinomial logistic regression in numpy, for heads fitted at run time.

The same objective ``scripts/train_embedding_heads.py`` gives scikit-learn (C = 10, balanced
class weights, unpenalised intercept), on standardised features: the features are centred and
scaled per dimension for the fit (an embedding's dimensions differ in scale by orders of
magnitude, which would leave plain gradient descent crawling) and the transform is folded back
into the weights, so the head applies to raw vectors. Solved by Nesterov-accelerated gradient
descent with adaptive restart and a fixed step from a Lipschitz bound: deterministic, no
randomness, no scikit-learn at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

C: Final = 10.0
MAX_ITER: Final = 3000
#: Stop when no gradient entry exceeds this.
TOL: Final = 1e-5


def fit_logistic(
    vectors: Sequence[Sequence[float]],
    labels: Sequence[str],
    classes: Sequence[str],
    *,
    c: float = C,
) -> tuple[list[list[float]], list[float]]:
    """Fit on ``vectors`` (one row per label); return (coef, intercept) in ``classes`` order.

    ``coef`` has one row of ``dim`` weights per class. Raises ``ValueError`` when there are no
    rows, the rows differ in length, or a label is not one of ``classes``.
    """
    import numpy as np

    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[0] != len(labels):
        raise ValueError("need one vector of equal length per label")
    index = {c: i for i, c in enumerate(classes)}
    if any(label not in index for label in labels):
        raise ValueError("a label is not one of the classes")
    n, k = x.shape[0], len(classes)
    y = np.zeros((n, k))
    y[np.arange(n), [index[label] for label in labels]] = 1.0
    counts = y.sum(axis=0)
    present = counts > 0
    # balanced: each present class weighs the same in total; mean sample weight 1
    weight = (y @ np.where(present, n / (present.sum() * np.maximum(counts, 1)), 0.0))[:, None]
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd < 1e-12] = 1.0
    xs = np.hstack([(x - mu) / sd, np.ones((n, 1))])  # last column: the intercept
    lam = np.ones(xs.shape[1]) / (c * n)
    lam[-1] = 0.0
    step = 1.0 / (0.5 * float(weight.max()) * np.linalg.norm(xs, 2) ** 2 / n + lam.max())

    def grad(w: np.ndarray) -> np.ndarray:
        z = xs @ w.T
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g: np.ndarray = ((p - y) * weight).T @ xs / n + w * lam
        return g

    w = np.zeros((k, xs.shape[1]))
    v, t = w.copy(), 1.0
    for _ in range(MAX_ITER):
        g = grad(v)
        if float(np.abs(g).max()) < TOL:
            w = v
            break
        w_next = v - step * g
        if float((g * (w_next - w)).sum()) > 0:  # going uphill: restart the momentum
            t = 1.0
        t_next = (1 + (1 + 4 * t * t) ** 0.5) / 2
        v = w_next + ((t - 1) / t_next) * (w_next - w)
        w, t = w_next, t_next
    coef = w[:, :-1] / sd
    intercept = w[:, -1] - coef @ mu
    return coef.tolist(), intercept.tolist()


#: Scales tried by :func:`calibration` (1 = the fit as is).
SCALES: Final = (1.0, 0.7, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08, 0.05)


def calibration(
    vectors: Sequence[Sequence[float]],
    labels: Sequence[str],
    classes: Sequence[str],
    *,
    folds: int = 5,
) -> float:
    """The factor for a head's logits that minimises held-out log loss over ``folds`` folds
    (row ``i`` is held out in fold ``i % folds``), one of :data:`SCALES`.

    A head fitted on a few hundred rows in hundreds of dimensions separates them perfectly and
    is far surer than it is right; in the classifier's product of experts an over-sure head
    outvotes the others. Scaling its logits (temperature) keeps its ranking and makes its
    probabilities honest on rows it did not see.
    """
    import numpy as np

    x = np.asarray(vectors, dtype=np.float64)
    truth = np.asarray([list(classes).index(label) for label in labels])
    held: list[np.ndarray] = []
    order: list[np.ndarray] = []
    for k in range(folds):
        test = np.arange(len(labels)) % folds == k
        train = [label for i, label in enumerate(labels) if i % folds != k]
        coef, intercept = fit_logistic(x[~test], train, classes)
        held.append(x[test] @ np.asarray(coef).T + np.asarray(intercept))
        order.append(truth[test])
    z, y = np.vstack(held), np.concatenate(order)

    def loss(scale: float) -> float:
        s = z * scale
        s -= s.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(y)), y].mean())

    return min(SCALES, key=loss)
