"""What the playground page asks of Python (microgradjp.tools.playground), in CPython: the same
module the page runs under Pyodide. Numbers are checked against backward() on the same graph."""

import re

import pytest

from microgradjp import Value
from microgradjp.core.walk import record
from microgradjp.tools.expr import evaluate
from microgradjp.tools.playground import EXAMPLES, Practice, descend, diagnose, show

CIRCUIT, AT = EXAMPLES["cs231n"].text, EXAMPLES["cs231n"].inputs
T = "\N{MULTIPLICATION SIGN}"


def grads_by_backward(text, at):
    root = evaluate(text, at)
    root.backward()
    leaves = {node.label: node for node in record(root).nodes if not node.parents and node.label}
    return root.data, {name: leaves[name].grad for name in at}


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_each_example_shows_what_backward_computes(key):
    example = EXAMPLES[key]
    shown = show(example.text, example.inputs)
    value, grads = grads_by_backward(example.text, example.inputs)
    assert shown["value"] == value and shown["grads"] == grads
    assert "<svg" in shown["svg"] and shown["player"].startswith("<!DOCTYPE html>")


def test_the_apple_example_is_the_seeds_apple(apple):
    apple.backward()
    shown = show(EXAMPLES["apple"].text, EXAMPLES["apple"].inputs)
    assert shown["value"] == apple.data == pytest.approx(220.0)
    assert shown["grads"] == pytest.approx({"りんご": 2.2, "個数": 110.0, "消費税": 200.0})


def test_a_variable_not_given_starts_at_one():
    assert show("a * b", {"a": 3.0})["inputs"] == {"a": 3.0, "b": 1.0}


def test_text_outside_the_grammar_gives_its_message_with_the_caret():
    shown = show("x ^ 2", {"x": 1.0})
    assert list(shown) == ["error"]
    assert shown["error"].startswith("unexpected character '^'; use ** for powers")
    assert shown["error"].endswith("x ^ 2\n    ^")


def test_a_domain_error_is_a_message_not_a_traceback():
    assert "log" in show("log(x)", {"x": -1.0})["error"]


def test_each_box_has_its_chain_rule_sum_in_both_languages():
    boxes = show("x * x + x", {"x": 3.0})["boxes"]
    titles = {box["title"][0]: box for box in boxes.values()}
    x = titles["x: its gradient is 7, the sum over its 3 uses"]
    assert x["title"][1] == "x の勾配は 7(3 か所からの和)"
    assert len(x["lines"]) == 3
    assert x["lines"][-1][0].endswith("so its gradient is the sum 1 + 3 + 3 = 7.")
    assert x["lines"][-1][1].endswith("勾配は和 1 + 3 + 3 = 7。")
    assert f"(x {T} x) + x is the output: its gradient is 1" in titles


def test_a_descent_step_moves_against_the_gradient():
    value, grads = grads_by_backward(CIRCUIT, AT)
    step = descend(CIRCUIT, AT, 0.1)
    moved = {name: AT[name] - 0.1 * grads[name] for name in AT}
    assert step["inputs"] == moved
    assert step["before"] == value and step["after"] == evaluate(CIRCUIT, moved).data


def test_a_descent_step_refuses_a_rate_that_is_not_finite():
    assert "learning rate nan" in descend(CIRCUIT, AT, float("nan"))["error"]


def test_practice_asks_newest_first_and_hides_what_is_not_answered():
    round = Practice(CIRCUIT, AT)
    asked = []
    while not round.state()["done"]:
        state = round.state()
        asked.append(state["question"][0].split("with respect to ")[1])
        shown = re.findall(r">(grad [^<]*)<", state["svg"])
        assert shown.count("grad ?") == 4 - len(asked) + 1  # the asked one and those after it
        round.reveal()
    assert asked == ["z?", "x + y?", "y?", "x?"]
    _, grads = grads_by_backward(CIRCUIT, AT)
    final = re.findall(r">(grad [^<]*)<", round.state()["svg"])
    assert "grad ?" not in final and {f"grad {grads[name]:g}" for name in AT} <= set(final)


def test_practice_accepts_the_right_gradient_and_a_typographic_minus():
    round = Practice(CIRCUIT, AT)
    assert round.answer("3")["correct"] is True
    assert round.answer("\N{MINUS SIGN}4")["correct"] is True  # x + y
    assert round.state()["question"][1] == "出力の y についての勾配(微分)はいくつ?"


def test_practice_offers_the_answer_after_two_wrong_tries():
    round = Practice(CIRCUIT, AT)
    assert round.answer("5")["reveal"] is False
    assert round.answer("6")["reveal"] is True
    assert round.state()["reveal"] is True
    round.reveal()
    assert round.state()["reveal"] is False and "grad 3" in round.state()["svg"]


def test_practice_says_when_the_answer_is_not_a_number():
    feedback = Practice(CIRCUIT, AT).answer("abc")["feedback"]
    assert feedback == ["'abc' is not a number: type one, such as -4 or 0.5",
                        "'abc' は数ではありません。-4 や 0.5 のように入力してください"]


def fan_out():
    x = Value(3.0, label="x")
    return x, record((x * x + x).named("f"))  # x's uses: the + (1) and the * twice (3 and 3)


def circuit():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = (x + y).named("q")
    return q, record((q * z).named("f"))


@pytest.mark.parametrize(("graph", "given", "english", "japanese"), [
    (fan_out, 3.0, f"x is used 3 times (at f and x {T} x and x {T} x): its gradient is the sum of "
     "what flows back along each use; your answer counts one use only", "1 か所の分だけです"),
    (fan_out, 6.0, "your answer leaves one out", "1 か所が抜けています"),
    (fan_out, 2.0, "check each: the gradient reaching f is 1; check the local derivative d(f)/d(x)"
     f" (+ passes the gradient on unchanged); the gradient reaching x {T} x is 1; check the local "
     f"derivative d(x {T} x)/d(x) ({T} multiplies by the other input)",
     f"x {T} x に届く勾配は 1 です。局所的な微分 d(x {T} x)/d(x) を確かめましょう"),
    (circuit, -4.0 + 1e-3, "the gradient reaching f is 1; check the local derivative d(f)/d(q) "
     f"({T} multiplies by the other input)", "局所的な微分 d(f)/d(q) を確かめましょう"),
    (circuit, 3.0, "that is the local derivative of f with respect to z, the other input; this "
     "one is with respect to q", "それは f のもう一方の入力 z についての局所的な微分です"),
])
def test_a_wrong_gradient_is_told_what_to_check(graph, given, english, japanese):
    node, recorded = graph()
    feedback = diagnose(recorded, node, given)
    assert english in feedback[0] and japanese in feedback[1]
    right = f"{recorded.grads[node]:g}"
    assert right not in re.findall(r"-?\d+(?:\.\d+)?", feedback[0])  # the answer is not given


def test_the_local_derivative_alone_is_told_to_take_the_upstream():
    x = Value(2.0, label="x")
    recorded = record((x * 3 * 5).named("f"))  # upstream at x * 3 is 5, local 3
    feedback = diagnose(recorded, x, 3.0)
    assert feedback[0] == ("that is the local derivative alone: multiply it by the gradient "
                           f"reaching x {T} 3 from above (5)")
    assert feedback[1] == (f"それは局所的な微分だけです。上から x {T} 3 に届く勾配 5 を"
                           "掛けましょう。")
