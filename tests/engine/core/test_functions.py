"""The lab's elementary functions, with the lab's own numbers."""

import numpy as np
import pytest

from engine import dsigmoid, nll, one_hot, sigmoid, softmax


def test_one_hot_int_and_sequence():
    assert one_hot(10, 3).tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    encoded = one_hot(3, [0, 2, 1])
    assert encoded.shape == (3, 3)
    np.testing.assert_array_equal(encoded, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])


def test_one_hot_refuses_out_of_range_labels():
    with pytest.raises(ValueError, match="0..2"):
        one_hot(3, [0, 3])


def test_softmax_lab_values():
    # the lab's check: softmax([10, 2, -3]) ~ [9.99662391e-01, 3.35349373e-04, 2.25956630e-06]
    np.testing.assert_allclose(
        softmax([10, 2, -3]), [9.99662391e-01, 3.35349373e-04, 2.25956630e-06], rtol=1e-6
    )


def test_softmax_batch_rows_sum_to_one():
    X = np.array([[10, 2, -3], [-1, 5, -20]])
    out = softmax(X)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    np.testing.assert_allclose(out[1], softmax(X[1]))


@pytest.mark.parametrize("logits", [[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e300, 0, -1e300]])
def test_softmax_stable_for_extreme_finite_logits(logits):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = softmax(np.array(logits))
    assert np.isfinite(out).all()
    assert out.sum() == pytest.approx(1.0)


def test_nll_lab_values():
    assert nll([1, 0, 0], [0.99, 0.01, 0]) == pytest.approx(0.01005, abs=1e-5)
    assert nll([1, 0, 0], [0.01, 0.01, 0.98]) == pytest.approx(4.60517, abs=1e-5)
    # the lab's batch example: three rows, the average of their NLLs
    Y_true = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    Y_pred = np.array([[0, 1, 0], [0.99, 0.01, 0], [0, 0, 1]])
    assert nll(Y_true, Y_pred) == pytest.approx(0.00335, abs=1e-5)


def test_nll_of_zero_probability_is_large_and_finite_without_warning():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = nll([0, 1, 0], [1.0, 0.0, 0.0])
    assert np.isfinite(value) and value > 30


def test_sigmoid_and_derivative():
    x = np.array([-1e4, -2.0, 0.0, 2.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = sigmoid(x)
    np.testing.assert_allclose(s, [0, 1 / (1 + np.exp(2)), 0.5, 1 / (1 + np.exp(-2)), 1])
    eps = 1e-6
    numeric = (sigmoid(x[1:4] + eps) - sigmoid(x[1:4] - eps)) / (2 * eps)
    np.testing.assert_allclose(dsigmoid(x[1:4]), numeric, rtol=1e-6)
    assert dsigmoid(0.0) == pytest.approx(0.25)
