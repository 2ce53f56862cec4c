"""Random number generation: `Generator`, `manual_seed`, `seed`, `initial_seed`, RNG state.

Mirrors `torch.Generator` and `torch.random`. The bits come from NumPy's PCG64, so the numbers
differ from PyTorch's for the same seed; reproducibility within numbagrad is exact.
"""
import numpy as np

_DEFAULT_SEED = 67280421310721


class Generator:
    """Mirrors `torch.Generator`: `manual_seed`, `seed`, `initial_seed`, `get_state`, `set_state`."""

    def __init__(self, device="cpu"):
        from .device import as_device
        kind = as_device(device).type
        if kind != "cpu":
            raise RuntimeError(f"Cannot get a {kind.upper()} generator: numbagrad runs on the CPU only "
                               "(PyTorch's CPU-only build raises RuntimeError here too)")
        self._initial_seed = _DEFAULT_SEED
        self.np = np.random.Generator(np.random.PCG64(_DEFAULT_SEED))

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed &= (1 << 64) - 1
        self._initial_seed = seed
        self.np = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy % (1 << 63))
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._initial_seed

    def get_state(self):
        """The state as a uint8 tensor, as in PyTorch (here: the PCG64 state serialised to bytes)."""
        from .factories import from_numpy
        st = self.np.bit_generator.state["state"]
        words = [st["state"], st["inc"], self._initial_seed]
        raw = b"".join(int(w).to_bytes(16, "little") for w in words)
        return from_numpy(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        arr = np.asarray(new_state.numpy() if hasattr(new_state, "numpy") else new_state, dtype=np.uint8)
        if arr.shape != (48,):
            raise RuntimeError(f"Generator.set_state: expected a state of 48 bytes, got shape {arr.shape}")
        raw = arr.tobytes()
        state, inc, seed = (int.from_bytes(raw[i:i + 16], "little") for i in (0, 16, 32))
        bitgen = np.random.PCG64()
        bitgen.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                        "has_uint32": 0, "uinteger": 0}
        self.np = np.random.Generator(bitgen)
        self._initial_seed = seed
        return self

    @property
    def device(self):
        """Mirrors `Generator.device`: `device(type='cpu')`."""
        from .device import CPU
        return CPU


default_generator = Generator()


def manual_seed(seed):
    """Mirrors `torch.manual_seed`: seeds the default generator (initialisation, shuffling, dropout)."""
    return default_generator.manual_seed(seed)


def seed():
    """Mirrors `torch.seed`: seeds the default generator non-deterministically and returns the seed."""
    return default_generator.seed()


def initial_seed():
    """Mirrors `torch.initial_seed`."""
    return default_generator.initial_seed()


def get_rng_state():
    """Mirrors `torch.get_rng_state`."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Mirrors `torch.set_rng_state`."""
    default_generator.set_state(new_state)


def numpy_generator(generator=None):
    """The NumPy generator behind `generator`, or behind the default generator when None."""
    if generator is None:
        return default_generator.np
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a numbagrad.Generator, got {type(generator).__name__}")
    return generator.np
