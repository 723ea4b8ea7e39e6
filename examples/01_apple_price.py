"""The apple price (りんごの買い物): 100 yen * 2 apples * 1.1 tax = 220, and its backward pass.

Draws the seeds' figure, a gradient under every arrow, and prints the same numbers as a table.
"""

from pathlib import Path

from microgradjp import Value
from microgradjp.trace import backward_table
from microgradjp.viz import render

apple = Value(100, label="りんご")
count = Value(2, label="個数")
tax = Value(1.1, label="消費税")
price = (apple * count * tax).named("支払金額")
price.backward()

print("            seed   ours")
print(f"price        220   {price.data:.6g}")
print(f"d/d apple    2.2   {apple.grad:.6g}")
print(f"d/d count    110   {count.grad:.6g}")
print(f"d/d tax      200   {tax.grad:.6g}")
print()
print(backward_table(price))

output = Path(__file__).parent / "output" / "01_apple_price"
render(price, output / "apple_backward.png")
render(price, output / "apple_backward.svg", legend=True)
render(price, output / "apple_both.png", edge_labels="both")
print(f"\nwrote {output}")
