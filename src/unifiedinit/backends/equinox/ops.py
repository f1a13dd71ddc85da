"""``unifiedinit.samplers`` over Equinox: Equinox draws with JAX, so its ops are the JAX ones
(``unifiedinit.backends.flax.ops``, documented there)."""

from ..flax.ops import JaxOps as EquinoxOps
from ..flax.ops import JaxTarget, array, seed_key, stream_key, to_numpy

__all__ = ["EquinoxOps", "JaxTarget", "array", "seed_key", "stream_key", "to_numpy"]
