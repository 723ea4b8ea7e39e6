"""The benchmark workloads written by hand on plain floats: the practical floor in pure Python.

Every derivative is derived by hand and written inline; no graph, no objects per op.
"""

import math


def chain(n_ops):
    """Forward and backward of the chain workload; returns (output, d output / d x)."""
    y, saved = 0.5, []
    for _ in range(n_ops // 5):
        b = y * 1.0001 + 0.001
        c = b if b > 0.0 else 0.0
        d = math.exp(c)
        y = math.log(d)
        saved.append((b, d))
    grad = 1.0
    for b, d in reversed(saved):
        grad = grad * (1.0 / d) * d * (1.0 if b > 0.0 else 0.0) * 1.0001
    return y, grad


class MLP:
    """2-16-16-1, tanh hidden layers, linear output; weights as nested lists of floats."""

    def __init__(self, weights):
        self.weights = weights  # [(W, b)] with W[unit][input]

    def step(self, points, labels, alpha, lr):
        """One training step: max-margin loss + L2, backward by hand, SGD update; returns loss."""
        (w1, b1), (w2, b2), (w3, b3) = self.weights
        grads = [([[0.0] * len(row) for row in w], [0.0] * len(b)) for w, b in self.weights]
        (gw1, gb1), (gw2, gb2), (gw3, gb3) = grads
        n, total = len(points), 0.0
        for x, y in zip(points, labels, strict=True):
            h1 = [math.tanh(_dot(row, x) + bj) for row, bj in zip(w1, b1, strict=True)]
            h2 = [math.tanh(_dot(row, h1) + bk) for row, bk in zip(w2, b2, strict=True)]
            s = _dot(w3[0], h2) + b3[0]
            margin = 1.0 - y * s
            if margin <= 0.0:
                continue
            total += margin
            ds = -y / n
            gb3[0] += ds
            dz2 = []
            for k, hk in enumerate(h2):
                gw3[0][k] += ds * hk
                dz2.append(ds * w3[0][k] * (1.0 - hk * hk))
            dh1 = [0.0] * len(h1)
            for k, dzk in enumerate(dz2):
                gb2[k] += dzk
                row, grow = w2[k], gw2[k]
                for j, hj in enumerate(h1):
                    grow[j] += dzk * hj
                    dh1[j] += dzk * row[j]
            for j, hj in enumerate(h1):
                dz1 = dh1[j] * (1.0 - hj * hj)
                gb1[j] += dz1
                for i, xi in enumerate(x):
                    gw1[j][i] += dz1 * xi
        penalty = 0.0
        for (w, b), (gw, gb) in zip(self.weights, grads, strict=True):
            for row, grow in zip(w, gw, strict=True):
                for i, wi in enumerate(row):
                    penalty += wi * wi
                    row[i] = wi - lr * (grow[i] + 2.0 * alpha * wi)
            for j, bj in enumerate(b):
                penalty += bj * bj
                b[j] = bj - lr * (gb[j] + 2.0 * alpha * bj)
        return total / n + alpha * penalty


def _dot(weights, inputs):
    return sum(w * x for w, x in zip(weights, inputs, strict=True))
