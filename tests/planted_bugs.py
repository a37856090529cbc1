"""The bank of planted bugs: each replaces one function of a reference module.

A bug names the module, the function it replaces (the whole top-level ``def``), the new source,
the items that must lose points (exactly those), and a phrase the failing feedback must contain
so the student is told the reason.  ``tests/test_planted_bugs.py`` builds each submission from
the reference and grades it.  Losses and optimizers add their bugs here too.

Every bug is a mistake of the grader's catalogue (``graders.mistakes``, same name), where it is
described once; a bug whose source is :data:`CATALOGUE` plants the catalogue's runnable code
(the code the diagnosis runs), the others carry a source of their own (they replace a private
helper of the reference, or the notes' code kept in ``reference/errata.py``).
"""

from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from graders import mistakes
from graders.mistakes import Mistake

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
#: A bug's source: the code of the catalogue's mistake of the same name.
CATALOGUE = None


@dataclass(frozen=True)
class Bug:
    name: str
    module: str
    function: str
    source: str | None  # None (CATALOGUE): the catalogue's code
    loses: frozenset[str]
    reason: str  # a phrase of the feedback on a failing case of each losing item
    item: str | None = None  # the primary item, when ``function`` is a private helper
    cls: str | None = None  # ``function`` is then a method of this top-level class

    @property
    def mistake(self) -> Mistake:
        """The catalogue's entry of this bug."""
        return mistakes.BY_NAME[self.name]

    @property
    def code(self) -> str:
        """What is planted: the bug's own source, or its mistake's code."""
        return self.source if self.source is not None else self.mistake.code

    @property
    def primary(self) -> str:
        """The item whose feedback must give the reason: ``module.function`` by default."""
        return self.item or f"{self.module}.{self.function}"

    def patched(self) -> str:
        """The reference module's source with the function (or ``cls``'s method) replaced."""
        text = (REFERENCE / f"{self.module}.py").read_text(encoding="utf-8")
        if self.cls is not None:
            return self._patched_method(text)
        pattern = re.compile(
            rf"^def {re.escape(self.function)}\(.*?(?=^(?:def |class |@)|\Z)", re.S | re.M
        )
        new, count = pattern.subn(lambda _m: self.code.strip("\n") + "\n\n\n", text)
        if count != 1:
            raise ValueError(f"{self.name}: def {self.function} not found exactly once")
        return new

    def _patched_method(self, text: str) -> str:
        """Replace ``def function`` inside ``class cls``; ``source`` is written unindented."""
        assert self.cls is not None
        body = re.compile(
            rf"^class {re.escape(self.cls)}\b.*?(?=^(?:def |class |@|#)|\Z)", re.S | re.M
        )
        method = re.compile(
            rf"^    def {re.escape(self.function)}\(.*?(?=^    (?:def |@)|\Z)", re.S | re.M
        )
        source = textwrap.indent(textwrap.dedent(self.code).strip("\n"), "    ") + "\n\n"
        found = body.findall(text)
        if len(found) != 1:
            raise ValueError(f"{self.name}: class {self.cls} not found exactly once")
        new_body, count = method.subn(lambda _m: source, found[0])
        if count != 1:
            raise ValueError(f"{self.name}: {self.cls}.{self.function} not found exactly once")
        return text.replace(found[0], new_body.rstrip("\n") + "\n\n\n", 1)

    def write(self, directory: Path) -> Path:
        """A submission directory: the reference with this bug planted."""
        directory.mkdir(parents=True, exist_ok=True)
        for path in REFERENCE.glob("*.py"):
            if path.stem in ("activations", "initializers", "losses", "optimizers", "layers"):
                (directory / path.name).write_text(path.read_text(encoding="utf-8"))
        (directory / f"{self.module}.py").write_text(self.patched(), encoding="utf-8")
        return directory


def _bug(
    name: str, module: str, function: str, source: str | None, loses: set[str] | str, reason: str
) -> Bug:
    items = {loses} if isinstance(loses, str) else loses
    return Bug(name, module, function, source, frozenset(f"{module}.{i}" for i in items), reason)


def _notes_code(main: str, signature: str, helpers: tuple[str, ...] = ()) -> str:
    """A verbatim transcription of the notes' code kept in ``reference/errata.py``, with its
    ``def`` line replaced by ``signature`` (and the notes' helpers it calls put before it)."""
    from reference import errata

    parts = [inspect.getsource(getattr(errata, h)) for h in helpers]
    body = inspect.getsource(getattr(errata, main)).split("\n", 1)[1]
    return "\n\n".join([*parts, f"{signature}\n{body}"])


ACT, INIT = "activations", "initializers"
#: The reference's softmax Jacobians call its softmax, so a softmax bug reaches them too.
SOFTMAX_USERS = {"softmax", "softmax_grad", "log_softmax_grad"}

BUGS: list[Bug] = [
    _bug(
        "softmax-no-max-shift",
        ACT,
        "softmax",
        CATALOGUE,
        SOFTMAX_USERS,
        "FloatingPointError",
    ),
    _bug(
        "log-softmax-as-log-of-softmax",
        ACT,
        "log_softmax",
        CATALOGUE,
        "log_softmax",
        "FloatingPointError",
    ),
    # The notes' own code, taken from reference/errata.py (its one copy), under the API's name.
    _bug(
        "notes-softmax-seed-001",
        ACT,
        "softmax",
        _notes_code("_notes_softmax", "def softmax(x, dim=-1):"),
        SOFTMAX_USERS,
        "could not be broadcast",
    ),
    _bug(
        "notes-softmax-grad-seed-001",
        ACT,
        "softmax_grad",
        _notes_code(
            "_notes_softmax_grad", "def softmax_grad(x, dim=-1):", helpers=("_notes_softmax_list",)
        ),
        "softmax_grad",
        "shape",
    ),
    _bug(
        "leaky-relu-grad-wrong-at-zero",
        ACT,
        "leaky_relu_grad",
        CATALOGUE,
        "leaky_relu_grad",
        "kinks",
    ),
    _bug(
        "relu-grad-heaviside-half",
        ACT,
        "relu_grad",
        CATALOGUE,
        "relu_grad",
        "kinks",
    ),
    _bug(
        "elu-ignores-alpha",
        ACT,
        "elu",
        CATALOGUE,
        "elu",
        "hyper",
    ),
    _bug(
        "tanh-grad-uses-x",
        ACT,
        "tanh_grad",
        CATALOGUE,
        # the notes print tanh'(±10) ≈ 0: the worked example catches it too
        {"tanh_grad", "worked_derivatives"},
        "student vs torch",
    ),
    _bug(
        "silu-grad-without-product-rule",
        ACT,
        "silu_grad",
        CATALOGUE,
        "silu_grad",
        "student vs torch",
    ),
    _bug(
        "softplus-ignores-threshold",
        ACT,
        "softplus",
        CATALOGUE,
        "softplus",
        "threshold",
    ),
    _bug(
        "softmax-ignores-dim",
        ACT,
        "softmax",
        CATALOGUE,
        SOFTMAX_USERS,
        "dim=",
    ),
    _bug(
        "sigmoid-returns-float64-always",
        ACT,
        "sigmoid",
        CATALOGUE,
        "sigmoid",
        "dtype float64",
    ),
    _bug(
        "kaiming-normal-fan-out-for-fan-in",
        INIT,
        "kaiming_normal_",
        CATALOGUE,
        "kaiming_normal_",
        "fan_out was used",
    ),
    _bug(
        "kaiming-uniform-missing-gain",
        INIT,
        "kaiming_uniform_",
        CATALOGUE,
        "kaiming_uniform_",
        "gain",
    ),
    _bug(
        "xavier-normal-bound-as-std",
        INIT,
        "xavier_normal_",
        CATALOGUE,
        "xavier_normal_",
        "bound was used as the normal std",
    ),
    _bug(
        "kaiming-normal-variance-as-std",
        INIT,
        "kaiming_normal_",
        CATALOGUE,
        "kaiming_normal_",
        "variance was used as the std",
    ),
    _bug(
        "xavier-uniform-global-rng",
        INIT,
        "xavier_uniform_",
        CATALOGUE,
        "xavier_uniform_",
        "global random state",
    ),
    _bug(
        "normal-fresh-unseeded-generator",
        INIT,
        "normal_",
        CATALOGUE,
        "normal_",
        "same seed gave a different array",
    ),
    _bug(
        "uniform-fixed-seed-ignores-generator",
        INIT,
        "uniform_",
        CATALOGUE,
        "uniform_",
        "generator` argument is ignored",
    ),
    _bug(
        "uniform-not-in-place",
        INIT,
        "uniform_",
        CATALOGUE,
        "uniform_",
        "in place",
    ),
    _bug(
        "calculate-gain-relu-2",
        INIT,
        "calculate_gain",
        CATALOGUE,
        {"calculate_gain", "kaiming_normal_", "kaiming_uniform_"},
        "student vs torch",
    ),
    _bug(
        "sparse-zeros-per-row",
        INIT,
        "sparse_",
        CATALOGUE,
        "sparse_",
        "zeros",
    ),
    _bug(
        "dirac-ignores-groups",
        INIT,
        "dirac_",
        CATALOGUE,
        "dirac_",
        "student vs torch",
    ),
    _bug(
        "orthogonal-missing-gain",
        INIT,
        "orthogonal_",
        CATALOGUE,
        "orthogonal_",
        "gain",
    ),
    # Cheats that get the marginal law right but not the algorithm (issue [1/7] section 4).
    _bug(
        "orthogonal-signed-permutation",
        INIT,
        "orthogonal_",
        """
def orthogonal_(tensor, gain=1, generator=None):
    rows = tensor.shape[0]
    cols = tensor.size // rows
    n, k = max(rows, cols), min(rows, cols)
    q = np.eye(n)[generator.permutation(n)][:, :k] * generator.choice([-1.0, 1.0], size=k)
    if rows < cols:
        q = q.T
    tensor[...] = (gain * q).reshape(tensor.shape)
    return tensor
""",
        "orthogonal_",
        "permutation or identity",
    ),
    _bug(
        "orthogonal-signed-identity",
        INIT,
        "orthogonal_",
        """
def orthogonal_(tensor, gain=1, generator=None):
    rows = tensor.shape[0]
    cols = tensor.size // rows
    signs = generator.choice([-1.0, 1.0], size=min(rows, cols))
    q = np.eye(rows, cols) * (signs[:, None] if rows < cols else signs)
    tensor[...] = (gain * q).reshape(tensor.shape)
    return tensor
""",
        "orthogonal_",
        "permutation or identity",
    ),
    _bug(
        "orthogonal-without-the-sign-fix",
        INIT,
        "orthogonal_",
        """
def orthogonal_(tensor, gain=1, generator=None):
    rows = tensor.shape[0]
    cols = tensor.size // rows
    flat = generator.standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, _ = np.linalg.qr(flat)
    if rows < cols:
        q = q.T
    tensor[...] = (gain * q).reshape(tensor.shape)
    return tensor
""",
        "orthogonal_",
        "sign(diag(R))",
    ),
    _bug(
        "sparse-same-zero-rows-in-every-column",
        INIT,
        "sparse_",
        """
def sparse_(tensor, sparsity, std=0.01, generator=None):
    rows, cols = tensor.shape
    values = generator.normal(0.0, std, size=(rows, cols))
    values[generator.permutation(rows)[: math.ceil(sparsity * rows)], :] = 0.0
    tensor[...] = values
    return tensor
""",
        "sparse_",
        "not the same rows for all",
    ),
    _bug(
        "normal-tiles-one-drawn-row",
        INIT,
        "normal_",
        """
def normal_(tensor, mean=0.0, std=1.0, generator=None):
    tensor[...] = generator.normal(mean, std, size=tensor.shape[-1])
    return tensor
""",
        "normal_",
        "are identical",
    ),
    _bug(
        "kaiming-normal-one-kernel-for-all-channels",
        INIT,
        "kaiming_normal_",
        """
def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    tensor[...] = generator.normal(0.0, std, size=tensor.shape[1:])
    return tensor
""",
        "kaiming_normal_",
        "are identical",
    ),
    _bug(
        "xavier-normal-seeds-its-own-generator",
        INIT,
        "xavier_normal_",
        """
def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    rng = np.random.default_rng(tensor.size)
    tensor[...] = rng.normal(0.0, std, size=tensor.shape)
    return tensor
""",
        "xavier_normal_",
        "generator` argument is ignored",
    ),
    _bug(
        "kaiming-uniform-global-rng-state-restored",
        INIT,
        "kaiming_uniform_",
        """
def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    state = np.random.get_state()
    tensor[...] = np.random.uniform(-bound, bound, size=tensor.shape)
    np.random.set_state(state)
    return tensor
""",
        "kaiming_uniform_",
        "generator` argument is ignored",
    ),
]


def _extend() -> None:
    """Banks for later modules live in their own files: planted_bugs_<module>.py (the
    regularisation terms of ``losses`` in planted_bugs_regularization.py)."""
    import importlib

    for module in ("losses", "regularization", "optimizers", "layers", "worked_examples"):
        try:
            extra = importlib.import_module(f"tests.planted_bugs_{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.planted_bugs_{module}":
                raise
            continue
        BUGS.extend(extra.BUGS)


_extend()
