"""The NumPy float64 backend: the exact reference (``unifiedinit.sample``) and the definition of portable values.

It is not a framework (nothing to initialize, no registry entry): it supplies the ``Ops`` through which
``unifiedinit.samplers`` draws every primitive exactly in float64 from a counter-based Philox stream keyed by
(seed, key), with Robert's exact rejection for truncated normals.
"""

from .ops import NumpyArith, NumpyOps

__all__ = ["NumpyArith", "NumpyOps"]
