"""A yardstick, not an engine: the leanest eager recorder we could write in plain Python.

Never imported by microgradjp. It does what the chain and MLP workloads need and nothing else:
a slotted node per op, its local derivatives computed in the forward and kept in the node, every
node appended to one tape, and backward a reversed walk of that tape. No checks, no errors, no
higher order, no rule table, no graph to look at, no freeing by reference counting (the tape
holds every node until backward). What microgradjp's eager mode costs above this line is the
price of what it promises.
"""

import math

_new = object.__new__
_tape = []  # every node made since the last backward, oldest first
_record = _tape.append


class Value:
    __slots__ = ("data", "dx", "dy", "grad", "x", "y")

    def __init__(self, data):
        self.data = data
        self.grad = 0.0
        self.x = self.y = None  # a leaf: nothing to push to

    # One statement per slot and no helper calls: a tuple assignment or a shared helper costs
    # more than the arithmetic it saves writing.
    def __add__(self, other):
        out = _new(Value)
        out.grad = 0.0
        out.x = self
        out.dx = 1.0
        if type(other) is Value:
            out.data = self.data + other.data
            out.y = other
            out.dy = 1.0
        else:
            out.data = self.data + other
            out.y = None
        _record(out)
        return out

    __radd__ = __add__

    def __mul__(self, other):
        out = _new(Value)
        out.grad = 0.0
        out.x = self
        if type(other) is Value:
            out.data = self.data * other.data
            out.dx = other.data
            out.y = other
            out.dy = self.data
        else:
            out.data = self.data * other
            out.dx = other
            out.y = None
        _record(out)
        return out

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def relu(self):
        x = self.data
        out = _new(Value)
        out.data = x if x > 0.0 else 0.0
        out.grad = 0.0
        out.x = self
        out.dx = 1.0 if x > 0.0 else 0.0
        out.y = None
        _record(out)
        return out

    def exp(self):
        x = math.exp(self.data)
        out = _new(Value)
        out.data = x
        out.grad = 0.0
        out.x = self
        out.dx = x
        out.y = None
        _record(out)
        return out

    def log(self):
        x = self.data
        out = _new(Value)
        out.data = math.log(x)
        out.grad = 0.0
        out.x = self
        out.dx = 1.0 / x
        out.y = None
        _record(out)
        return out

    def tanh(self):
        x = math.tanh(self.data)
        out = _new(Value)
        out.data = x
        out.grad = 0.0
        out.x = self
        out.dx = 1.0 - x * x
        out.y = None
        _record(out)
        return out

    def backward(self):
        """Push gradients through every node made since the last backward, newest first."""
        self.grad = 1.0
        for out in reversed(_tape):
            out.x.grad += out.grad * out.dx
            if out.y is not None:
                out.y.grad += out.grad * out.dy
        _tape.clear()
