"""The simple perceptron (単純パーセプトロン, seed 000): logic gates, and where one layer fails.

1. A step neuron trained by the perceptron rule (w += lr (t - y) x, no gradients) learns AND,
   OR and NAND; on XOR it never stops making mistakes, since no line separates XOR.
2. A 2-layer MLP learns XOR by gradient descent.
3. Seed 000's network: A = sigmoid(XW + b), E = 1/2 sum (A - Y)^2, trained by gradient descent
   on AND; backward gives the seed's dE/dW = dZ^T X and dE/db = sum dZ.
"""

from microgradjp.data import truth_table
from microgradjp.losses import binary_cross_entropy_with_logits, mean_squared_error
from microgradjp.nn import MLP, Neuron
from microgradjp.optim import SGD, Adam
from microgradjp.train import fit, train_perceptron

print("1. perceptron rule, step neuron       mistakes per epoch          outputs (want)")
for gate in ("AND", "OR", "NAND", "XOR"):
    inputs, targets = truth_table(gate)
    neuron = Neuron(2, activation="step", init="zeros")  # Rosenblatt starts from zero
    mistakes = train_perceptron(neuron, inputs, targets, lr=0.1, epochs=20)
    outputs = [int(neuron(x).data) for x in inputs]
    verdict = "learnt" if outputs == targets else "NOT learnt"
    shown = str(mistakes) if len(mistakes) <= 8 else f"[{', '.join(map(str, mistakes[:6]))}, ...]"
    print(f"   {gate:4}  {verdict:10}  {len(mistakes):2} epochs {shown:28} {outputs} ({targets})")

inputs, targets = truth_table("XOR")
model = MLP(2, [4, 1], activation="tanh", seed=0)
history = fit(model, inputs, targets, loss=binary_cross_entropy_with_logits,
              optimizer=Adam(model.parameters(), lr=0.1), epochs=300, accuracy="positive")
outputs = [int(model(x).data > 0) for x in inputs]
print(f"\n2. XOR with a 2-4-1 tanh MLP: accuracy {history.accuracy[-1]:.0%}, "
      f"loss {history.loss[0]:.3f} -> {history.loss[-1]:.4f}, outputs {outputs} ({targets})")

inputs, targets = truth_table("AND")
neuron = Neuron.from_weights([0.0, 0.0], 0.0, activation="sigmoid")
optimizer = SGD(neuron.parameters(), lr=1.0)
print("\n3. seed 000: A = sigmoid(XW + b), E = 1/2 sum (A - Y)^2 on AND, lr 1.0")
for epoch in range(1001):
    A = [neuron(x) for x in inputs]
    E = mean_squared_error(A, targets, reduction="sum")
    optimizer.zero_grad()
    E.backward()
    if epoch in (0, 1000):
        print(f"   epoch {epoch:4}: E = {E.data:.6f}, A = {[round(a.data, 3) for a in A]}, "
              f"dE/dW = {[round(w.grad, 6) for w in neuron.weights]}, "
              f"dE/db = {neuron.bias.grad:.6f}")
    optimizer.step()
predicted = [int(neuron(x).data > 0.5) for x in inputs]
print(f"   AND learnt: {predicted == targets}, outputs {predicted}, "
      f"W = {[round(w.data, 3) for w in neuron.weights]}, b = {neuron.bias.data:.3f}")
