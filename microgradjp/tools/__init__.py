"""Using the library from outside: the expression grammar, the command line, the demo.

(``tools.replay`` is only replay's old path: replay lives in the core, where ``fit`` reaches it.)

Tools may import any layer below them; nothing imports a tool but `__main__` and tests.
"""
