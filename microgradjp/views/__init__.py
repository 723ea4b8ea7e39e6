"""Seeing a graph: the drawing, the text table, the step player and its pictures.

Views import the core only (never the neural-net layer); graphviz and friends are imported by
the modules that draw, so `import microgradjp` stays light.
"""
