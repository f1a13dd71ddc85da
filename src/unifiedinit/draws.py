"""The closed set of primitives a spec lowers to.

A Draw says exactly which numbers to write into one tensor whose shape is known: every formula (fans,
gains, bounds, truncation corrections) has already been applied by the spec that produced it. A backend
samples these and nothing else; ``unifiedinit.reference`` samples them exactly with NumPy, and
``unifiedinit.verify.stats`` knows their exact distributions.

Elementwise draws (every entry independent and identically distributed): Uniform, Normal,
TruncatedNormal, Constant, LogUniform, Mixture, Affine, InverseSoftplus, Log. Structured draws: Orthogonal,
DeltaOrthogonal, Eye, Dirac, Hadamard, Sinusoidal, S4DReal, MixedRoPE, Sparse, Array, Rows, Blocks.
"""

from __future__ import annotations

from ._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no runtime import of typing
    from typing import ClassVar

    import numpy as np


class Draw(Record):
    elementwise: ClassVar[bool] = True
    deterministic: ClassVar[bool] = False


class Uniform(Draw):
    """U[low, high)."""
    low: float
    high: float


class Normal(Draw):
    """N(mean, std^2), untruncated."""
    mean: float
    std: float


class TruncatedNormal(Draw):
    """N(mean, std^2) conditioned on low <= x <= high (absolute bounds, no rescaling)."""
    mean: float
    std: float
    low: float
    high: float


class Constant(Draw):
    deterministic: ClassVar[bool] = True
    value: float


class LogUniform(Draw):
    """exp(U[log low, log high)): log-uniform on [low, high], 0 < low < high."""
    low: float
    high: float


class Mixture(Draw):
    """Each entry independently: component i with probability weights[i] (weights sum to 1)."""
    components: tuple[Draw, ...]
    weights: tuple[float, ...]


class Affine(Draw):
    """scale * x + shift, with x from ``base``."""
    base: Draw
    scale: float
    shift: float


class InverseSoftplus(Draw):
    """log(exp(y) - 1), y = max(x, floor), x from ``base``: every y > 0 (floor > 0, or base's values are). ``low``
    and ``high`` are its values at the lowest and highest y (as ``reference.inverse_softplus`` computes them):
    every value lies between them, and ``low`` is written where x < floor."""
    base: Draw
    floor: float
    low: float
    high: float


class Log(Draw):
    """log(x), x from ``base``, whose values are all > 0. ``low`` and ``high`` are its values at the base's lowest
    and highest x (as ``reference.log`` computes them): every value lies between them."""
    base: Draw
    low: float
    high: float


class Orthogonal(Draw):
    """gain x a Haar-random matrix with orthonormal rows or columns (whichever are fewer).

    The matrix has ``shape[out_axis]`` rows and numel / rows columns, the other axes flattened in order:
    ``t = moveaxis(matrix.reshape(shape[out_axis], *other_axes), 0, out_axis)``. torch's orthogonal_ is
    out_axis=0; JAX/Keras orthogonal (last axis against the rest) is out_axis=-1, as the transposed
    matrix of a Haar matrix is Haar too. ``span`` > 1 makes the rows the ``span`` consecutive axes from
    ``out_axis``, flattened in order (a Flax ``DenseGeneral`` kernel (*inputs, *features): its features).
    """
    elementwise: ClassVar[bool] = False
    gain: float
    out_axis: int
    span: int = 1

    def rows(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The axes of ``shape`` (non-negative, in order) that the matrix's rows run along."""
        axis = self.out_axis % len(shape)
        return tuple(range(axis, axis + self.span))


class DeltaOrthogonal(Draw):
    """Zeros, and at the centre of the spatial axes ((k - 1) // 2 on each, JAX's delta_orthogonal) a
    ``gain`` x Haar-random matrix with orthonormal columns, shape[out_axis] x shape[in_axis] (in <= out)."""
    elementwise: ClassVar[bool] = False
    gain: float
    out_axis: int
    in_axis: int


class Eye(Draw):
    """``gain`` on the diagonal of a 2-D tensor ([i, i] for i < min(shape)), zeros elsewhere."""
    elementwise: ClassVar[bool] = False
    deterministic: ClassVar[bool] = True
    gain: float = 1.0


class Dirac(Draw):
    """Identity convolution: 1 at [g*out_per_group + d, d, centre...] for d < min(out_per_group, in),
    centre = k // 2 on every spatial axis (torch's dirac_), in the tensor's own axis order."""
    elementwise: ClassVar[bool] = False
    deterministic: ClassVar[bool] = True
    groups: int
    out_axis: int
    in_axis: int


class Hadamard(Draw):
    """ZerO's matrix (out x in = m x n along ``out_axis``/``in_axis``): the partial identity when m <= n, else the
    first m rows and n columns of ``gain`` x the normalised Sylvester-Hadamard matrix of order p = 2^ceil(log2 m)
    (entry (a, b): (-1)^popcount(a & b) / sqrt(p)). A kernel with spatial axes holds it at their centre (k // 2),
    zeros elsewhere."""
    elementwise: ClassVar[bool] = False
    deterministic: ClassVar[bool] = True
    gain: float
    out_axis: int
    in_axis: int


class Sinusoidal(Draw):
    """A sinusoidal position table: ``positions_axis`` counts positions p, the other axis the dim columns, which
    hold sin(p w_i) and cos(p w_i): the sines in the first ceil(dim / 2) columns, then the cosines, or
    ``interleaved`` (2i and 2i + 1). w_i = max_timescale^(-i / (dim/2 - 1)) when ``span``, else
    max_timescale^(-2i / dim)."""
    elementwise: ClassVar[bool] = False
    deterministic: ClassVar[bool] = True
    interleaved: bool
    max_timescale: float
    span: bool
    positions_axis: int


class S4DReal(Draw):
    """-(n + 1) at index n of the last axis (``state`` entries), or log(n + 1) when ``log``, broadcast over the
    other axes."""
    elementwise: ClassVar[bool] = False
    deterministic: ClassVar[bool] = True
    log: bool
    state: int


class MixedRoPE(Draw):
    """RoPE-Mixed's frequencies in a (2, *groups, columns) tensor: one angle t ~ U[0, 2 pi) per group (a block and
    head), and with m_k = temperature^(-2k / columns) for k < columns / 2, [0, g] = (m cos t, -m sin t) and
    [1, g] = (m sin t, m cos t), each half of the last axis over k."""
    elementwise: ClassVar[bool] = False
    temperature: float
    columns: int

    def magnitudes(self) -> np.ndarray:
        """m_k = temperature^(-2k / columns) for k < columns / 2 (timm's temperature^(-4k / head_dim)), float64."""
        import numpy as np
        # a float64 arange: torch.compile traces NumPy as torch, where an int64 arange scaled by a float is float32
        return np.power(self.temperature, -2.0 * np.arange(self.columns // 2, dtype=np.float64) / self.columns)


class Sparse(Draw):
    """2-D: N(0, std^2) entries, and in every column (the axes other than ``out_axis``) exactly
    ceil(sparsity x rows) entries, at distinct random rows, set to zero (torch's sparse_)."""
    elementwise: ClassVar[bool] = False
    sparsity: float
    std: float
    out_axis: int


class Array(Draw):
    """Given values, already in the target tensor's axis order (row-major, flattened)."""
    elementwise: ClassVar[bool] = False
    deterministic: ClassVar[bool] = True
    values: tuple[float, ...]
    shape: tuple[int, ...]


class Rows(Draw):
    """``base`` over the whole tensor, except the entries at ``index`` along ``axis`` (one slice: an embedding's
    padding row), which are drawn from ``fill`` (elementwise) instead."""
    elementwise: ClassVar[bool] = False
    base: Draw
    fill: Draw
    axis: int
    index: int

    @property
    def deterministic(self) -> bool:  # type: ignore[override]
        return self.base.deterministic and self.fill.deterministic


class Blocks(Draw):
    """Equal consecutive blocks along ``axis``, block i drawn from ``parts[i]`` (the gates of a recurrent layer,
    the q/k/v of a fused projection)."""
    elementwise: ClassVar[bool] = False
    parts: tuple[Draw, ...]
    axis: int

    @property
    def deterministic(self) -> bool:  # type: ignore[override]
        return all(p.deterministic for p in self.parts)


class PerLayer(Draw):
    """One draw per layer of a stacked tensor (row-major over its stacked axes): a scanned stack whose spec reads
    each layer's depth (``ui.Scaled(..., "1 / sqrt(2 * (l + 1))")``). Only ever drawn with its stacked axes."""
    elementwise: ClassVar[bool] = False
    layers: tuple[Draw, ...]

    @property
    def deterministic(self) -> bool:  # type: ignore[override]
        return all(p.deterministic for p in self.layers)
