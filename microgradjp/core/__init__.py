"""The core: the rule table, the node, the walks, gradients as functions.

Imports nothing of the package but `errors`: the neural-net layer, the views and the tools all
build on it, never the other way round.
"""
