"""Using the library from outside: replay, the expression grammar, the command line, the demo.

Tools may import any layer below them; nothing imports a tool but `__main__` and tests.
"""
