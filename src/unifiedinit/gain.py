"""Recommended gains per nonlinearity: torch.nn.init.calculate_gain's table, written once."""

from __future__ import annotations

import math
TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: no runtime import of typing
    from typing import Any

from . import _validate as v

NONLINEARITIES = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu")


def calculate_gain(nonlinearity: str, param: Any = None) -> float:
    """The gain torch recommends for ``nonlinearity`` (``torch.nn.init.calculate_gain``'s table).

    linear, conv*, sigmoid: 1; tanh: 5/3; relu: sqrt(2); selu: 3/4;
    leaky_relu: sqrt(2 / (1 + s**2)) with s = ``param``, or 0.01 when ``param`` is None.
    ``KaimingUniform``/``KaimingNormal`` scale by it; ``XavierUniform(gain=...)`` and ``Orthogonal(gain=...)`` take it.

    Args:
        nonlinearity: "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
            "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu" or "selu".
        param: leaky_relu's negative slope, a real number with |param| <= 1e150, or None (0.01); ignored by the
            others.

    Returns:
        The gain, a float.

    Raises:
        ValueError: an unknown ``nonlinearity``, or a ``param`` of leaky_relu that is not finite.
        TypeError: a ``param`` of leaky_relu that is not a real number.

    Examples:
        >>> import unifiedinit as ui
        >>> ui.calculate_gain("relu"), ui.calculate_gain("tanh")
        (1.4142135623730951, 1.6666666666666667)
        >>> ui.calculate_gain("leaky_relu", 0.2)  # sqrt(2 / (1 + 0.2 ** 2))
        1.3867504905630728
    """
    v.choice("calculate_gain", "nonlinearity", nonlinearity, NONLINEARITIES)
    if nonlinearity in ("tanh",):
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4  # value torch chose for self-normalizing networks
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else negative_slope("calculate_gain", "param", param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    return 1.0


#: the largest leaky_relu slope: beyond it 1 + slope**2 overflows, or the variance gain**2 underflows
MAX_SLOPE = 1e150


def negative_slope(owner: str, name: str, value: Any) -> float:
    """A leaky_relu slope: a real number of magnitude at most ``MAX_SLOPE`` (torch's formula overflows past 1e154)."""
    slope = v.real(owner, name, value)
    if abs(slope) > MAX_SLOPE:
        raise ValueError(f"{owner}: parameter {name!r} must be a real number with |{name}| <= {MAX_SLOPE:g} (its "
                         f"gain sqrt(2 / (1 + {name}**2)) would overflow or vanish), got {slope!r}")
    return slope
