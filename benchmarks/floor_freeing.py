"""A yardstick, not an engine: the leanest eager recorder we could write in plain Python.

Never imported by microgradjp. It does what the chain and MLP workloads need and nothing else:
a slotted node per op, its local derivatives computed in the forward and kept in the node, every
node appended to one tape, and backward a reversed walk of that tape. No checks, no errors, no
higher order, no rule table, no graph to look at, no freeing by reference counting (the tape
holds every node until backward). What microgradjp's eager mode costs above this line is the
price of what it promises.
"""

import itertools
import math
import operator

_new = object.__new__
_number = itertools.count().__next__  # creation numbers: inputs are older than their node
_newest_first = operator.attrgetter("n")


class Value:
    __slots__ = ("data", "dx", "dy", "grad", "n", "x", "y")

    def __init__(self, data):
        self.data = data
        self.grad = 0.0
        self.x = self.y = None  # a leaf: nothing to push to
        self.n = -1

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
        out.n = _number()
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
        out.n = _number()
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
        out.n = _number()
        return out

    def exp(self):
        x = math.exp(self.data)
        out = _new(Value)
        out.data = x
        out.grad = 0.0
        out.x = self
        out.dx = x
        out.y = None
        out.n = _number()
        return out

    def log(self):
        x = self.data
        out = _new(Value)
        out.data = math.log(x)
        out.grad = 0.0
        out.x = self
        out.dx = 1.0 / x
        out.y = None
        out.n = _number()
        return out

    def tanh(self):
        x = math.tanh(self.data)
        out = _new(Value)
        out.data = x
        out.grad = 0.0
        out.x = self
        out.dx = 1.0 - x * x
        out.y = None
        out.n = _number()
        return out

    def backward(self):
        """Find the nodes under this one (a walk, then a sort by creation number), push."""
        mark = float(0)  # a 0.0 of this pass's own: marks a node seen and is its starting grad
        made = []
        stack = [self]
        while True:  # not `while stack:`, which CPython 3.11 does not warm up on a single long run
            if not stack:
                break
            out = stack.pop()
            if out.grad is mark:
                continue
            out.grad = mark
            made.append(out)
            x, y = out.x, out.y
            if x.x is not None and x.grad is not mark:
                stack.append(x)
            if y is not None and y.x is not None and y.grad is not mark:
                stack.append(y)
        made.sort(key=_newest_first, reverse=True)
        self.grad = 1.0
        for out in made:
            out.x.grad += out.grad * out.dx
            if out.y is not None:
                out.y.grad += out.grad * out.dy
