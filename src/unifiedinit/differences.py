"""Where unifiedinit's drop-ins differ from the framework on purpose, and why: one list.

The parity tests (``tests/parity/``) read this list: a case it names is checked to behave as the entry says,
not as the framework does; any other difference fails. The README's table "Where we differ from the framework,
and why" is generated from it (``python -m unifiedinit.differences`` prints it; a test checks the README holds
exactly that table), so the two cannot drift.
"""

from __future__ import annotations

from ._record import Record


class Difference(Record):
    """One intentional difference: in ``framework``'s ``function`` (as the user calls it), ``ours`` where the
    framework does ``theirs``, ``why``, and the ``option`` that gives the framework's behaviour ("" if none)."""

    framework: str
    function: str
    theirs: str
    ours: str
    why: str
    option: str = ""


DIFFERENCES: list[Difference] = [
    Difference("torch", "trunc_normal_(std=0)", "ZeroDivisionError", "ValueError naming 'std' (a RuntimeError too)",
               "a zero std is a bad argument, said before anything is computed"),
    Difference("torch", "uniform_/normal_/trunc_normal_ with NaN or inf arguments", "writes NaN", "ValueError naming the "
               "argument (a RuntimeError too)", "a plan must never write a non-finite value"),
    Difference("torch", "orthogonal_ on float16/bfloat16", "QR in the tensor's dtype (refused on CPU)",
               "QR in float32, rounded once", "half-precision QR is not available on every device"),
    Difference("torch", "uniform_ on bfloat16 or float16", "drawn in the dtype from the window's ends rounded to "
               "it: values outside the window (uniform_(t, -0.3, 0.7) on bfloat16 writes -0.30078, mean 0.1975)",
               "drawn in float32, rounded once, within the window's ends as the dtype holds them (mean 0.2000)",
               "a bounded spec never writes outside its window; the exact law, rounded once"),
    Difference("torch", "trunc_normal_ values", "rejection with full redraws and a host sync per round",
               "inverse CDF in one pass (float64 beyond 4 std), in parts of 2^20 entries on CPU",
               "no host sync, values independent of the thread count; the same law"),
    # torch's nn.init drop-ins (unifiedinit.backends.torch.nn_init), checked by tests/parity/test_torch_parity.py
    Difference("torch", "trunc_normal_(std<0)", "draws as with |std| (its sampler squares the standardized value)",
               "ValueError naming 'std' (a RuntimeError too)", "a negative std is a bad argument, as normal_ says",
               "trunc_normal_(t, mean, abs(std), a, b)"),
    Difference("torch", "trunc_normal_ with a window more than 37 std from the mean",
               "draws values piled against the nearer bound", "ValueError naming the window (a RuntimeError too)",
               "the window holds no double-precision probability: no exact draw exists, and the call is almost "
               "surely a mistake"),
    Difference("torch", "trunc_normal_ with the mean more than 2 std outside [a, b]",
               "UserWarning 'mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
               "may be incorrect.'", "no warning", "the inverse-CDF draw is exact there (float64 beyond 4 std): the "
               "warning would be false"),
    Difference("torch", "trunc_normal_ under torch.compile(fullgraph=True) or torch.func.vmap",
               "fails: its rejection loop branches on the values", "compiles, and vmaps with either randomness",
               "one pass with no data-dependent branch"),
    Difference("torch", "eye_ under torch.func.vmap", "fails: torch.eye(out=) has no batching rule", "works",
               "the identity is copied in, which vmap batches"),
    Difference("torch", "normal_ (and every normal fill) with a std whose 40 std pass the dtype's largest value "
               "(float16: std > 1637)", "draws (a value past the dtype's range would be inf)",
               "ValueError naming the dtype (a RuntimeError too)",
               "a plan must never write a non-finite value: a normal is taken to reach 40 std",
               "t.copy_(normal_(torch.empty_like(t, dtype=torch.float32), mean, std))"),
    Difference("torch", "orthogonal_ on complex64/complex128",
               "NotImplementedError (it calls torch.sign, which refuses complex numbers)",
               "gain x a Haar-random (semi-)unitary matrix: QR of a complex Gaussian matrix, columns times the phases "
               "of diag(R)", "the complex counterpart of what orthogonal_ describes; torch's failure is sign used "
               "where sgn is meant"),
    Difference("torch", "xavier_normal_(gain=inf), orthogonal_(gain=inf or NaN), sparse_(std=inf)",
               "writes inf or NaN", "ValueError naming the argument (a RuntimeError too)",
               "a plan must never write a non-finite value"),
    Difference("torch", "dirac_(groups<0)", "zeroes the tensor (no identity written) when groups divides dim 0",
               "ValueError naming 'groups'", "a negative number of groups is a bad argument", "zeros_(t)"),
    Difference("torch", "dirac_(groups=a uint8 tensor, or an int8 tensor with a dimension)",
               "uint8: its value is used as a mask index, so wrong values (groups=tensor(2, uint8) on 4 channels: "
               "channels 0 and 1 both read input 1, channels 2 and 3 nothing); int8 with a dimension: IndexError "
               "after the tensor is zeroed", "the identity for groups = the tensor's value, as for an int64 tensor",
               "groups means the same whatever its integer dtype", "dirac_(t, int(groups))"),
    Difference("torch", "sparse_(sparsity<0)", "reads ceil(sparsity x rows) < 0 as a slice end: zeroes every row "
               "but that many in each column", "ValueError naming 'sparsity'",
               "a negative fraction of zeros is a bad argument"),
    Difference("torch", "sparse_(generator=g)", "the zero rows come from the global RNG (torch.randperm without the "
               "generator): g alone does not repeat a call", "every value from g",
               "generator= is there to make a call repeatable"),
    # Keras (unifiedinit.backends.keras.initializers): where Keras's own backends disagree, the entry says which
    Difference("keras", "RandomUniform(minval > maxval)", "tensorflow, torch: draws U(maxval, minval]; jax: writes minval "
               "everywhere", "ValueError naming 'minval' and 'maxval', at construction",
               "the backends disagree, and reversed bounds are a mistake said before anything is drawn",
               "RandomUniform(maxval, minval)"),
    Difference("keras", "RandomNormal/TruncatedNormal/RandomUniform/VarianceScaling/Constant/Identity/Orthogonal "
               "with NaN or inf arguments", "writes NaN or inf", "ValueError naming the argument, at construction",
               "an initializer must never write a non-finite value"),
    Difference("keras", "values the dtype cannot hold (Constant(1e300) or RandomNormal(stddev=1e300) on float32, "
               "Constant(300) on int8)", "tensorflow: ValueError for a float constant, wraps integers, writes inf "
               "otherwise; jax: inf or OverflowError; torch: inf or RuntimeError",
               "ValueError naming the dtype, before anything is drawn", "no initializer writes inf or a wrapped value"),
    Difference("keras", "RandomNormal(stddev < 0)", "tensorflow, jax: the law of |stddev|; torch backend: "
               "RuntimeError", "the law of |stddev| on every backend", "one behaviour on every backend"),
    Difference("keras", "random initializers on an integer or bool dtype", "the backend's error (tensorflow TypeError "
               "or InvalidArgumentError, and HeUniform writes integers; jax ValueError; torch NotImplementedError)",
               "TypeError naming the dtype", "one error, said before anything is drawn"),
    Difference("keras", "RandomUniform and the uniform variance-scaling initializers (GlorotUniform, HeUniform, "
               "LecunUniform) on bfloat16", "drawn in bfloat16 itself: off the exact law rounded once (two-sample "
               "KS p from 4e-4 on the torch backend to 1e-26, at 524,288 values)", "drawn in float32 and rounded once",
               "the exact law, rounded once, as every unifiedinit backend draws half precision"),
    Difference("keras", "Constant(value) on float16, tensorflow and torch backends", "the value rounded to float32, "
               "then to float16 (1 + 2**-11 + 2**-30 gives 1.0)", "rounded once (1.0009765625), as NumPy and the "
               "jax backend round it", "the dtype asked holds the number nearest the value given"),
    Difference("keras", "Orthogonal on float16/bfloat16", "QR in the tensor's dtype (tensorflow float16 only; "
               "NotImplementedError or InvalidArgumentError otherwise)", "QR in float32, rounded once",
               "half-precision QR is not available on every backend"),
    Difference("keras", "Identity on an integer or bool dtype", "tensorflow: TypeError; jax, torch: a float32 "
               "matrix whatever the dtype asked", "gain x I in the integer or bool dtype asked (cast as Keras "
               "casts constants)", "the dtype asked is the dtype written"),
    Difference("keras", "Identity(gain).get_config()", "{} (a reloaded Identity has gain 1)",
               "{'gain': gain, 'spec': ...}", "from_config and a saved model give back the same initializer"),
    Difference("keras", "get_config() of every initializer", "Keras's keys", "Keras's keys plus 'spec' (the whole "
               "spec as a dict; a 'spec' that disagrees with the keys is refused by from_config)",
               "the law itself travels with a saved model",
               "drop 'spec' to hand the config to Keras's own class"),
    Difference("keras", "seed outside [0, 2**32) or seed=True", "jax: OverflowError for the seed; tensorflow: "
               "ValueError for True", "any int seed (True is 1), on every backend", "one behaviour on every backend"),
    Difference("keras", "a malformed shape (negative or non-integer sizes)", "the backend's error (InvalidArgumentError, "
               "MLIRError, RuntimeError, TypeError)", "ValueError (negative) or TypeError (not an integer) naming "
               "'shape'", "one error, said before anything is drawn"),
    # JAX (unifiedinit.backends.flax.initializers, drop-ins for jax.nn.initializers), checked by
    # tests/parity/test_jax_parity.py
    Difference("jax", "uniform/normal/truncated_normal/variance_scaling/orthogonal/delta_orthogonal/constant with NaN "
               "or inf arguments", "writes NaN or inf", "ValueError naming the argument, when the initializer is built",
               "an initializer must never write a non-finite value"),
    Difference("jax", "variance_scaling(scale<0)", "writes NaN (the square root of a negative variance)",
               "ValueError naming 'scale', when the initializer is built", "a negative variance is a bad argument"),
    Difference("jax", "truncated_normal(lower >= upper)", "draws anyway: lower == upper gives lower x stddev (to "
               "rounding), lower > upper whatever its sampler computes (lower=1, upper=0: zeros)",
               "ValueError naming 'lower' and 'upper', when the initializer is built",
               "an empty window holds no law: the bounds are a mistake", "constant(lower * stddev)"),
    Difference("jax", "truncated_normal with a window more than 37 std from 0", "writes values piled at one bound "
               "(lower=50, upper=60: 60 everywhere)", "ValueError naming the window, when the initializer is built",
               "the window holds no double-precision probability: no exact draw exists, and the call is almost "
               "surely a mistake"),
    Difference("jax", "orthogonal/delta_orthogonal on float16, bfloat16 or float8",
               "NotImplementedError (no QR in that dtype)", "QR in float32, rounded once",
               "half-precision QR is not available; the law is the same",
               "orthogonal()(key, shape, jnp.float32).astype(dtype)"),
    Difference("jax", "random initializers on float16, bfloat16 or float8", "drawn with the dtype's own bits: "
               "uniform bits floored onto the dtype's grid (bfloat16: 128 values in [0, 1), mean 0.496) and normals "
               "mapped from them (bfloat16: 128 distinct values; float8 truncated normals are NaN)",
               "drawn in float32 and rounded once to the dtype", "the exact law, rounded once, as every unifiedinit "
               "backend draws half precision"),
    Difference("jax", "constant(value) or a random initializer whose values the dtype cannot hold (constant(1e300) on "
               "float32, constant(300) on int8, normal(stddev > 1637) on float16)", "writes inf, or the integer "
               "converted out of range (300 on int8: 44)", "ValueError naming the dtype, before anything is drawn (a "
               "normal is taken to reach 40 std)", "an initializer must never write inf or a wrapped value"),
    Difference("jax", "a negative size in the shape", "MLIRError, TypeError or ValueError, depending on the initializer",
               "ValueError naming 'shape'", "one error, said before anything is drawn"),
    Difference("jax", "variance_scaling (and glorot/he/lecun) with a mode or distribution JAX does not know or an axis "
               "that is not an integer; constant(value) with a list, None or a string", "ValueError (mode, "
               "distribution) or TypeError (axis, value) when the initializer is called",
               "the same exception class when the initializer is built", "a bad argument is said where it is written"),
    Difference("jax", "uniform/normal/truncated_normal/variance_scaling/orthogonal/delta_orthogonal with an argument "
               "that is not a number or an array (a string, None)", "ValueError or TypeError, whichever jnp.array or "
               "the arithmetic raises, when the initializer is called", "TypeError naming the argument, when the "
               "initializer is built", "one error for a wrong type, said where it is written"),
    Difference("jax", "constant(value) with a complex array on a real dtype", "its real part, with a ComplexWarning (a "
               "complex number: TypeError)", "TypeError, for an array as for a number",
               "dropping the imaginary part silently is almost surely a mistake", "constant(value.real)"),
]


def table(differences: list[Difference] | None = None) -> str:
    """The README's table, one row per difference."""
    rows = ["| framework | function | the framework | unifiedinit | why | the framework's behaviour |",
            "|---|---|---|---|---|---|"]
    def cell(text: str) -> str:
        return text.replace("|", "\\|")  # a pipe in a cell would split it

    for d in DIFFERENCES if differences is None else differences:
        rows.append(f"| {d.framework} | `{cell(d.function)}` | {cell(d.theirs)} | {cell(d.ours)} | {cell(d.why)} | "
                    f"{('`' + cell(d.option) + '`') if d.option else '—'} |")
    return "\n".join(rows)


def find(framework: str, function: str) -> Difference | None:
    """The difference recorded for ``function`` of ``framework``, if any."""
    for d in DIFFERENCES:
        if d.framework == framework and d.function == function:
            return d
    return None


BEGIN, END = "<!-- differences: generated from src/unifiedinit/differences.py -->", "<!-- differences: end -->"


def readme_block() -> str:
    """The README's block: the markers and the table between them."""
    return f"{BEGIN}\n{table()}\n{END}"


def write_readme(path: str) -> None:
    """Rewrite the table between the markers of ``path`` (``python -m unifiedinit.differences README.md``)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text[:start] + readme_block() + text[stop:])


if __name__ == "__main__":  # pragma: no cover
    import sys
    if len(sys.argv) > 1:
        write_readme(sys.argv[1])
    else:
        print(table())
