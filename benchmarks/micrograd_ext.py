"""karpathy/micrograd 0.1.0 (from PyPI), extended in its own style with the ops it lacks.

micrograd has no exp, log or tanh, and its Neuron knows only relu. The additions below follow
its engine.py exactly: an output Value, a closure that updates the inputs' grads, `out._backward`.
"""

import math

from micrograd.engine import Value
from micrograd.nn import MLP, Layer, Neuron


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


class TanhNeuron(Neuron):
    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.tanh() if self.nonlin else act


class TanhLayer(Layer):
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [TanhNeuron(nin, **kwargs) for _ in range(nout)]


class TanhMLP(MLP):
    def __init__(self, nin, nouts):
        sz = [nin, *nouts]
        self.layers = [TanhLayer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1)
                       for i in range(len(nouts))]


__all__ = ["TanhMLP", "Value"]
