"""Conformance: the reference run on PyTorch's own test inputs.

PyTorch tests every operator on the inputs its OpInfo database generates
(``torch.testing._internal.common_methods_invocations.op_db``) and every optimizer on the
configurations of its OptimizerInfo database (``torch.testing._internal.common_optimizers``).
This module runs the reference through all of them, in float64 on the CPU:

* every activation and loss: each OpInfo sample (``reference_inputs``, a superset of
  ``sample_inputs`` where the OpInfo has them, else ``sample_inputs``) is converted to NumPy
  and given to the reference with torch's own positional and keyword arguments. The value must
  equal torch's and the reference's ``<name>_grad`` must give torch autograd's vector-Jacobian
  product for a seeded random upstream gradient, within ``torch.testing.assert_close``'s float64
  tolerances (nan equal to nan);
* every optimizer: each ``optim_inputs_func`` configuration runs ``STEPS`` steps side by side
  with ``torch.optim`` (``foreach=False``) on parameters of several shapes with seeded gradients;
  the parameters and every state entry must agree after every step.

What the reference cannot take is filtered by an explicit rule with its reason (keyword
arguments in ``UNSUPPORTED_KWARGS``, optimizer switches in ``UNSUPPORTED_OPTIMIZER_KWARGS``),
never silently; a deliberate difference from torch is listed in ``KNOWN_DIFFERENCES`` with its
reason, and the test asserts that the list is exactly the set of differing cases (a new
difference fails, and so does a stale entry).  A difference whose place depends on the machine
(torch's value at an element depends on the CPU's vector width) is a rule of
``POSITIONAL_DIFFERENCES`` instead: the elements it covers are set aside, the case is "known",
and each rule must cover some case.
"""

from __future__ import annotations

import inspect
import random
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import hypothesis
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from reference import activations as A
from reference import losses as L
from reference import optimizers as O

#: torch.testing.assert_close's defaults for float64.
RTOL, ATOL = 1e-7, 1e-7
SEED = 0


def without_side_effects(import_databases: Callable[[], list[Any]]) -> list[Any]:
    """Run ``import_databases`` and undo what importing torch's test utilities changes globally.

    ``torch.testing._internal.common_utils``, when imported, calls
    ``torch.backends.disable_global_flags()`` (afterwards setting ``torch.backends.cudnn`` flags
    raises, and the grader's oracle sets them) and loads its own hypothesis profile (10 examples
    instead of 100): both would leak into the tests that run later in this process.
    """
    frozen = torch.backends.flags_frozen()
    hypothesis_default = hypothesis.settings.default
    try:
        return import_databases()
    finally:
        if not frozen:  # the flag disable_global_flags() cleared, in torch.backends' globals
            torch.backends.flags_frozen.__globals__["__allow_nonbracketed_mutation_flag"] = True
        hypothesis.settings.register_profile("before-torch-testing", hypothesis_default)
        hypothesis.settings.load_profile("before-torch-testing")
        assert torch.backends.flags_frozen() == frozen
        assert hypothesis.settings.default == hypothesis_default


@cache
def op_db() -> list[Any]:
    """The OpInfo database (imported lazily: it takes a few seconds)."""

    def load() -> list[Any]:
        from torch.testing._internal.common_methods_invocations import op_db as db

        return list(db)

    return without_side_effects(load)


@cache
def optim_db() -> list[Any]:
    """The OptimizerInfo database."""

    def load() -> list[Any]:
        from torch.testing._internal.common_optimizers import optim_db as db

        return list(db)

    return without_side_effects(load)


# --------------------------------------------------------------------------------------------
# Which OpInfo each reference function answers to
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    """A reference function, its OpInfo entry and how its ``_grad`` reads.

    ``kind``: ``"elementwise"`` (``f_grad(x)`` is the elementwise derivative: VJP = g * f'),
    ``"jacobian"`` (``f_grad(x, dim)`` holds each slice's Jacobian along ``dim``), ``"loss"``
    (``f_grad(..., grad_output=g)`` is the VJP with respect to the first ``n_diff`` arguments)
    or ``"ctc"`` (a loss whose gradient is with respect to the logits behind ``log_probs``).
    """

    fn: str
    op: str
    variant: str = ""
    kind: str = "loss"
    n_diff: int = 1

    @property
    def module(self) -> Any:
        return L if self.kind in ("loss", "ctc") else A

    @property
    def entry(self) -> str:
        return f"{self.op}.{self.variant}" if self.variant else self.op


MAPPINGS: tuple[Mapping, ...] = (
    Mapping("sigmoid", "sigmoid", kind="elementwise"),
    Mapping("tanh", "tanh", kind="elementwise"),
    Mapping("relu", "nn.functional.relu", kind="elementwise"),
    Mapping("leaky_relu", "nn.functional.leaky_relu", kind="elementwise"),
    Mapping("elu", "nn.functional.elu", kind="elementwise"),
    Mapping("silu", "nn.functional.silu", kind="elementwise"),
    Mapping("softplus", "nn.functional.softplus", kind="elementwise"),
    Mapping("gelu", "nn.functional.gelu", kind="elementwise"),
    Mapping("softmax", "softmax", kind="jacobian"),
    Mapping("softmax", "softmax", "with_dtype", kind="jacobian"),
    Mapping("log_softmax", "log_softmax", kind="jacobian"),
    Mapping("log_softmax", "log_softmax", "with_dtype", kind="jacobian"),
    *(
        Mapping(fn, f"nn.functional.{fn}", n_diff=n)
        for fn, n in (
            ("l1_loss", 1),
            ("mse_loss", 1),
            ("smooth_l1_loss", 1),
            ("huber_loss", 1),
            ("cross_entropy", 1),
            ("nll_loss", 1),
            ("binary_cross_entropy", 1),
            ("binary_cross_entropy_with_logits", 1),
            ("kl_div", 1),
            ("poisson_nll_loss", 1),
            ("margin_ranking_loss", 2),
            ("multilabel_margin_loss", 1),
            ("soft_margin_loss", 1),
            ("multilabel_soft_margin_loss", 1),
            ("multi_margin_loss", 1),
            ("triplet_margin_loss", 3),
            ("hinge_embedding_loss", 1),
            ("cosine_embedding_loss", 2),
        )
    ),
    Mapping("ctc_loss", "nn.functional.ctc_loss", kind="ctc"),
)

#: Reference functions with no OpInfo entry, and why.
NO_OPINFO: dict[str, str] = {
    "center_loss": "the notes' center loss (seed 004, Wen et al. 2016): torch has no such operator",
    "center_loss_update": "the notes' center update rule, not a differentiable torch operator",
    "identity": "torch's identity is the module nn.Identity, not an operator of the database",
    "l1_penalty": "the notes' L1 regularisation term (seed 000): not a torch operator",
    "l2_penalty": "the notes' L2 regularisation term (seed 000): not a torch operator",
}

#: OpInfo entries of the mapped operators that are deliberately not run, and why.
UNMAPPED_ENTRIES: dict[str, str] = {
    "nn.functional.silu.complex": (
        "the complex-dtype variant of silu; its float64 samples are those of the plain entry"
    ),
}

#: Keyword arguments of torch's samples that the reference does not take: such a sample is
#: skipped (and counted), never silently dropped. Exactly the keywords the database uses; one
#: it starts to use (say the deprecated ``size_average``/``reduce``) fails the test until listed.
UNSUPPORTED_KWARGS: dict[str, str] = {
    "dtype": "softmax/log_softmax's output-dtype cast: the reference keeps the input's dtype",
}

#: The gradient the reference returns is with respect to its *inputs* (the first ``n_diff``
#: arguments); torch's samples may also ask for the gradient of a target (bce, kl_div,
#: poisson_nll, hinge_embedding, cosine_embedding's label, cross_entropy's probabilities),
#: which is outside the reference's API and not compared.

_ELU_NAN = (
    "elu'(nan): torch's vectorised CPU backward gives nan in each full vector block (8 or 16 "
    "elements, by the CPU's vector width) and 1 in the scalar tail, so its value depends on the "
    "element's position and on the machine (the extremal-value samples: on one machine the "
    "128x128 ones, on another the 9-element ones too); the reference gives 1 everywhere (torch's "
    "scalar-path value, test_activations.KINK_CONVENTIONS)"
)
#: Deliberate differences from torch: case id -> reason. Exactly these cases must differ.
KNOWN_DIFFERENCES: dict[str, str] = {}
#: Deliberate differences whose elements depend on the machine: (function, index of the
#: argument whose gradient it is) -> reason.  The elements covered (a nan input where torch's
#: gradient is nan and the reference's is the upstream gradient: elu'(nan) = 1) are set aside.
POSITIONAL_DIFFERENCES: dict[tuple[str, int], str] = {("elu", 0): _ELU_NAN}


def nan_kink(x: Any, got: np.ndarray, expected: torch.Tensor, upstream: Any) -> np.ndarray:
    """The elements :data:`POSITIONAL_DIFFERENCES` covers: ``x`` nan, torch's gradient nan, the
    reference's equal to the upstream gradient."""
    if not isinstance(x, np.ndarray) or x.shape != got.shape:
        return np.zeros(got.shape, dtype=bool)
    g = np.broadcast_to(np.asarray(upstream, dtype=np.float64), got.shape)
    return np.isnan(x) & torch.isnan(expected.detach()).numpy() & (got == g)


# --------------------------------------------------------------------------------------------
# Running one sample on both sides
# --------------------------------------------------------------------------------------------


def describe(a: Any) -> str:
    """A short readable form of one argument: ``T(5, 5)`` for a tensor, repr otherwise."""
    if isinstance(a, torch.Tensor):
        kind = "" if a.dtype == torch.float64 else f" {str(a.dtype).removeprefix('torch.')}"
        return f"T{tuple(a.shape)}{kind}"
    if isinstance(a, list | tuple):
        return f"[{len(a)} items]" if len(a) > 4 else f"[{', '.join(map(describe, a))}]"
    return repr(a)


def sample_form(sample: Any) -> str:
    parts = [describe(sample.input), *map(describe, sample.args)]
    parts += [f"{k}={describe(v)}" for k, v in sample.kwargs.items()]
    return ", ".join(parts)


def to_numpy(a: Any) -> Any:
    """Tensors -> NumPy arrays with the same strides (no copy), lists elementwise."""
    if isinstance(a, torch.Tensor):
        return a.detach().numpy()
    if isinstance(a, list):
        return [to_numpy(v) for v in a]
    return a


def to_torch(a: Any, requires_grad: bool = False) -> Any:
    """NumPy arrays -> fresh contiguous tensors (a leaf when ``requires_grad``)."""
    if isinstance(a, np.ndarray):
        t = torch.from_numpy(np.array(a, order="C", copy=True))
        return t.requires_grad_(requires_grad) if requires_grad else t
    if isinstance(a, list):
        return [to_torch(v) for v in a]
    return a


def assert_close(got: Any, expected: torch.Tensor, what: str) -> None:
    """Plain float64 ndarray of torch's shape, values within assert_close's tolerances."""
    assert type(got) is np.ndarray, f"{what}: got {type(got).__name__}, not a plain ndarray"
    assert got.dtype == np.float64, f"{what}: dtype {got.dtype}"
    assert got.shape == tuple(expected.shape), f"{what}: shape {got.shape} vs {expected.shape}"
    torch.testing.assert_close(
        torch.from_numpy(np.array(got, order="C", copy=True)),
        expected.detach(),
        rtol=RTOL,
        atol=ATOL,
        equal_nan=True,
        msg=lambda m: f"{what}: {m}",
    )


def torch_side(
    m: Mapping, op: Any, args: list[Any], kwargs: dict[str, Any], seed: int
) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, ...]]:
    """torch's value, the seeded upstream gradient and autograd's VJP for the diff arguments."""
    n_diff = 1 if m.kind in ("elementwise", "jacobian") else m.n_diff
    targs = [to_torch(a, requires_grad=i < n_diff) for i, a in enumerate(args)]
    tkwargs = {k: to_torch(v) for k, v in kwargs.items()}
    leaves = targs[:n_diff]
    if m.kind == "ctc":  # the reference's gradient is w.r.t. the logits behind log_probs
        targs[0] = F.log_softmax(targs[0], dim=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # kl_div's notice about 'mean'
        out = op(*targs, **tkwargs)
    g = torch.from_numpy(np.random.default_rng(seed).standard_normal(tuple(out.shape)))
    grads = torch.autograd.grad(out, leaves, grad_outputs=g, allow_unused=True)
    return out, g, tuple(torch.zeros_like(t) if gr is None else gr for t, gr in zip(leaves, grads))


def reference_vjp(m: Mapping, args: list[Any], kwargs: dict[str, Any], g: np.ndarray) -> tuple:
    grad_fn = getattr(m.module, f"{m.fn}_grad")
    if m.kind == "elementwise":
        derivative = grad_fn(*args, **kwargs)
        assert type(derivative) is np.ndarray, f"{m.fn}_grad gave {type(derivative).__name__}"
        return (np.asarray(g * derivative),)
    if m.kind == "jacobian":
        x = np.asarray(args[0])
        dim = (list(args[1:]) or [kwargs.get("dim", -1)])[0]
        jac = grad_fn(*args, **kwargs)  # S + (C,): J[..., i at dim, ..., j]
        if x.ndim == 0:
            return ((g.reshape(1, 1) * jac.reshape(1, 1)).sum(axis=0).reshape(()),)
        vjp = (g[..., None] * jac).sum(axis=dim % x.ndim)  # S without dim, + (j,)
        return (np.moveaxis(vjp, -1, dim % x.ndim),)
    grads = grad_fn(*args, **kwargs, grad_output=g)
    return grads if isinstance(grads, tuple) else (grads,)


@dataclass(frozen=True)
class Outcome:
    case: str
    form: str
    status: str  # "ok", "known" (a POSITIONAL_DIFFERENCES rule), "skipped" or "differs"
    detail: str = ""


def samples(op: Any) -> Iterator[Any]:
    """torch's float64 CPU inputs of ``op``, generated from a fixed seed."""
    torch.manual_seed(SEED)
    random.seed(SEED)  # cosine_embedding_loss draws its margin from `random`
    if op.reference_inputs_func is not None:
        yield from op.reference_inputs("cpu", torch.float64, requires_grad=True)
    else:
        yield from op.sample_inputs("cpu", torch.float64, requires_grad=True)


def find_op(m: Mapping) -> Any:
    (op,) = [o for o in op_db() if o.name == m.op and o.variant_test_name == m.variant]
    return op


def run_mapping(m: Mapping) -> list[Outcome]:
    """Every sample of ``m``'s OpInfo through the reference and torch."""
    op = find_op(m)
    fn = getattr(m.module, m.fn)
    params = inspect.signature(fn).parameters
    outcomes = []
    for i, sample in enumerate(samples(op)):
        case, form = f"{m.fn}:{m.entry}#{i}", sample_form(sample)
        unsupported = [k for k in sample.kwargs if k not in params]
        if unsupported:
            unknown = [k for k in unsupported if k not in UNSUPPORTED_KWARGS]
            assert not unknown, f"{case} ({form}): unlisted keyword argument(s) {unknown}"
            outcomes.append(Outcome(case, form, "skipped", ", ".join(unsupported)))
            continue
        args = [to_numpy(a) for a in (sample.input, *sample.args)]
        kwargs = {k: to_numpy(v) for k, v in sample.kwargs.items()}
        seed = zlib.crc32(case.encode())
        try:
            out, g, expected = torch_side(m, op.op, args, kwargs, seed)
            before = [np.copy(a) if isinstance(a, np.ndarray) else None for a in args]
            assert_close(fn(*args, **kwargs), out, "value")
            got = reference_vjp(m, args, kwargs, g.numpy())
            assert len(got) == len(expected), f"{len(got)} gradients, torch {len(expected)}"
            known = ""
            for k, (gr, ex) in enumerate(zip(got, expected, strict=True)):
                rule = POSITIONAL_DIFFERENCES.get((m.fn, k))
                if rule is not None and (aside := nan_kink(args[k], gr, ex, g.numpy())).any():
                    gr = np.where(aside, 0.0, gr)
                    ex = torch.where(torch.from_numpy(aside), torch.zeros_like(ex), ex.detach())
                    known = rule
                assert_close(gr, ex, f"VJP w.r.t. argument {k}")
            for a, b in zip(args, before, strict=True):
                if b is not None:
                    assert np.array_equal(a, b, equal_nan=True), "an input was modified"
        except Exception as exc:  # every failure is a reported difference
            detail = f"{type(exc).__name__}: {exc}".splitlines()
            outcomes.append(Outcome(case, form, "differs", " | ".join(detail[:3])))
        else:
            outcomes.append(Outcome(case, form, "known" if known else "ok", known))
    return outcomes


# --------------------------------------------------------------------------------------------
# Tests: activations and losses
# --------------------------------------------------------------------------------------------


def public_functions(module: Any) -> set[str]:
    return {n for n in module.__all__ if not n.endswith("_grad")}


HYPOTHESIS_AT_IMPORT = hypothesis.settings.default


def test_loading_the_databases_leaves_torch_and_hypothesis_as_they_were() -> None:
    op_db(), optim_db()
    assert not torch.backends.flags_frozen()
    torch.backends.cudnn.allow_tf32 = torch.backends.cudnn.allow_tf32  # raises when frozen
    assert hypothesis.settings.default == HYPOTHESIS_AT_IMPORT


def test_every_reference_function_is_mapped_or_listed() -> None:
    mapped = {m.fn for m in MAPPINGS}
    for module in (A, L):
        for name in public_functions(module):
            assert (name in mapped) != (name in NO_OPINFO), f"{name}: map it or list it"
    assert set(NO_OPINFO) <= public_functions(L) | public_functions(A)


def test_every_opinfo_entry_of_the_mapped_operators_is_run_or_listed() -> None:
    ops = {m.op for m in MAPPINGS}
    entries = {
        f"{o.name}.{o.variant_test_name}" if o.variant_test_name else o.name
        for o in op_db()
        if o.name in ops
    }
    run = {m.entry for m in MAPPINGS}
    assert entries == run | set(UNMAPPED_ENTRIES), entries ^ (run | set(UNMAPPED_ENTRIES))


@cache
def outcomes(m: Mapping) -> tuple[Outcome, ...]:
    return tuple(run_mapping(m))


@pytest.mark.parametrize("m", MAPPINGS, ids=lambda m: f"{m.fn}:{m.entry}")
def test_reference_agrees_with_torch_on_opinfo_samples(m: Mapping) -> None:
    results = outcomes(m)
    assert results, f"{m.entry}: no samples"
    differing = {o.case: o for o in results if o.status == "differs"}
    known = {c for c in KNOWN_DIFFERENCES if c.startswith(f"{m.fn}:{m.entry}#")}
    new = [f"{c} ({differing[c].form}): {differing[c].detail}" for c in differing if c not in known]
    stale = sorted(known - set(differing))
    assert not new and not stale, "\n".join(
        ["new differences:", *new, "stale KNOWN_DIFFERENCES entries:", *stale]
    )
    rules = [r for (fn, _), r in POSITIONAL_DIFFERENCES.items() if fn == m.fn]
    covered = {o.detail for o in results if o.status == "known"}
    assert set(rules) <= covered, f"{m.fn}: a POSITIONAL_DIFFERENCES rule covers no case"


def test_every_known_difference_names_a_mapped_entry() -> None:
    """A mistyped key would never be checked (neither as a difference nor as stale)."""
    prefixes = {f"{m.fn}:{m.entry}#" for m in MAPPINGS}
    for case in KNOWN_DIFFERENCES:
        assert case.rsplit("#", 1)[0] + "#" in prefixes, case
    for case in KNOWN_OPTIMIZER_DIFFERENCES:
        assert case.rsplit("#", 1)[0] in reference_optimizers(), case


def test_every_skipping_keyword_is_used_by_some_sample() -> None:
    """No stale entry in UNSUPPORTED_KWARGS: each one skips at least one sample."""
    used = {
        k
        for m in MAPPINGS
        for o in outcomes(m)
        if o.status == "skipped"
        for k in o.detail.split(", ")
    }
    assert used == set(UNSUPPORTED_KWARGS)


# --------------------------------------------------------------------------------------------
# Optimizers: every OptimizerInfo configuration, step by step
# --------------------------------------------------------------------------------------------

OPTIMIZER_STEPS = 10
PARAM_SHAPES: tuple[tuple[int, ...], ...] = ((3, 4), (5,), (), (2, 1, 3))

#: OptimizerInfo entries without a reference class, and why.
NO_REFERENCE_OPTIMIZER: dict[str, str] = {
    "Adafactor": "not in the course notes (seeds 000-004); no reference class",
    "Muon": "not in the course notes (seeds 000-004); no reference class",
    "NAdam": "not in the course notes (seeds 000-004); no reference class",
    "RAdam": "not in the course notes (seeds 000-004); no reference class",
}

#: torch's implementation switches: they select a kernel or make the step differentiable /
#: graph-capturable, and have no NumPy meaning; the reference accepts none of them.
UNSUPPORTED_OPTIMIZER_KWARGS: dict[str, str] = {
    "foreach": "torch's multi-tensor kernel switch (the comparison runs foreach=False)",
    "fused": "torch's fused-kernel switch",
    "capturable": "CUDA-graph capture switch",
    "differentiable": "autograd-through-the-step switch",
}

#: Deliberate optimizer differences: "Name#index" -> reason. Exactly these configurations differ.
KNOWN_OPTIMIZER_DIFFERENCES: dict[str, str] = {}


def optimizer_skip_reason(kwargs: dict[str, Any]) -> str | None:
    """Why the reference cannot take this configuration (None if it can): the explicit rule."""
    for key in kwargs:
        if key in UNSUPPORTED_OPTIMIZER_KWARGS:
            return f"{key}: {UNSUPPORTED_OPTIMIZER_KWARGS[key]}"
    tensors = [k for k, v in kwargs.items() if isinstance(v, torch.Tensor)]
    if tensors:
        return f"tensor {', '.join(tensors)}: the reference takes Python floats (no tensor lr)"
    return None


def reference_optimizers() -> set[str]:
    return {
        n
        for n in O.__all__
        if inspect.isclass(getattr(O, n))
        and issubclass(getattr(O, n), O.Optimizer)
        and n != "Optimizer"
    }


def assert_state_close(mine: Any, theirs: Any, where: str) -> None:
    """One state value: tensors/arrays/numbers close, lists elementwise, None as None."""
    if isinstance(theirs, list | tuple):
        assert isinstance(mine, list | tuple) and len(mine) == len(theirs), where
        for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            assert_state_close(a, b, f"{where}[{i}]")
        return
    if theirs is None:
        assert mine is None, f"{where}: {mine!r} vs None"
        return
    expected = torch.as_tensor(theirs, dtype=torch.float64).detach()
    got = torch.as_tensor(np.asarray(mine, dtype=np.float64))
    torch.testing.assert_close(got, expected, rtol=RTOL, atol=ATOL, msg=lambda m: f"{where}: {m}")


class Quadratic:
    """f(x) = 1/2 x^T A x - b^T x over all parameters flattened (A SPD): LBFGS's closure."""

    def __init__(self, n: int, rng: np.random.Generator) -> None:
        m = rng.standard_normal((n, n))
        self.a, self.b = m @ m.T / n + np.eye(n), rng.standard_normal(n)

    def numpy(self, ps: list[O.Parameter]) -> float:
        x = np.concatenate([p.data.ravel() for p in ps])
        g = self.a @ x - self.b
        offsets = np.cumsum([0] + [p.data.size for p in ps])
        for p, lo, hi in zip(ps, offsets[:-1], offsets[1:], strict=True):
            p.grad = g[lo:hi].reshape(p.data.shape).copy()
        return float(0.5 * x @ self.a @ x - self.b @ x)

    def torch(self, ts: list[torch.Tensor]) -> torch.Tensor:
        for t in ts:
            t.grad = None
        x = torch.cat([t.reshape(-1) for t in ts])
        loss = 0.5 * x @ torch.from_numpy(self.a) @ x - torch.from_numpy(self.b) @ x
        loss.backward()
        return loss.detach()


def run_optimizer(info: Any, kwargs: dict[str, Any], seed: int) -> None:
    """``OPTIMIZER_STEPS`` steps side by side; AssertionError at the first disagreement."""
    name = info.optim_cls.__name__
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in PARAM_SHAPES]
    ps = [O.Parameter(a) for a in init]
    ts = [torch.tensor(a, requires_grad=True) for a in init]
    extra = {"foreach": False} if "foreach" in info.supported_impls else {}
    mine, theirs = getattr(O, name)(ps, **kwargs), info.optim_cls(ts, **kwargs, **extra)
    quadratic = Quadratic(sum(a.size for a in init), rng)
    for step in range(1, OPTIMIZER_STEPS + 1):
        if info.step_requires_closure:
            mine.step(lambda: quadratic.numpy(ps))
            theirs.step(lambda: quadratic.torch(ts))
        else:
            for p, t in zip(ps, ts, strict=True):
                g = np.asarray(rng.standard_normal(p.shape) * (rng.uniform(size=p.shape) > 0.3))
                p.grad = g
                t.grad = torch.from_numpy(g.copy())
                if info.only_supports_sparse_grads:
                    t.grad = t.grad.to_sparse()
            mine.step()
            theirs.step()
        for i, (p, t) in enumerate(zip(ps, ts, strict=True)):
            where = f"step {step}, param {i}"
            assert_state_close(p.data, t, f"{where}: value")
            a, b = mine.state.get(p, {}), theirs.state.get(t, {})
            assert set(a) == set(b), f"{where}: state keys {sorted(a)} vs torch {sorted(b)}"
            for key in b:
                value = b[key].to_dense() if getattr(b[key], "is_sparse", False) else b[key]
                assert_state_close(a[key], value, f"{where}: state[{key!r}]")


@pytest.fixture
def torch_float64() -> Iterator[None]:
    """torch keeps scalar state (step, ASGD's eta and mu) in the default dtype: use float64."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def test_every_optimizer_info_has_a_reference_class_or_is_listed() -> None:
    infos = {info.optim_cls.__name__ for info in optim_db()}
    mine = reference_optimizers()
    assert infos == (infos & mine) | set(NO_REFERENCE_OPTIMIZER)
    assert not mine & set(NO_REFERENCE_OPTIMIZER)


@pytest.mark.usefixtures("torch_float64")
@pytest.mark.parametrize("name", sorted(reference_optimizers()))
def test_reference_optimizer_agrees_with_torch_on_optimizer_info_configs(name: str) -> None:
    infos = [info for info in optim_db() if info.optim_cls.__name__ == name]
    assert len(infos) == 1, f"{name}: {len(infos)} OptimizerInfo entries"
    info = infos[0]
    configs = info.optim_inputs_func(device="cpu", dtype=torch.float64)
    differing, run = {}, 0
    for k, config in enumerate(configs):
        case = f"{name}#{k}"
        assert config.params is None, f"{case} ({config.desc}): its own params are not handled"
        if optimizer_skip_reason(config.kwargs) is not None:
            continue
        run += 1
        try:
            run_optimizer(info, config.kwargs, seed=zlib.crc32(case.encode()))
        except Exception as exc:  # every failure is a reported difference
            differing[case] = f"{config.desc} {config.kwargs}: {type(exc).__name__}: {exc}"
    assert run, f"{name}: every configuration was skipped"
    known = {c for c in KNOWN_OPTIMIZER_DIFFERENCES if c.startswith(f"{name}#")}
    new = [f"{c}: {d}" for c, d in differing.items() if c not in known]
    stale = sorted(known - set(differing))
    assert not new and not stale, "\n".join(["new:", *new, "stale:", *stale])
