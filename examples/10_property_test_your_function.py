"""Property-test your own function's derivative with Hypothesis and microgradjp.testing.

Run: python examples/10_property_test_your_function.py   (needs the `testing` extra)
The seeds check analytic gradients with central differences (df/dx ~ (f(x+h) - f(x-h)) / 2h);
gradcheck does that over hundreds of generated points, and names the faulty op when it fails.
"""

import math

from microgradjp import define_op, sigmoid
from microgradjp.testing import GradcheckError, gradcheck, gradgradcheck, numerical_grad

try:
    from hypothesis import given, settings

    from microgradjp.testing.strategies import domain_floats
except ImportError:
    raise SystemExit("This example needs Hypothesis: pip install 'microgradjp[testing]'") from None

# swish(x) = x * sigmoid(x), written as one custom op with its derivative.
swish = define_op("swish", lambda x: x / (1.0 + math.exp(-x)),
                  lambda x: sigmoid(x) * (1 + x * (1 - sigmoid(x))))
# The same op with a classic slip: the product rule's second term forgotten.
swish_wrong = define_op("swish_wrong", lambda x: x / (1.0 + math.exp(-x)), sigmoid)


@settings(max_examples=200)
@given(domain_floats("sigmoid"))
def test_swish(x):
    assert gradcheck(lambda v: swish(v) * 2.0, x)
    assert gradgradcheck(swish, x)


if __name__ == "__main__":
    [slope] = numerical_grad(lambda x: x**2, 3.0)
    print(f"seed 004: numerical gradient of f(x) = x**2 at 3 -> {slope} (exact: 6)")
    test_swish()
    print("swish: 200 random points, first and second derivatives match central differences")
    try:
        gradcheck(lambda v: swish_wrong(v) * 2.0, 1.5)
    except GradcheckError as error:
        print("swish_wrong is caught:\n ", str(error).replace("\n", "\n  "))
