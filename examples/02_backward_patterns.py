"""Patterns in the backward flow (seeds 003 and 004): f = (x + y)·z, the add, mul and max gates,
ReLU, and the chain rule, each printed beside the seeds' numbers and rules.
"""

from pathlib import Path

from microgradjp import Value, maximum
from microgradjp.trace import print_backward
from microgradjp.viz import render

output = Path(__file__).parent / "output" / "02_backward_patterns"

# f(x, y, z) = (x + y)·z at x = -2, y = 5, z = -4 (seed 004)
x, y, z = Value(-2, label="x"), Value(5, label="y"), Value(-4, label="z")
f = ((x + y).named("q") * z).named("f")
f.backward()
print("(x + y)·z         seed       ours")
print(f"f                 -12        {f.data:g}")
print(f"df/dx, dy, dz     -4, -4, 3  {x.grad:g}, {y.grad:g}, {z.grad:g}\n")
print_backward(f)
render(f, output / "xyz_backward.png")

# Each gate gets an upstream gradient of 2: what does it hand to a = 3 and b = -1?
print("\ngate (upstream 2)  seed's rule                  expected  ours")
gates = [("add distributes", lambda a, b: a + b, "both get the upstream", "2, 2"),
         ("mul swaps", lambda a, b: a * b, "each gets the other * 2", "-2, 6"),
         ("max routes", maximum, "all to the larger input", "2, 0")]
for name, gate, rule, expected in gates:
    a, b = Value(3, label="a"), Value(-1, label="b")
    gate(a, b).backward(2.0)
    print(f"{name:17}  {rule:27}  {expected:8}  {a.grad:g}, {b.grad:g}")

# ReLU passes the upstream gradient where its input was > 0 and stops it elsewhere (seed 003).
for data in (3.0, -1.0):
    u = Value(data)
    u.relu().backward(2.0)
    print(f"relu at {data:4}: seed {2.0 if data > 0 else 0.0:g}, ours {u.grad:g}")

# Chain rule: y = u², u = x² + 3x + 1, so dy/dx = 2u·(2x + 3) (seed 003)
x = Value(2.0, label="x")
u = (x**2 + 3 * x + 1).named("u")
y = (u**2).named("y")
y.backward()
print(f"chain rule at x = 2: 2u(2x + 3) = {2 * u.data * (2 * x.data + 3):g}, ours {x.grad:g}")
render(y, output / "chain_rule.png", edge_labels="both", rankdir="TB")
print(f"\nwrote {output}")
