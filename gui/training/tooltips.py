"""What each hyperparameter does and what to expect, shown as the fields' tooltips."""

TOOLTIPS: dict[str, str] = {
    "hidden_sizes": (
        "Sizes of the hidden layers, first to last: '10' is the lab's network, '64, 32' two "
        "layers.\nLeave empty for no hidden layer: a logistic regression (a linear model).\n"
        "More units fit the training set better and train slower per update."
    ),
    "activation": (
        "The non-linearity of the hidden units.\nsigmoid (the lab's) and tanh saturate: large "
        "|z| gives tiny gradients.\nrelu trains fast but its units can die (stuck at 0); with a "
        "large learning rate relu or identity networks can diverge."
    ),
    "init": (
        "How the weights start (biases start at 0).\nzeros: every hidden unit gets the same "
        "gradient and they stay identical forever (symmetry is never broken).\nuniform / normal: "
        "small random weights, the lab's uniform(-0.01, 0.01).\nglorot (sigmoid, tanh) and he "
        "(relu) scale the weights with the layer sizes to keep signals from shrinking or growing."
    ),
    "init_scale": (
        "Half-width of uniform, standard deviation of normal, a gain on glorot and he.\n"
        "Empty: the default shown in grey. Too small: the gradients of deep networks vanish; "
        "too large: sigmoid units start saturated."
    ),
    "optimizer": (
        "The update rule.\nSGD: w <- w - lr * gradient.\nSGD with momentum: a velocity "
        "accumulates past gradients (smoother, faster along consistent directions).\nNesterov: "
        "momentum that looks ahead, a little more stable.\nAdam: per-weight step sizes from "
        "running gradient statistics; use a small learning rate (about 0.001)."
    ),
    "learning_rate": (
        "Step size of every update; the arrows step along 1, 2, 5, 10, ... (log scale), and you "
        "can type values like 3e-4.\nToo small: the loss creeps down. Too large: it jumps "
        "around or diverges to NaN (the run then stops and keeps its last good weights).\n"
        "The lab uses 0.1 with one sample at a time."
    ),
    "momentum": (
        "Fraction of the previous velocity kept at every update, from 0 (plain SGD) to below 1;"
        " 0.9 is typical.\nUsed by 'SGD with momentum' and 'Nesterov' only. High momentum with a "
        "high learning rate overshoots."
    ),
    "batch_size": (
        "Samples averaged per update: 1 is the lab's stochastic gradient descent (noisy, many "
        "updates per epoch), the full training set is batch gradient descent (smooth, one update "
        "per epoch).\nLarger batches usually want a larger learning rate."
    ),
    "epochs": (
        "Passes over the training set. Train again later to continue from the current weights; "
        "Reset starts from a fresh initialization."
    ),
    "shuffle": (
        "Visit the training samples in a new random order every epoch (recommended).\n"
        "Unchecked: always the same order, as the lab's loop does."
    ),
    "seed": (
        "Seeds the initialization and the shuffling: the same seed and settings give the same "
        "run, another seed a different draw of the same experiment."
    ),
}
