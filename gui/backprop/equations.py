"""The lab's equations with one sample's numbers filled in, as rich text (no Qt).

Every number is read from a ``BackpropTrace``; the only arithmetic here rewrites a traced number
as the sum or product it came from, so the student can check it by hand. Where the traced
number differs from what the lab's equation gives (a deliberate bug, ``engine.BUGS``), the
text says so, in red, at the stage the mistake is made.

Columns are numbered as in ``diagram_layout`` (0 input, ``L`` output), weight layers from 1.
Indices are 0-based, as in NumPy. For a batch, per-sample numbers are sample ``s``'s; the loss
is the batch mean and the gradients are sums over the batch of ``δ``, which already holds the
``1/n``.
"""

import html
import math
from dataclasses import dataclass, replace

import numpy as np

from engine import BackpropTrace
from gui.backprop.diagram_layout import Hit
from gui.theme import ERROR_RED

FORWARD, BACKWARD = "forward", "backward"
MISMATCH = ERROR_RED
SYMBOLS = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "leaky_relu": "leaky", "identity": "id"}
SLOPES = {
    "sigmoid": "a(1 − a)",
    "tanh": "1 − a²",
    "relu": "[z > 0]",
    "leaky_relu": "1 or 0.01",
    "identity": "1",
}


# --- numbers and symbols -------------------------------------------------------------------


def num(value: float) -> str:
    """A number in 3 significant digits, with a real minus sign."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    text = f"{value:.3g}"
    return text.replace("-", "−").replace("e−0", "e−").replace("e+0", "e").replace("e+", "e")


def factor(value: float) -> str:
    """A number as a factor: in parentheses when negative."""
    return f"({num(value)})" if float(value) < 0 else num(value)


def sym(base: str, layer: int | None = None, *index: int) -> str:
    """``base`` with a layer superscript and index subscripts, e.g. ``a¹₇``."""
    sup = f"<sup>{layer}</sup>" if layer is not None else ""
    sub = f"<sub>{','.join(str(i) for i in index)}</sub>" if index else ""
    return f"{base}{sup}{sub}"


def unit_symbol(n_layers: int, column: int, *index: int, backward: bool = False) -> str:
    """The value of a unit of ``column``: ``x``, ``a^l`` or ``p`` (``δ^l`` going backward)."""
    if column == 0:
        return sym("x", None, *index)
    if backward:
        return sym("δ", column, *index)
    return sym("p", None, *index) if column == n_layers else sym("a", column, *index)


def _mismatch(expected: float, actual: float) -> str:
    if np.isclose(expected, actual, rtol=1e-6, atol=1e-12) or not np.isfinite(actual):
        return ""
    return (
        f" <span style='color:{MISMATCH}'><b>but backprop computed {num(actual)}</b>: "
        "the deliberate bug is here</span>"
    )


# --- reading a trace -----------------------------------------------------------------------


def sample(trace: BackpropTrace, array: np.ndarray, s: int) -> np.ndarray:
    """Sample ``s``'s row of a per-sample array (the array itself for one sample)."""
    return array[s] if trace.is_batch else array


def label(trace: BackpropTrace, s: int) -> int:
    return int(trace.labels[s]) if trace.is_batch else int(trace.labels)


def column_values(trace: BackpropTrace, column: int, mode: str, s: int = 0) -> np.ndarray:
    """What a column's units show: ``x``, ``a`` or ``p`` going forward, ``δ`` going backward
    (the input ``x`` either way: backpropagation needs no δ for it)."""
    if column == 0:
        return sample(trace, trace.layers[0].inputs, s)
    layer = trace.layers[column - 1]
    return sample(trace, layer.delta if mode == BACKWARD else layer.activation, s)


def weight_values(trace: BackpropTrace, layer: int, mode: str) -> np.ndarray:
    """``W_l`` going forward, ``∂L/∂W_l`` going backward."""
    t = trace.layers[layer - 1]
    return t.grad_W if mode == BACKWARD else t.weights


# --- which units the equations follow --------------------------------------------------------


@dataclass(frozen=True)
class Focus:
    """The units the user pointed at (None: chosen automatically).

    hidden : ``(column, unit)`` of a hidden unit; output : an output unit; weight :
    ``(layer, i, j)`` for ``W_layer[i, j]``, ``j`` None to choose it automatically."""

    hidden: tuple[int, int] | None = None
    output: int | None = None
    weight: tuple[int, int, int | None] | None = None

    def pointed(self, hit: Hit, n_layers: int) -> "Focus":
        """The focus after pointing at ``hit``."""
        if hit.kind == "unit":
            if hit.column == n_layers:
                return replace(self, output=hit.unit)
            if hit.column == 0:
                return replace(self, weight=(1, hit.unit, None))
            return replace(self, hidden=(hit.column, hit.unit), weight=None)
        focus = replace(self, weight=(hit.layer, hit.i, hit.j))
        if hit.layer < n_layers:
            return replace(focus, hidden=(hit.layer, hit.j))
        focus = replace(focus, output=hit.j)
        return replace(focus, hidden=(hit.layer - 1, hit.i)) if hit.layer > 1 else focus


@dataclass(frozen=True)
class Resolved:
    """The focus with every choice made: ``hidden`` is None without hidden layers."""

    hidden: tuple[int, int] | None
    output: int
    weight: tuple[int, int, int]


def _sizes(trace: BackpropTrace) -> list[int]:
    return [trace.layers[0].n_in] + [t.n_out for t in trace.layers]


def _valid(trace: BackpropTrace, column: int, unit: int | None) -> bool:
    sizes = _sizes(trace)
    return 0 <= column < len(sizes) and (unit is None or 0 <= unit < sizes[column])


def _strongest(values: np.ndarray) -> int:
    return int(np.argmax(np.nan_to_num(values, nan=-np.inf)))


def resolve(trace: BackpropTrace, focus: Focus, mode: str, s: int = 0) -> Resolved:
    """Fill in what the user did not choose: the predicted class, the last hidden layer's most
    active unit (largest ``|δ|`` going backward), the weight into the focused unit that
    carries the most (or has the largest gradient going backward)."""
    n_layers = len(trace.layers)
    p = sample(trace, trace.probabilities, s)
    output = focus.output
    if output is None or not 0 <= output < len(p):
        output = _strongest(p)
    hidden = focus.hidden
    if n_layers == 1:
        hidden = None
    elif hidden is None or not (1 <= hidden[0] < n_layers and _valid(trace, *hidden)):
        values = column_values(trace, n_layers - 1, mode, s)
        hidden = (n_layers - 1, _strongest(np.abs(values) if mode == BACKWARD else values))
    weight = focus.weight
    if weight is None or not (
        1 <= weight[0] <= n_layers and _valid(trace, weight[0] - 1, weight[1])
        and _valid(trace, weight[0], weight[2])
    ):  # fmt: skip
        layer = hidden[0] if hidden is not None else n_layers
        weight = (layer, None, None)
    layer, i, j = weight
    if j is None:
        if hidden is not None and hidden[0] == layer:
            j = hidden[1]
        elif layer == n_layers:
            j = output
        else:
            j = _strongest(np.abs(column_values(trace, layer, mode, s)))
    if i is None:
        t = trace.layers[layer - 1]
        if mode == BACKWARD:
            i = _strongest(np.abs(t.grad_W[:, j]))
        else:
            i = _strongest(np.abs(sample(trace, t.inputs, s) * t.weights[:, j]))
    return Resolved(hidden, output, (layer, i, j))


# --- the equations -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """One of the lab's equations: ``formula`` as the lab writes it, ``numbers`` with this
    sample's values; ``direction`` is ``forward`` or ``backward``."""

    direction: str
    title: str
    formula: str
    numbers: str


def _z_line(trace: BackpropTrace, layer: int, j: int, s: int) -> str:
    t = trace.layers[layer - 1]
    n_layers = len(trace.layers)
    a_prev = sample(trace, t.inputs, s)
    terms = a_prev * t.weights[:, j]
    top = np.argsort(-np.nan_to_num(np.abs(terms)))[:2]
    prev = unit_symbol(n_layers, layer - 1)
    parts = [f"{factor(a_prev[i])}·{factor(t.weights[i, j])}" for i in sorted(top)]
    rest = f" + … ({len(terms)} terms)" if len(terms) > 2 else ""
    z = sample(trace, t.pre_activation, s)[j]
    return (
        f"{sym('z', layer, j)} = Σ<sub>i</sub> {prev}<sub>i</sub>{sym('W', layer, 'i', j)}"
        f" + {sym('b', layer, j)} = {' + '.join(parts)}{rest} + {factor(t.bias[j])}"
        f" = <b>{num(z)}</b>"
    )


def _activation_line(trace: BackpropTrace, column: int, j: int, s: int) -> str:
    t = trace.layers[column - 1]
    name = t.activation_name
    z = sample(trace, t.pre_activation, s)[j]
    a = sample(trace, t.activation, s)[j]
    f = SYMBOLS.get(name, name)
    return f"{sym('a', column, j)} = {f}({sym('z', column, j)}) = {f}({num(z)}) = <b>{num(a)}</b>"


def _softmax_line(trace: BackpropTrace, k: int, s: int) -> str:
    z = sample(trace, trace.layers[-1].pre_activation, s)
    p = sample(trace, trace.probabilities, s)
    with np.errstate(over="ignore"):
        total = float(np.sum(np.exp(z.astype(np.float64))))
    return (
        f"{sym('p', None, k)} = e<sup>{sym('z', None, k)}</sup> / Σ<sub>m</sub> "
        f"e<sup>{sym('z', None, 'm')}</sup> = e<sup>{num(z[k])}</sup> / {num(total)}"
        f" = <b>{num(p[k])}</b>"
    )


def _loss_line(trace: BackpropTrace, s: int) -> str:
    y = label(trace, s)
    p = sample(trace, trace.probabilities, s)[y]
    with np.errstate(divide="ignore"):
        own = -math.log(p) if p > 0 else math.inf
    if trace.is_batch and trace.n_samples > 1:
        return (
            f"this sample (label {y}): −log {sym('p', None, y)} = −log {num(p)} = {num(own)}; "
            f"the mean over the {trace.n_samples} samples: L = <b>{num(trace.loss)}</b>"
        )
    return f"label y = {y}: L = −log {sym('p', None, y)} = −log {num(p)} = <b>{num(trace.loss)}</b>"


def _output_delta_line(trace: BackpropTrace, k: int, s: int) -> str:
    n_layers, n = len(trace.layers), trace.n_samples
    p = sample(trace, trace.probabilities, s)[k]
    y = sample(trace, trace.target, s)[k]
    delta = sample(trace, trace.layers[-1].delta, s)[k]
    expected = (p - y) / n
    over = f") / {n}" if n > 1 else ")"
    return (
        f"{sym('δ', n_layers, k)} = ({sym('p', None, k)} − {sym('y', None, k)}{over} = "
        f"({num(p)} − {num(y)}{over} = <b>{num(expected)}</b>" + _mismatch(expected, delta)
    )


def _gradient_line(trace: BackpropTrace, layer: int, i: int, j: int, s: int) -> str:
    t = trace.layers[layer - 1]
    n_layers = len(trace.layers)
    a = sample(trace, t.inputs, s)[i]
    delta = sample(trace, t.delta, s)[j]
    prev = unit_symbol(n_layers, layer - 1, i)
    grad, grad_b = t.grad_W[i, j], t.grad_b[j]
    expected_b = float(np.sum(t.delta[..., j]))
    if trace.is_batch and trace.n_samples > 1:
        line = (
            f"∂L/∂{sym('W', layer, i, j)} = Σ<sub>samples</sub> {prev}·{sym('δ', layer, j)}: "
            f"this sample {factor(a)} × {factor(delta)} = {num(a * delta)}, "
            f"over the batch <b>{num(grad)}</b>; ∂L/∂{sym('b', layer, j)} = Σ "
            f"{sym('δ', layer, j)} = <b>{num(expected_b)}</b>"
        )
    else:
        line = (
            f"∂L/∂{sym('W', layer, i, j)} = {prev}·{sym('δ', layer, j)} = {factor(a)} × "
            f"{factor(delta)} = <b>{num(grad)}</b>; ∂L/∂{sym('b', layer, j)} = "
            f"{sym('δ', layer, j)} = <b>{num(expected_b)}</b>"
        )
    return line + _mismatch(expected_b, grad_b)


def _send_back_line(trace: BackpropTrace, column: int, j: int, s: int) -> str:
    t, above = trace.layers[column - 1], trace.layers[column]
    delta_above = sample(trace, above.delta, s)
    back = float(np.dot(delta_above, above.weights[j, :]))
    slope = sample(trace, t.f_prime, s)[j]
    expected = back * slope
    actual = sample(trace, t.delta, s)[j]
    f = SYMBOLS.get(t.activation_name, t.activation_name)
    return (
        f"{sym('δ', column, j)} = (Σ<sub>m</sub> {sym('δ', column + 1, 'm')}"
        f"{sym('W', column + 1, j, 'm')}) · {f}′({sym('z', column, j)}) = {factor(back)} × "
        f"{factor(slope)} = <b>{num(expected)}</b>" + _mismatch(expected, actual)
    )


def _update_line(
    trace: BackpropTrace,
    layer: int,
    i: int,
    j: int,
    learning_rate: float,
    after: dict[str, np.ndarray] | None,
    plain_sgd: bool,
) -> str:
    t = trace.layers[layer - 1]
    w, g = t.weights[i, j], t.grad_W[i, j]
    line = (
        f"{sym('W', layer, i, j)} ← {num(w)} − {num(learning_rate)} × {factor(g)} = "
        f"<b>{num(w - learning_rate * g)}</b>"
    )
    if after is not None:
        new = after[f"W{layer}"][i, j]
        if plain_sgd:
            line += f"; the run's update made it {num(new)}"
        else:
            line += f"; the run's optimizer (momentum or Adam) made it {num(new)}"
    return line


def stages(
    trace: BackpropTrace,
    focus: Resolved,
    learning_rate: float,
    s: int = 0,
    after: dict[str, np.ndarray] | None = None,
    plain_sgd: bool = True,
) -> list[Stage]:
    """The eight equations of one forward and backward pass and the update, with numbers for
    the focused units. ``after`` holds the parameters after a real update, if there was one."""
    n_layers = len(trace.layers)
    layer, i, j = focus.weight
    k = focus.output
    hidden = focus.hidden
    no_hidden = "(no hidden layer: the inputs go straight into the softmax)"
    if hidden is not None:
        z_line = _z_line(trace, hidden[0], hidden[1], s)
        a_line = _activation_line(trace, hidden[0], hidden[1], s)
        back_line = _send_back_line(trace, hidden[0], hidden[1], s)
    else:
        z_line, a_line = _z_line(trace, n_layers, k, s), no_hidden
        back_line = "(no hidden layer: nothing to send back)"
    hidden_name = trace.layers[0].activation_name if n_layers > 1 else "f"
    f = SYMBOLS.get(hidden_name, hidden_name)
    slope = f", f′ = {SLOPES[hidden_name]}" if hidden_name in SLOPES else ""
    return [
        Stage(FORWARD, "Weighted sum", "z = a<sub>prev</sub>·W + b", z_line),
        Stage(FORWARD, "Activation", f"a = f(z), f = {f}", a_line),
        Stage(FORWARD, "Output", "p = softmax(z)", _softmax_line(trace, k, s)),
        Stage(FORWARD, "Loss", "L = −log p<sub>y</sub>", _loss_line(trace, s)),
        Stage(BACKWARD, "Output error", "δ<sub>out</sub> = p − y",
              _output_delta_line(trace, k, s)),
        Stage(BACKWARD, "Gradient", "∂L/∂W = a<sub>prev</sub><sup>T</sup> δ, ∂L/∂b = δ",
              _gradient_line(trace, layer, i, j, s)),
        Stage(BACKWARD, "Error sent back",
              "δ<sub>prev</sub> = (δ W<sup>T</sup>) ⊙ f′(z)" + slope,
              back_line),
        Stage(BACKWARD, "Update", "W ← W − lr ∂L/∂W",
              _update_line(trace, layer, i, j, learning_rate, after, plain_sgd)),
    ]  # fmt: skip


def stages_html(items: list[Stage], mode: str) -> str:
    """The stages as one block of rich text: the current direction's first, the others dimmed."""
    rows = []
    for stage in sorted(items, key=lambda stage: stage.direction != mode):  # this pass first
        active = stage.direction == mode
        colour = "" if active else " color:palette(mid);"
        head = "Forward" if stage.direction == FORWARD else "Backward"
        rows.append(
            f"<p style='margin:0 0 5px 0;{colour}'><b>{head} · {html.escape(stage.title)}:</b>"
            f" {stage.formula}<br>{stage.numbers}</p>"
        )
    return "".join(rows)


# --- what the mouse points at -----------------------------------------------------------------


def describe_unit(trace: BackpropTrace, column: int, unit: int, mode: str, s: int = 0) -> str:
    """A unit's value, its formula and the numbers it came from."""
    n_layers = len(trace.layers)
    if column == 0:
        x = sample(trace, trace.layers[0].inputs, s)[unit]
        row, col = divmod(unit, 8)
        return (
            f"Input {sym('x', None, unit)} = <b>{num(x)}</b>: pixel (row {row}, column {col}) "
            "of the 8×8 image, standardised (ink minus the training mean, over its spread)"
        )
    if mode == BACKWARD:
        if column == n_layers:
            return "Output error: " + _output_delta_line(trace, unit, s)
        return "Error sent back: " + _send_back_line(trace, column, unit, s)
    if column == n_layers:
        y = label(trace, s)
        verdict = "the target" if unit == y else f"the target is {y}"
        return f"Output: {_softmax_line(trace, unit, s)} ({verdict})"
    z_line, a_line = _z_line(trace, column, unit, s), _activation_line(trace, column, unit, s)
    return f"Hidden unit: {z_line}; {a_line}"


def describe_weight(
    trace: BackpropTrace,
    layer: int,
    i: int,
    j: int,
    mode: str,
    learning_rate: float,
    s: int = 0,
    after: dict[str, np.ndarray] | None = None,
) -> str:
    """A weight's value (or gradient), its formula and the numbers it came from."""
    t = trace.layers[layer - 1]
    n_layers = len(trace.layers)
    a = sample(trace, t.inputs, s)[i]
    w = t.weights[i, j]
    prev, into = unit_symbol(n_layers, layer - 1, i), sym("z", layer, j)
    if mode == BACKWARD:
        text = "Gradient: " + _gradient_line(trace, layer, i, j, s)
        step = -learning_rate * t.grad_W[i, j]
        text += f"; the update moves {sym('W', layer, i, j)} by −lr × ∂L/∂W = {num(step)}"
    else:
        text = (
            f"Weight {sym('W', layer, i, j)} = <b>{num(w)}</b>: carries {prev} = {num(a)} into "
            f"{into} as {factor(a)} × {factor(w)} = {num(a * w)}"
        )
    if after is not None:
        text += f"; before → after the update: {num(w)} → {num(after[f'W{layer}'][i, j])}"
    return text
