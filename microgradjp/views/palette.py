"""The colours and the Latin font every drawing of a graph shares (element and neuron views)."""

__all__ = ["CAPTION_COLOUR", "GRAD_COLOUR", "LATIN_FONT", "LOCAL_COLOUR", "ROLE_COLOURS"]

ROLE_COLOURS = {
    "input": "#cfe2f3",  # a Value the user made
    "parameter": "#fce5cd",  # an nn.Parameter, or a leaf passed in parameters=
    "constant": "#e6e6e6",  # a number that appeared in the expression: the 2 in x * 2
    "output": "#d9ead3",  # the root
    "made by an op": "white",
}
GRAD_COLOUR = "#b03a2e"  # the seeds draw the backward flow in red
LOCAL_COLOUR = "#1f5fa8"
CAPTION_COLOUR = "#555555"
LATIN_FONT = "Helvetica"  # every engine has it (graphviz-pure maps it to its bundled Arimo)
