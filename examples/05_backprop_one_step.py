"""One step of backpropagation and SGD on seed 002's 2-3-2 network (誤差逆伝播法).

x = [1, 5], target d = [0, 1], ReLU hidden layer, softmax + cross entropy output, lr 0.01.
The seed derives every gradient by hand (delta2 = y - d, delta1 = delta2 W2^T * relu'(u1));
here `backward()` finds them all, and `SGD.step()` applies w -= lr * grad.
"""

from microgradjp.losses import cross_entropy, softmax
from microgradjp.nn import MLP
from microgradjp.optim import SGD


def rounded(matrix):
    return [[round(v, 8) for v in row] for row in matrix]


def compare(name, seed, ours):
    print(f"{name:10} seed {seed}\n{'':10} ours {ours}")


W1, b1 = [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], [0.1, 0.2, 0.3]
W2, b2 = [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]], [0.1, 0.2]
model = MLP.from_weights([(W1, b1), (W2, b2)], activation="relu")
optimizer = SGD(model.parameters(), lr=0.01)

hidden, output = model.layers
z1 = hidden([1.0, 5.0])  # z1 = relu(u1): each relu node's one parent is u1
u1 = [z.parents[0] for z in z1]
u2 = output(z1)  # the identity output layer gives the logits u2, same as model([1.0, 5.0])
loss = cross_entropy(u2, [0, 1])
optimizer.zero_grad()
loss.backward()

print("forward (順伝播)")
compare("u1", [1.2, 2.5, 3.8], [round(u.data, 8) for u in u1])
compare("u2", [1.86, 4.21], [round(u.data, 8) for u in u2])
compare("y", [0.08706577, 0.91293423], [round(y.data, 8) for y in softmax(u2)])

print("\nbackward (逆伝播)")
compare("dE/du2", [0.08706577, -0.08706577], [round(u.grad, 8) for u in u2])
compare("dE/du1", [-0.02611973] * 3, [round(u.grad, 8) for u in u1])
(gW1, gb1), (gW2, gb2) = model.to_weights(grad=True)
compare("dE/dW1", [[-0.02611973] * 3, [-0.13059866] * 3], rounded(gW1))
compare("dE/dW2", [[0.10447893, -0.10447893], [0.21766443, -0.21766443],
                   [0.33084994, -0.33084994]], rounded(gW2))
compare("dE/db1", [-0.02611973] * 3, [round(g, 8) for g in gb1])
compare("dE/db2", [0.08706577, -0.08706577], [round(g, 8) for g in gb2])

optimizer.step()
(W1, b1), (W2, b2) = model.to_weights()
print("\nafter one step, w -= 0.01 * dE/dw (更新後パラメータ)")
compare("W1", [[0.1002612, 0.3002612, 0.5002612], [0.20130599, 0.40130599, 0.60130599]],
        rounded(W1))
compare("W2", [[0.09895521, 0.40104479], [0.19782336, 0.50217664], [0.2966915, 0.6033085]],
        rounded(W2))
compare("b1", [0.1002612, 0.2002612, 0.3002612], [round(b, 8) for b in b1])
compare("b2", [0.09912934, 0.20087066], [round(b, 8) for b in b2])
