"""DeZero's steps 24-36 (「ゼロから作る Deep Learning ③」) as a reader translates them:
``Variable(np.array(1.0))`` becomes ``Value(np.array(1.0))``, ``dezero.functions`` becomes
``microgradjp``. Each step prints the book's number beside ours; the 6th derivative of tanh is
drawn as SVG and PNG into output/13_dezero_steps/.
"""

import math
import time
from pathlib import Path

import microgradjp as F
from microgradjp import Value
from microgradjp.viz import render

try:
    import numpy as np
except ImportError:
    raise SystemExit("This example needs numpy: pip install numpy") from None

output = Path(__file__).parent / "output" / "13_dezero_steps"


def show(step, book, ours):
    print(f"{step:<28} book {book!r:<22} ours {ours!r}")


# step 24: the Goldstein-Price function and its gradient at (1, 1)
def goldstein(x, y):
    z = (1 + (x + y + 1)**2 * (19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2)) * \
        (30 + (2*x - 3*y)**2 * (18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))
    return z


x = Value(np.array(1.0))
y = Value(np.array(1.0))
z = goldstein(x, y)
z.backward()
show("24 goldstein dz/dx", -5376.0, x.grad)
show("24 goldstein dz/dy", 8064.0, y.grad)

# step 27: sin, and sin as its Taylor series
x = Value(np.array(np.pi / 4))
y = F.sin(x)
y.backward()
show("27 sin(pi/4)", 0.7071067811865475, y.data)
show("27 d sin/dx", 0.7071067811865476, x.grad)


def my_sin(x, threshold=0.0001):
    y = 0
    for i in range(100000):
        c = (-1) ** i / math.factorial(2 * i + 1)
        t = c * x ** (2 * i + 1)
        y = y + t
        if abs(t.data) < threshold:
            break
    return y


x = Value(np.array(np.pi / 4))
y = my_sin(x)
y.backward()
show("27 my_sin(pi/4)", 0.7071064695751781, y.data)
show("27 d my_sin/dx", 0.7071032148228457, x.grad)


# step 28: gradient descent on Rosenbrock's function, 1000 iterations
def rosenbrock(x0, x1):
    y = 100 * (x1 - x0 ** 2) ** 2 + (x0 - 1) ** 2
    return y


x0 = Value(np.array(0.0))
x1 = Value(np.array(2.0))
lr = 0.001
for _ in range(1000):
    y = rosenbrock(x0, x1)
    x0.cleargrad()
    x1.cleargrad()
    y.backward()
    x0.data -= lr * x0.grad
    x1.data -= lr * x1.grad
show("28 rosenbrock x0", 0.6837118569138317, x0.data)
show("28 rosenbrock x1", 0.4659526837427042, x1.data)


# step 29: Newton's method with the second derivative written by hand
def f(x):
    y = x ** 4 - 2 * x ** 2
    return y


def gx2(x):
    return 12 * x ** 2 - 4


x = Value(np.array(2.0))
for _ in range(10):
    y = f(x)
    x.cleargrad()
    y.backward()
    x.data -= x.grad / gx2(x.data)
show("29 newton, 10 iterations", 1.0, x.data)

# step 33: Newton's method with the second derivative from backward(create_graph=True)
book = [2.0, 1.4545454545454546, 1.1510467893775467, 1.0253259289766978, 1.0009084519430513,
        1.0000012353089454, 1.000000000002289, 1.0, 1.0, 1.0]
x = Value(np.array(2.0))
ours = []
for _ in range(10):
    ours.append(x.data)
    y = f(x)
    x.cleargrad()
    y.backward(create_graph=True)

    gx = x.grad
    x.cleargrad()
    gx.backward()
    gx2 = x.grad

    x.data -= gx.data / gx2.data
show("33 newton, all 10 iterates", "same" if ours == book else book, ours)

# step 34: sin and its first three derivatives (at x = 1, one point of the book's plot)
x = Value(np.array(1.0))
y = F.sin(x)
y.backward(create_graph=True)
logs = [y.data]
for _ in range(3):
    logs.append(x.grad.data)
    gx = x.grad
    x.cleargrad()
    gx.backward(create_graph=True)
show("34 sin, y', y'', y''' at 1", [0.8414709848078965, 0.5403023058681398,
                                   -0.8414709848078965, -0.5403023058681398], logs)

# step 35: the higher derivatives of tanh at 1; the 6th is drawn
book = [-0.6397000084492246, 0.6216266807712962, 0.6650910447505024, -5.556893558473722,
        13.624075441312101]
x = Value(np.array(1.0))
y = F.tanh(x)
x.name = 'x'
y.name = 'y'
y.backward(create_graph=True)
ours = []
for _ in range(5):
    gx = x.grad
    x.cleargrad()
    gx.backward(create_graph=True)
    ours.append(x.grad.data)
for order, (theirs, mine) in enumerate(zip(book, ours, strict=True), start=2):
    # to 13 decimals: d^3 and d^4 differ from the book in the last digit (numpy's tanh vs
    # math.tanh), and every digit past the 13th belongs to the platform's libm
    show(f"35 d^{order} tanh(1)", round(theirs, 13), round(mine, 13))
gx = x.grad
gx.name = 'gx' + str(5 + 1)
for suffix in ("svg", "png"):
    start = time.perf_counter()
    path = render(gx, output / f"tanh.{suffix}")
    print(f"35 drew gx6 ({suffix}) in {time.perf_counter() - start:.1f} s: {path.name}")

# step 36: a derivative of an expression that contains a derivative
x = Value(np.array(2.0))
y = x ** 2
y.backward(create_graph=True)
gx = x.grad
x.cleargrad()
z = gx ** 3 + y
z.backward()
show("36 x.grad", 100.0, x.grad)
print(f"\nwrote {output}")
