"""The bank of planted bugs: each replaces one function of a reference module.

A bug names the module, the function it replaces (the whole top-level ``def``), the new source,
the items that must lose points (exactly those), and a phrase the failing feedback must contain
so the student is told the reason.  ``tests/test_planted_bugs.py`` builds each submission from
the reference and grades it.  Losses and optimizers add their bugs here too.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


@dataclass(frozen=True)
class Bug:
    name: str
    module: str
    function: str
    source: str
    loses: frozenset[str]
    reason: str  # a phrase of the feedback on a failing case of each losing item
    item: str | None = None  # the primary item, when ``function`` is a private helper
    cls: str | None = None  # ``function`` is then a method of this top-level class

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
        new, count = pattern.subn(lambda _m: self.source.strip("\n") + "\n\n\n", text)
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
        source = textwrap.indent(textwrap.dedent(self.source).strip("\n"), "    ") + "\n\n"
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
    name: str, module: str, function: str, source: str, loses: set[str] | str, reason: str
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
        """
def softmax(x, dim=-1):
    e = np.exp(np.asarray(x, dtype=float))
    return e / e.sum(axis=dim, keepdims=True)
""",
        SOFTMAX_USERS,
        "FloatingPointError",
    ),
    _bug(
        "log-softmax-as-log-of-softmax",
        ACT,
        "log_softmax",
        """
def log_softmax(x, dim=-1):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return np.log(e / e.sum(axis=dim, keepdims=True))
""",
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
        """
def leaky_relu_grad(x, negative_slope=0.01):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1.0, negative_slope)
""",
        "leaky_relu_grad",
        "kinks",
    ),
    _bug(
        "relu-grad-heaviside-half",
        ACT,
        "relu_grad",
        """
def relu_grad(x):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, 1.0, np.where(x == 0, 0.5, 0.0))
""",
        "relu_grad",
        "kinks",
    ),
    _bug(
        "elu-ignores-alpha",
        ACT,
        "elu",
        """
def elu(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
""",
        "elu",
        "hyper",
    ),
    _bug(
        "tanh-grad-uses-x",
        ACT,
        "tanh_grad",
        """
def tanh_grad(x):
    x = np.asarray(x, dtype=float)
    return 1.0 - x**2
""",
        # the notes print tanh'(±10) ≈ 0: the worked example catches it too
        {"tanh_grad", "worked_derivatives"},
        "student vs torch",
    ),
    _bug(
        "silu-grad-without-product-rule",
        ACT,
        "silu_grad",
        """
def silu_grad(x):
    x = np.asarray(x, dtype=float)
    return 0.5 * (1.0 + np.tanh(0.5 * x))
""",
        "silu_grad",
        "student vs torch",
    ),
    _bug(
        "softplus-ignores-threshold",
        ACT,
        "softplus",
        """
def softplus(x, beta=1.0, threshold=20.0):
    x = np.asarray(x, dtype=float)
    return np.logaddexp(0.0, beta * x) / beta
""",
        "softplus",
        "threshold",
    ),
    _bug(
        "softmax-ignores-dim",
        ACT,
        "softmax",
        """
def softmax(x, dim=-1):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
""",
        SOFTMAX_USERS,
        "dim=",
    ),
    _bug(
        "sigmoid-returns-float64-always",
        ACT,
        "sigmoid",
        """
def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * x))
""",
        "sigmoid",
        "dtype float64",
    ),
    _bug(
        "kaiming-normal-fan-out-for-fan-in",
        INIT,
        "kaiming_normal_",
        """
def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_out if mode == "fan_in" else fan_in
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    tensor[...] = generator.normal(0.0, std, size=tensor.shape)
    return tensor
""",
        "kaiming_normal_",
        "fan_out was used",
    ),
    _bug(
        "kaiming-uniform-missing-gain",
        INIT,
        "kaiming_uniform_",
        """
def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    bound = math.sqrt(3.0 / fan)
    tensor[...] = generator.uniform(-bound, bound, size=tensor.shape)
    return tensor
""",
        "kaiming_uniform_",
        "gain",
    ),
    _bug(
        "xavier-normal-bound-as-std",
        INIT,
        "xavier_normal_",
        """
def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(6.0 / (fan_in + fan_out))
    tensor[...] = generator.normal(0.0, std, size=tensor.shape)
    return tensor
""",
        "xavier_normal_",
        "bound was used as the normal std",
    ),
    _bug(
        "kaiming-normal-variance-as-std",
        INIT,
        "kaiming_normal_",
        """
def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    std = calculate_gain(nonlinearity, a) ** 2 / fan
    tensor[...] = generator.normal(0.0, std, size=tensor.shape)
    return tensor
""",
        "kaiming_normal_",
        "variance was used as the std",
    ),
    _bug(
        "xavier-uniform-global-rng",
        INIT,
        "xavier_uniform_",
        """
def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    tensor[...] = np.random.uniform(-bound, bound, size=tensor.shape)
    return tensor
""",
        "xavier_uniform_",
        "global random state",
    ),
    _bug(
        "normal-fresh-unseeded-generator",
        INIT,
        "normal_",
        """
def normal_(tensor, mean=0.0, std=1.0, generator=None):
    tensor[...] = np.random.default_rng().normal(mean, std, size=tensor.shape)
    return tensor
""",
        "normal_",
        "same seed gave a different array",
    ),
    _bug(
        "uniform-fixed-seed-ignores-generator",
        INIT,
        "uniform_",
        """
def uniform_(tensor, a=0.0, b=1.0, generator=None):
    tensor[...] = np.random.default_rng(0).uniform(a, b, size=tensor.shape)
    return tensor
""",
        "uniform_",
        "generator` argument is ignored",
    ),
    _bug(
        "uniform-not-in-place",
        INIT,
        "uniform_",
        """
def uniform_(tensor, a=0.0, b=1.0, generator=None):
    return generator.uniform(a, b, size=tensor.shape)
""",
        "uniform_",
        "in place",
    ),
    _bug(
        "calculate-gain-relu-2",
        INIT,
        "calculate_gain",
        """
def calculate_gain(nonlinearity, param=None):
    table = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": 2.0, "selu": 0.75}
    if nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "leaky_relu":
        if param is not None and not isinstance(param, (int, float)):
            raise ValueError("negative_slope is not a valid number")
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity not in table:
        raise ValueError(f"Unsupported nonlinearity {nonlinearity}")
    return table[nonlinearity]
""",
        {"calculate_gain", "kaiming_normal_", "kaiming_uniform_"},
        "student vs torch",
    ),
    _bug(
        "sparse-zeros-per-row",
        INIT,
        "sparse_",
        """
def sparse_(tensor, sparsity, std=0.01, generator=None):
    rows, cols = tensor.shape
    tensor[...] = generator.normal(0.0, std, size=tensor.shape)
    for r in range(rows):
        tensor[r, generator.permutation(cols)[: math.ceil(sparsity * cols)]] = 0.0
    return tensor
""",
        "sparse_",
        "zeros",
    ),
    _bug(
        "dirac-ignores-groups",
        INIT,
        "dirac_",
        """
def dirac_(tensor, groups=1):
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    tensor[...] = 0.0
    out_ch, in_ch = tensor.shape[:2]
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for d in range(min(out_ch, in_ch)):
        tensor[(d, d, *centre)] = 1.0
    return tensor
""",
        "dirac_",
        "student vs torch",
    ),
    _bug(
        "orthogonal-missing-gain",
        INIT,
        "orthogonal_",
        """
def orthogonal_(tensor, gain=1, generator=None):
    rows = tensor.shape[0]
    cols = tensor.size // rows
    flat = generator.normal(size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    tensor[...] = q.reshape(tensor.shape)
    return tensor
""",
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
