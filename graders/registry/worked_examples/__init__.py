"""Registry entries for the notes' hand-worked examples, rebuilt from the student's functions.

Each item is named under the student module it mainly exercises (``activations.worked_...``,
``losses.worked_...``, ``optimizers.worked_...``, ``layers.worked_...``) and uses the ``worked``
driver, which calls the student's own ``sigmoid``, ``mse_loss``, ``SGD``, ``conv2d`` ... where
the notes compute by hand (the backprop example of seed 004, the cross-entropy and BCE tables of
seed 002, the convolution arithmetic of seed 004 ...).  ``needs`` names the other student
modules an item calls: a submission without one of them loses the item, with the reason.

The numbers come from :mod:`graders.notes` (the one record of the notes' inputs and printed
values); ``cases.py`` builds the cases, ``oracle.py`` is torch's side, ``checks.py`` the check:

* every output agrees with **torch** (float64) within the item's tolerance, and its failing
  message says where the value comes from ("computed from the notes' data", "... inputs chosen
  here", "... random inputs");
* the outputs the **notes print**, and only those, must also show the printed value at the
  notes' precision ("does not round to the notes' 0.298371109").

Public cases use the notes' numbers (or, where the notes give none, inputs chosen here: the
pooling map, the learning rate of the SGD step); hidden cases use random ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from graders.registry import CaseBuilder, Item
from graders.registry.worked_examples import cases
from graders.registry.worked_examples.checks import check_worked
from graders.registry.worked_examples.oracle import worked_oracle


@dataclass(frozen=True)
class Worked:
    """One worked-example item: its name, points, the driver's recipe, its cases."""

    name: str
    points: float
    recipe: str
    cases: CaseBuilder
    description: str
    needs: tuple[str, ...] = ()
    tolerance: str = "default"

    def item(self) -> Item:
        return Item(
            name=self.name,
            points=self.points,
            cases=self.cases,
            oracle=partial(worked_oracle, self.recipe),
            check=check_worked,
            driver="worked",
            tolerance=self.tolerance,
            description=self.description,
            function=self.recipe,
            needs=self.needs,
        )


WORKED: tuple[Worked, ...] = (
    Worked(
        "activations.worked_backprop_forward",
        3,
        "backprop_forward",
        cases.backprop_forward,
        "seed 004, 3.2.5: the 2-2-2 sigmoid network's forward pass and E_total = 0.298371109 "
        "(printed; your sigmoid, and mse_loss for the errors)",
        needs=("losses",),
    ),
    Worked(
        "activations.worked_backprop_backward",
        3,
        "backprop_backward",
        cases.backprop_backward,
        "seed 004, 3.2.5: ∂E_total/∂w5 by the chain rule, and every other weight and bias "
        "(computed from the notes' data: the notes stop before any number; your sigmoid_grad "
        "and mse_loss_grad)",
        needs=("losses",),
        tolerance="gradient",
    ),
    Worked(
        "activations.worked_softmax",
        2,
        "softmax_example",
        cases.softmax,
        "seeds 001/004: softmax([2, 1, 0.1]) = [0.66, 0.24, 0.10] (printed) and "
        "softmax([3, 1, −3]) (your softmax)",
    ),
    Worked(
        "activations.worked_derivatives",
        2,
        "activation_derivatives",
        cases.derivatives,
        "seeds 003/004: σ'(0) = 0.25, tanh'(0) = 1, σ' ≈ tanh' ≈ 0 at ±10, σ' ≤ 1/4 (printed), "
        "σ' = σ(1 − σ), tanh(x) = 2σ(2x) − 1 and a sigmoid layer's Jacobian (your sigmoid, tanh "
        "and *_grad)",
        tolerance="gradient",
    ),
    Worked(
        "activations.worked_xor",
        1,
        "xor_network",
        cases.xor,
        "seed 001: a two-layer ReLU network reproduces the notes' truth table (the XOR column, "
        "printed) and 1 − y the XNOR column (computed) (your relu)",
    ),
    Worked(
        "activations.worked_ce_weight_gradient",
        2,
        "ce_weight_gradient",
        cases.ce_weight_gradient,
        "seed 004, 3.4.11: a sigmoid neuron's cross-entropy gradient ∂C/∂w_j = (1/n) Σ x_j "
        "(σ(z) − y), σ'(z) cancelling, and the quadratic cost's, which keeps it (your linear, "
        "sigmoid, sigmoid_grad, binary_cross_entropy(_grad) and mse_loss_grad)",
        needs=("losses", "layers"),
        tolerance="gradient",
    ),
    Worked(
        "losses.worked_cross_entropy",
        3,
        "cross_entropy_example",
        cases.cross_entropy,
        "seeds 002/001: log-softmax −0.6041, −0.6803 at the labels (printed), the mean loss "
        "0.6422 (computed from the notes' data) and the initial loss log 10 ≈ 2.3 (printed) "
        "(your cross_entropy and log_softmax)",
        needs=("activations",),
    ),
    Worked(
        "losses.worked_bce",
        2,
        "bce_example",
        cases.bce,
        "seed 002: the BCE table's terms −0.3567, −0.2231, −0.1054, −1.2040 (printed) and "
        "their mean (computed) (your binary_cross_entropy)",
    ),
    Worked(
        "losses.worked_mae_mse",
        1,
        "regression_losses",
        cases.regression,
        "seed 002: MAE 0.3333 and MSE 0.1667 (computed from the notes' data; the notes print "
        "them from code) (your l1_loss and mse_loss)",
    ),
    Worked(
        "optimizers.worked_backprop_sgd_step",
        2,
        "backprop_sgd_step",
        cases.sgd_step,
        "seed 004, 3.2.5: one SGD step on the backprop example's ten parameters (a learning "
        "rate of 0.5 chosen here: the notes give none) and the error after it (your SGD, fed by "
        "your sigmoid_grad and mse_loss_grad)",
        needs=("activations", "losses"),
    ),
    Worked(
        "optimizers.worked_gradient_descent",
        1,
        "gradient_descent",
        cases.gradient_descent,
        "seed 003: gradient descent on J = θ1² + θ2² from (1, −2): slow, fast, oscillating and "
        "diverging step sizes (your SGD)",
        tolerance="gradient",
    ),
    Worked(
        "layers.worked_perceptron",
        1,
        "perceptron_vote",
        cases.perceptron,
        "seed 004, 3.1.1: the judges' vote 4×1 + 1×3 + (−3)×2 = 1 ≤ 3, output 0, and the NAND "
        "perceptron's 0×(−2) + 1×(−2) + 3 = 1 (printed) (your linear)",
    ),
    Worked(
        "layers.worked_conv",
        2,
        "conv_feature_map",
        cases.conv,
        "seed 004, 3.2.3: the 5×5 image's feature map (a_{0,0} = 4 and its 3×3 size printed; "
        "the figure's data), the output width (5 − 3 + 0)/2 + 1 = 2 and the two-filter layer's "
        "3×3×2 output (printed) (your conv2d)",
    ),
    Worked(
        "layers.worked_pooling",
        1,
        "pooling",
        cases.pooling,
        "seed 004, 3.2.4: 2×2 max and average pooling, depth kept, max pooling's gradient at "
        "each maximum (computed from a map chosen here: the notes' figure is not in the text) "
        "(your max_pool2d, avg_pool2d and max_pool2d_grad)",
    ),
    Worked(
        "layers.worked_variance_propagation",
        2,
        "variance_propagation",
        cases.variance_propagation,
        "seed 000, 1.1: D(H) = n·D(X)·D(W): activations explode, vanish or stay O(1) through "
        "20 layers with N(0, 1), N(0, 0.01²), Xavier, Xavier with tanh's gain and Kaiming for "
        "ReLU (computed from inputs chosen here; your linear, tanh, relu, calculate_gain and "
        "calculate_fan_in_and_fan_out)",
        needs=("initializers", "activations"),
    ),
    Worked(
        "layers.worked_linear_init",
        1,
        "linear_default_init",
        cases.linear_init,
        "seed 002: nn.Linear is y = x Wᵀ + b (func3's numbers) and its default weights "
        "kaiming_uniform_(a=√5) have gain 1/√3 and bound 1/√fan_in (your linear, "
        "calculate_gain, calculate_fan_in_and_fan_out and kaiming_uniform_)",
        needs=("initializers",),
    ),
)

ITEMS: list[Item] = [row.item() for row in WORKED]
