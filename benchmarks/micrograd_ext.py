"""karpathy/micrograd 0.1.0 (from PyPI), extended in its own style with the ops it lacks.

micrograd has no exp, log or tanh. The additions below follow its engine.py exactly: an output
Value, a closure that updates the inputs' grads, `out._backward`. The MLP step is built from
these elementary ops by benchmarks/workloads.py, the same code for every engine.
"""

import math

from micrograd.engine import Value


def _exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def _log(self):
    out = Value(math.log(self.data), (self,), "log")

    def _backward():
        self.grad += (1 / self.data) * out.grad

    out._backward = _backward
    return out


def _tanh(self):
    t = math.tanh(self.data)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


Value.exp = _exp
Value.log = _log
Value.tanh = _tanh


__all__ = ["Value"]
