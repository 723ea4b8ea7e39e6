"""A yardstick, not an engine: the leanest eager recorder we could write in plain Python.

Never imported by microgradjp. It records what the chain and MLP workloads need and nothing
else: a slotted node, one float op per node, each local derivative computed in the forward and
kept on a tape, backward a reversed walk of that tape. No checks, no errors, no higher order,
no freeing by reference counting (the tape keeps every node of the graph alive until `reset`).
Whatever microgradjp's eager mode costs above this line is the price of what it promises.
"""

import math

_tape = []  # (output, input, local derivative, input, local derivative or None), oldest first


class Value:
    __slots__ = ("data", "grad")

    def __init__(self, data):
        self.data = data
        self.grad = 0.0

    def __add__(self, other):
        if type(other) is Value:
            out = Value(self.data + other.data)
            _tape.append((out, self, 1.0, other, 1.0))
        else:
            out = Value(self.data + other)
            _tape.append((out, self, 1.0, None, 0.0))
        return out

    __radd__ = __add__

    def __mul__(self, other):
        if type(other) is Value:
            out = Value(self.data * other.data)
            _tape.append((out, self, other.data, other, self.data))
        else:
            out = Value(self.data * other)
            _tape.append((out, self, other, None, 0.0))
        return out

    __rmul__ = __mul__

    def __neg__(self):
        out = Value(-self.data)
        _tape.append((out, self, -1.0, None, 0.0))
        return out

    def relu(self):
        x = self.data
        out = Value(x if x > 0.0 else 0.0)
        _tape.append((out, self, 1.0 if x > 0.0 else 0.0, None, 0.0))
        return out

    def exp(self):
        out = Value(math.exp(self.data))
        _tape.append((out, self, out.data, None, 0.0))
        return out

    def log(self):
        x = self.data
        out = Value(math.log(x))
        _tape.append((out, self, 1.0 / x, None, 0.0))
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t)
        _tape.append((out, self, 1.0 - t * t, None, 0.0))
        return out

    def backward(self):
        """Walk the whole tape newest first (everything recorded since `reset`), then clear it."""
        self.grad = 1.0
        for out, x, dx, y, dy in reversed(_tape):
            upstream = out.grad
            x.grad += upstream * dx
            if y is not None:
                y.grad += upstream * dy
        _tape.clear()


def reset():
    """Forget the recorded graph (a graph that is never backpropagated stays on the tape)."""
    _tape.clear()
