"""Check the backprop you wrote by hand: seed 002's numpy backward against the exact gradient.

Run: python examples/12_check_your_backprop.py   (needs numpy)
Seed 002 writes backward(x, d, z1, y) by hand for its 2-3-2 network (ReLU hidden, softmax +
cross entropy); check_backprop runs the same forward on microgradjp Values for the truth. Then
the seed's 試してみよう line, d_sigmoid in a ReLU network, is caught and named.
"""

from microgradjp.testing import BackpropError, check_backprop

try:
    import numpy as np
except ImportError:
    raise SystemExit("This example needs numpy: pip install numpy") from None


def relu(x):
    return np.maximum(0, x)


def d_relu(x):
    return np.where(x > 0, 1, 0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def d_sigmoid(x):
    return (1.0 - sigmoid(x)) * sigmoid(x)


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)  # オーバーフロー対策
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(d, y):
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), d.argmax(axis=1)] + 1e-7)) / batch_size


network = {"W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
           "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
           "b1": np.array([0.1, 0.2, 0.3]), "b2": np.array([0.1, 0.2])}
activation_derivative = d_relu


def forward(network, x):
    u1 = np.dot(x, network["W1"]) + network["b1"]
    z1 = relu(u1)
    y = softmax(np.dot(z1, network["W2"]) + network["b2"])
    return y, z1


def backward(x, d, z1, y):  # as the seed writes it: it reads the global network
    grad = {}
    delta2 = y - d  # d_sigmoid_with_loss
    grad["b2"] = np.sum(delta2, axis=0)
    grad["W2"] = np.dot(z1.T, delta2)
    delta1 = np.dot(delta2, network["W2"].T) * activation_derivative(z1)
    grad["b1"] = np.sum(delta1, axis=0)
    grad["W1"] = np.dot(x.T, delta1)
    return grad


def loss(network, x, d):
    return cross_entropy_error(d, forward(network, x)[0])


def grads(network, x, d):
    y, z1 = forward(network, x)
    return backward(x, d, z1, y)


x, d = np.array([[1.0, 5.0]]), np.array([[0, 1]])
grad = grads(network, x, d)
print("seed 002's backward (偏微分)")
print("  dE/dW1 seed [[-0.02611973]*3, [-0.13059866]*3]")
print(f"         ours {np.round(grad['W1'], 8).tolist()}")
print(f"  dE/db2 seed [0.08706577, -0.08706577] ours {np.round(grad['b2'], 8).tolist()}")
print("check_backprop at the seed's point and 100 random draws:",
      check_backprop(loss, grads, network, x, d, trials=100))

y_target = forward(network, x)[0][0, 1]
print(f"the seed's log(y + 1e-7) against y - d here: a relative gap of {1e-7 / y_target:.2g}")

print("\n試してみよう: delta1 = np.dot(delta2, W2.T) * functions.d_sigmoid(z1)")
activation_derivative = d_sigmoid
try:
    check_backprop(loss, grads, network, x, d)
except BackpropError as error:
    print(error)
