"""The fit workload written by hand on arrays: numpy (vectorised over the batch) and torch.

For perspective only: what the same training costs once a batch is one matrix. Both start from
the same seeded microgradjp MLP (2-16-16-1, tanh, linear output), compute the same mean loss
over the batch (max-margin + L2 or binary cross-entropy with logits) and take the same plain
SGD step as `fit` does. numpy's backward is derived by hand; torch's is its autograd, on one
thread and in float64, like microgradjp's floats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import workloads

Step = Callable[[], float]  # one full-batch step; returns the loss before the update


def numpy_step(points: list[list[float]], labels: list[int], loss: str,
               alpha: float) -> Step:
    """Return a full-batch SGD step on numpy arrays (``loss``: "max-margin" or "logits")."""
    # Imported here, not above: run.py's import (and instructions.py's children, whose counts
    # numpy's threaded start would make vary) stays free of it.
    import numpy as np

    params = [np.array(array, dtype=np.float64) for w, b in workloads.initial_model().to_weights()
              for array in (w, b)]  # W[input][unit], b[unit], layer after layer
    x = np.array(points, dtype=np.float64)
    t = np.array(labels, dtype=np.float64)[:, None]
    n = len(points)

    def step() -> float:
        w1, b1, w2, b2, w3, b3 = params
        h1 = np.tanh(x @ w1 + b1)
        h2 = np.tanh(h1 @ w2 + b2)
        s = h2 @ w3 + b3
        if loss == "max-margin":  # mean(relu(1 - t s)); relu'(0) = 0
            margin = 1.0 - t * s
            value = float(np.maximum(margin, 0.0).sum() / n)
            ds = np.where(margin > 0.0, -t, 0.0) / n
        else:  # mean(softplus(s) - t s), d/ds = sigmoid(s) - t
            value = float((np.logaddexp(0.0, s) - t * s).sum() / n)
            ds = (0.5 * (1.0 + np.tanh(0.5 * s)) - t) / n
        dz2 = (ds @ w3.T) * (1.0 - h2 * h2)
        dz1 = (dz2 @ w2.T) * (1.0 - h1 * h1)
        grads = [x.T @ dz1, dz1.sum(0), h1.T @ dz2, dz2.sum(0), h2.T @ ds, ds.sum(0)]
        if alpha:
            value += alpha * sum(float((p * p).sum()) for p in params)
            grads = [g + 2.0 * alpha * p for g, p in zip(grads, params, strict=True)]
        for p, g in zip(params, grads, strict=True):
            p -= workloads.LR * g
        return value

    return step


def torch_step(points: list[list[float]], labels: list[int], loss: str, alpha: float) -> Step:
    """Return the same step in torch (autograd, float64, one thread, torch.optim.SGD)."""
    import torch  # optional: run.py skips these rows when it is not installed

    torch.set_num_threads(1)
    params = [torch.tensor(array, dtype=torch.float64, requires_grad=True)
              for w, b in workloads.initial_model().to_weights() for array in (w, b)]
    x = torch.tensor(points, dtype=torch.float64)
    t = torch.tensor(labels, dtype=torch.float64)[:, None]
    optimizer = torch.optim.SGD(params, lr=workloads.LR)
    functions = torch.nn.functional

    def step() -> float:
        w1, b1, w2, b2, w3, b3 = params
        optimizer.zero_grad()
        s = torch.tanh(torch.tanh(x @ w1 + b1) @ w2 + b2) @ w3 + b3
        value: Any = (functions.relu(1.0 - t * s).mean() if loss == "max-margin" else
                      functions.binary_cross_entropy_with_logits(s, t))
        if alpha:
            value = value + alpha * sum((p * p).sum() for p in params)
        value.backward()
        optimizer.step()
        return float(value.item())

    return step
