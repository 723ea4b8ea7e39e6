"""Tests for microgradjp.losses: seed numbers, stability, central differences, errors."""

import math

import pytest

from microgradjp import Value, sigmoid
from microgradjp.core.node import nodes_under
from microgradjp.errors import DomainError, ValueTypeError
from microgradjp.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    cross_entropy_from_probabilities,
    l2_regularization,
    log_softmax,
    max_margin_loss,
    mean,
    mean_squared_error,
    multiclass_svm_loss,
    softmax,
)
from microgradjp.testing import gradcheck

LOGITS = [1.02, 2.29, 3.56, 4.83]  # the 2-3-4 network's output (seed 002)
TIGHT = {"atol": 1e-7, "rtol": 1e-6}


def data(values):
    return [v.data for v in values]


# -- softmax -------------------------------------------------------------------------------------


def test_softmax_seed_numbers_sum_to_one():
    probabilities = data(softmax(LOGITS))
    assert probabilities == pytest.approx([0.01602796, 0.05707321, 0.20322929, 0.72366954],
                                          abs=1e-8)
    assert math.fsum(probabilities) == pytest.approx(1.0, abs=1e-15)


def test_softmax_does_not_overflow_and_ignores_a_shift():
    shifted = data(softmax([x + 1000.0 for x in LOGITS]))
    assert shifted == pytest.approx(data(softmax(LOGITS)), abs=1e-12)
    assert data(softmax([-1000.0, 1000.0])) == [0.0, 1.0]


def test_log_softmax_is_exact_where_softmax_underflows():
    assert data(log_softmax([0.0, 1000.0])) == [-1000.0, 0.0]
    assert data(log_softmax(LOGITS)) == pytest.approx([math.log(p) for p in data(softmax(LOGITS))])


def test_softmax_gradients_match_central_differences():
    for k in range(3):
        assert gradcheck(lambda a, b, c, k=k: softmax([a, b, c])[k], 0.5, -1.2, 2.0, **TIGHT)


# -- cross entropy ---------------------------------------------------------------------------------


def test_cross_entropy_seed_value_is_exact_minus_log():
    loss = cross_entropy(LOGITS, 3).data
    assert loss == pytest.approx(0.3234204315, abs=1e-10)
    assert loss == pytest.approx(-math.log(softmax(LOGITS)[3].data), abs=1e-15)


def test_seed_adds_1e_minus_7_inside_the_log():
    # The seeds print cross_entropy_error(d, y) = -sum d log(y + 1e-7): a little smaller.
    y3 = softmax(LOGITS)[3].data
    assert -math.log(y3 + 1e-7) == pytest.approx(0.3234202933601941, abs=1e-12)
    assert cross_entropy(LOGITS, 3).data - 0.3234202933601941 == pytest.approx(1.38e-7, abs=1e-9)


def test_cross_entropy_index_and_one_hot_agree():
    assert cross_entropy(LOGITS, [0, 0, 0, 1]).data == cross_entropy(LOGITS, 3).data


def test_cross_entropy_with_soft_targets():
    target = [0.1, 0.2, 0.3, 0.4]
    expected = -math.fsum(t * y.data for t, y in zip(target, log_softmax(LOGITS), strict=True))
    assert cross_entropy(LOGITS, target).data == pytest.approx(expected, abs=1e-12)


def test_cross_entropy_gradient_is_softmax_minus_target():
    logits = [Value(x) for x in LOGITS]
    cross_entropy(logits, 3).backward()
    expected = [p - (k == 3) for k, p in enumerate(data(softmax(LOGITS)))]
    assert [x.grad for x in logits] == pytest.approx(expected, abs=1e-15)


def test_cross_entropy_is_stable_for_huge_logits():
    assert cross_entropy([0.0, 1000.0], 0).data == 1000.0


def test_cross_entropy_is_built_from_rows():
    # logsumexp row, then a subtraction: no hand-written backward anywhere.
    loss = cross_entropy([Value(1.0), Value(2.0)], 1)
    assert {node.op for node in nodes_under(loss)} == {"", "logsumexp", "-"}


@pytest.mark.parametrize("target", [0, 2, [0.2, 0.5, 0.3]])
def test_cross_entropy_gradients_match_central_differences(target):
    assert gradcheck(lambda a, b, c: cross_entropy([a, b, c], target), 0.4, -0.7, 1.3, **TIGHT)


# -- binary cross entropy -------------------------------------------------------------------------


def test_binary_cross_entropy_seed_2_3_1_case():
    # Exact -log(0.87435214); the seed prints 0.13427195993720972 (1e-7 inside the log).
    assert binary_cross_entropy([0.87435214], 1).data == pytest.approx(0.13427207, abs=1e-8)
    assert binary_cross_entropy_with_logits(1.94, 1).data == pytest.approx(0.13427207, abs=1e-8)


@pytest.mark.parametrize(("p", "t", "expected"), [
    (0.0, 0.0, 0.0), (1.0, 1.0, 0.0), (0.5, 0.5, math.log(2.0)), (0.25, 0.0, -math.log(0.75)),
])
def test_binary_cross_entropy_leaves_out_zero_weight_terms(p, t, expected):
    assert binary_cross_entropy(p, t).data == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("z", [-30.0, -2.0, 0.0, 0.7, 5.0])
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_with_logits_equals_probability_form(z, t):
    expected = binary_cross_entropy(sigmoid(z), t).data
    assert binary_cross_entropy_with_logits(z, t).data == pytest.approx(expected, rel=1e-9)


def test_with_logits_keeps_digits_the_probability_form_loses():
    # 1 - sigmoid(25) cancels catastrophically; softplus(25) = 25 + log1p(e^-25) does not.
    exact = 25.0 + math.log1p(math.exp(-25.0))
    assert binary_cross_entropy_with_logits(25.0, 0).data == pytest.approx(exact, rel=1e-15)
    assert abs(binary_cross_entropy(sigmoid(25.0), 0).data - exact) > 1e-9


def test_with_logits_is_stable_where_the_sigmoid_saturates():
    assert binary_cross_entropy_with_logits(1000.0, 0).data == 1000.0
    assert binary_cross_entropy_with_logits(-1000.0, 0).data == 0.0
    z = Value(-1000.0)
    binary_cross_entropy_with_logits(z, 1).backward()
    assert z.grad == -1.0  # sigmoid(z) - t


@pytest.mark.parametrize("t", [0.0, 0.4, 1.0])
def test_binary_cross_entropy_gradients_match_central_differences(t):
    assert gradcheck(lambda p: binary_cross_entropy(p, t), 0.3, **TIGHT)
    assert gradcheck(lambda z: binary_cross_entropy_with_logits(z, t), -0.8, **TIGHT)


# -- squared error, hinge losses, regularisation -----------------------------------------------


def test_mean_squared_error_conventions():
    y, d = [1.02, 2.29], [2.0, 4.0]
    assert mean_squared_error(y, d).data == pytest.approx(0.971125, abs=1e-12)  # the README's ½
    assert mean_squared_error(y, d, half=False).data == pytest.approx(1.94225, abs=1e-12)
    assert mean_squared_error(y, d, reduction="sum").data == pytest.approx(1.94225)
    assert mean_squared_error(Value(3.0), 1.0, half=False).data == 4.0


def test_half_mean_squared_error_gradient_is_y_minus_d():
    y = Value(1.5)
    mean_squared_error([y], [4.0], half=True).backward()
    assert y.grad == -2.5


def test_mean_squared_error_gradients_match_central_differences():
    assert gradcheck(lambda a, b: mean_squared_error([a, b], [0.5, -1.0], half=True),
                     1.2, 0.3, **TIGHT)


def test_multiclass_svm_loss_cs231n_example():
    # Seed 004's L_i = sum_{j != y} max(0, s_j - s_y + 1); CS231n's three images.
    losses = [multiclass_svm_loss([3.2, 5.1, -1.7], 0), multiclass_svm_loss([1.3, 4.9, 2.0], 1),
              multiclass_svm_loss([2.2, 2.5, -3.1], 2)]
    assert data(losses) == pytest.approx([2.9, 0.0, 12.9], abs=1e-12)
    assert mean(losses).data == pytest.approx(15.8 / 3, abs=1e-12)  # CS231n rounds to 5.27


def test_multiclass_svm_loss_gradient_counts_violating_classes():
    scores = [Value(3.2), Value(5.1), Value(-1.7)]
    multiclass_svm_loss(scores, 0).backward()
    assert [s.grad for s in scores] == [-1.0, 1.0, 0.0]


def test_multiclass_svm_gradients_match_central_differences():
    assert gradcheck(lambda a, b, c: multiclass_svm_loss([a, b, c], 1), 0.2, 0.5, -0.1, **TIGHT)


def test_max_margin_loss_is_micrograds_demo_loss():
    assert max_margin_loss(0.25, 1).data == 0.75
    assert max_margin_loss([-0.5], -1).data == 0.5
    assert max_margin_loss(3.0, 1).data == 0.0
    assert gradcheck(lambda s: max_margin_loss(s, -1), 0.3, **TIGHT)


def test_l2_regularization_is_lambda_sum_of_squares():
    weights = [Value(3.0), Value(-4.0)]
    penalty = l2_regularization(weights, 0.5)
    penalty.backward()
    assert penalty.data == 12.5
    assert [w.grad for w in weights] == [3.0, -4.0]  # 2 * lambda * w


def test_mean_is_one_sum_node_divided():
    values = [Value(1.0), Value(2.0), Value(6.0)]
    result = mean(values)
    result.backward()
    assert result.data == 3.0 and [v.grad for v in values] == pytest.approx([1 / 3] * 3)


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "exception", "fragment"), [
    (lambda: softmax([]), ValueTypeError, "non-empty sequence"),
    (lambda: softmax(["a"]), ValueTypeError, "real number"),
    (lambda: cross_entropy(LOGITS, 4), DomainError, "there are 4 classes"),
    (lambda: cross_entropy(LOGITS, -1), DomainError, "indexed 0..3"),
    (lambda: cross_entropy(LOGITS, 1.0), ValueTypeError, "class index"),
    (lambda: cross_entropy(LOGITS, [0, 1]), DomainError, "a target has shape (4,)"),
    (lambda: cross_entropy(LOGITS, [0, 0, 0, 2]), DomainError, "must be in [0, 1]"),
    (lambda: cross_entropy(LOGITS, [0, 0, 0.5, 0]), DomainError, "must sum to 1"),
    (lambda: binary_cross_entropy(1.5, 1), DomainError, "a probability must be in [0, 1]"),
    (lambda: binary_cross_entropy(math.nan, 1), DomainError, "a probability must be in [0, 1]"),
    (lambda: binary_cross_entropy(0.0, 1), DomainError, "binary_cross_entropy_with_logits"),
    (lambda: binary_cross_entropy(1.0, 0.5), DomainError, "the loss is infinite"),
    (lambda: binary_cross_entropy(0.5, 2), DomainError, "target must be in [0, 1]"),
    (lambda: binary_cross_entropy([0.5, 0.5], 1), DomainError, "one output per sample"),
    (lambda: binary_cross_entropy_with_logits(0.0, -1), DomainError, "use 0/1 labels"),
    (lambda: mean_squared_error([1.0, 2.0], [1.0]), DomainError, "one target per prediction"),
    (lambda: mean_squared_error([1.0], [1.0], reduction="max"), DomainError, "'mean' or 'sum'"),
    (lambda: mean_squared_error([1.0], ["1"]), ValueTypeError, "targets[0]"),
    (lambda: multiclass_svm_loss([1.0], 0), DomainError, "at least two"),
    (lambda: multiclass_svm_loss([1.0, 2.0], 2), DomainError, "there are 2 classes"),
    (lambda: max_margin_loss(0.5, 0), DomainError, "2 * y - 1"),
    (lambda: l2_regularization([], 0.1), ValueTypeError, "non-empty list of parameter"),
    (lambda: l2_regularization([Value(1.0)], -0.1), DomainError, "must be >= 0"),
    (lambda: l2_regularization([Value(1.0)], math.nan), DomainError, "must be >= 0 and finite"),
    (lambda: l2_regularization([Value(1.0)], math.inf), DomainError, "must be >= 0 and finite"),
    (lambda: cross_entropy(LOGITS, "3"), ValueTypeError, "class index"),
    (lambda: mean([]), ValueTypeError, "non-empty sequence"),
])
def test_errors(call, exception, fragment):
    with pytest.raises(exception) as caught:
        call()
    assert fragment in str(caught.value)


# -- numpy in: arrays and numpy scalars give the list version's numbers, bit for bit --------------


@pytest.fixture
def np():
    return pytest.importorskip("numpy")


def test_losses_take_numpy_arrays_and_scalars_bit_for_bit(np):
    u, d = np.array([1.02, 2.29, 3.56, 4.83]), np.array([0, 0, 0, 1])
    pairs = [
        (cross_entropy(u, d), cross_entropy(u.tolist(), d.tolist())),
        (cross_entropy(u, np.int64(3)), cross_entropy(u.tolist(), 3)),
        (cross_entropy_from_probabilities(softmax(u), d, eps=np.float64(1e-7)),
         cross_entropy_from_probabilities(softmax(u.tolist()), [0, 0, 0, 1], eps=1e-7)),
        (mean_squared_error(np.array([1.02, 2.29]), np.array([2.0, 4.0])),
         mean_squared_error([1.02, 2.29], [2.0, 4.0])),
        (mean_squared_error(Value(1.5), np.float32(4.0)), mean_squared_error(Value(1.5), 4.0)),
        (multiclass_svm_loss(np.array([3.2, 5.1, -1.7]), np.int64(0)),
         multiclass_svm_loss([3.2, 5.1, -1.7], 0)),
        (max_margin_loss(np.float64(0.25), np.int64(-1)), max_margin_loss(0.25, -1)),
        (binary_cross_entropy_with_logits(np.array([1.94]), np.int64(1)),
         binary_cross_entropy_with_logits(1.94, 1)),
        (softmax(u)[2], softmax(u.tolist())[2]),
    ]
    assert [a.data for a, _ in pairs] == [b.data for _, b in pairs]


def test_loss_shape_errors_name_expected_and_got(np):
    with pytest.raises(DomainError, match=r"predictions of shape \(2,\), targets of shape \(3,\)"):
        mean_squared_error(np.zeros(2), np.zeros(3))
    with pytest.raises(DomainError, match=r"outputs of shape \(3,\).*shape \(1,\) or a Value"):
        max_margin_loss(np.zeros(3), 1)


# -- logits and probabilities cannot be confused ------------------------------------------------


def test_cross_entropy_from_probabilities_matches_the_logit_form():
    logits = [0.3, -1.2, 2.0]
    exact = cross_entropy(logits, [0.2, 0.3, 0.5]).data
    assert cross_entropy_from_probabilities(softmax(logits), [0.2, 0.3, 0.5]).data == \
        pytest.approx(exact, rel=1e-14)


def test_cross_entropy_from_probabilities_gradient_matches_central_differences():
    assert gradcheck(lambda a, b, c: cross_entropy_from_probabilities(softmax([a, b, c]), 1,
                                                                      eps=1e-7), 0.3, -1.2, 2.0)


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda: cross_entropy_from_probabilities([2.0, -1.0], 0), "these are not probabilities"),
    (lambda: cross_entropy_from_probabilities([0.5, 0.4], 0), "summing to 1"),
    (lambda: cross_entropy_from_probabilities([1.0, 0.0], 1), "pass eps=1e-7 as the seeds do"),
    (lambda: cross_entropy_from_probabilities([0.5, 0.5], 0, eps=-1.0), "eps must be in [0, 1)"),
    (lambda: cross_entropy(softmax([1.0, 2.0]), 0), "already a softmax output"),
    (lambda: binary_cross_entropy_with_logits(Value(0.3).sigmoid(), 1),
     "already a sigmoid output"),
])
def test_probability_and_logit_forms_refuse_each_other(call, fragment):
    with pytest.raises(DomainError) as caught:
        call()
    assert fragment in str(caught.value)


def test_logits_that_look_like_probabilities_are_not_refused():
    assert cross_entropy([0.25, 0.75], 1).data == pytest.approx(math.log1p(math.exp(-0.5)))


@pytest.mark.parametrize(("values", "expected"), [
    ([1e308, 1e308], math.inf), ([-1e308, -1e308], -math.inf), ([math.inf, -math.inf], math.nan),
])
def test_the_mean_of_huge_numbers_is_what_plus_gives(values, expected):
    # issue 30, row 2: mean([Value(1e308)] * 2) raised; (a + b) / 2 is inf.
    by_plus = sum((Value(v) for v in values), Value(0.0)) / len(values)
    got = mean([Value(v) for v in values]).data
    assert repr(got) == repr(by_plus.data) == repr(expected)


@pytest.mark.parametrize("values", [[1e308, 1e308, -math.inf], [-math.inf, 1e308, 1e308]])
def test_a_sum_overflowing_only_on_the_way_is_the_exact_sum_in_any_order(values):
    # Two finite numbers and -inf sum to -inf. + overflows on the way in one order (inf - inf:
    # nan) and not in the other; the row is exact, so the order does not matter.
    assert mean([Value(v) for v in values]).data == -math.inf
