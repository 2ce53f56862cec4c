"""`DistributedDataParallel`: mirrors `torch.nn.parallel.DistributedDataParallel` over MPI.

When gradients are averaged: a forward in grad mode (outside `no_sync()`) puts a hook on each
output tensor; when backward reaches an output, the hook queues a callback with the engine
(`autograd.engine.queue_callback`; once per backward pass however many outputs it reaches), and
the engine runs it after the backward pass has written every `.grad`. The callback copies the
gradients into flat per-dtype buckets (`_buckets.py`), runs one in-place MPI allreduce (SUM) per
bucket and copies the averages back into `.grad`. See docs/distributed.md for why this is not
overlapped with the backward pass.
"""
import contextlib
import warnings
import zlib

import numpy as np

from ...autograd import engine
from ...autograd.grad_mode import is_grad_enabled
from ...distributed.process_group import default_group
from ...tensor import Tensor
from ..module import Module
from ._buckets import DEFAULT_BUCKET_CAP_MB, build_buckets, flat_by_dtype


def _refuse_unsupported(**arguments):
    """NotImplementedError naming the first DDP argument given (not None) that numbagrad does not
    implement: each would change the gradients or the communication, so it is never ignored."""
    for name, value in arguments.items():
        if value is not None:
            raise NotImplementedError(f"DistributedDataParallel: {name}={value!r} is not supported by numbagrad "
                                      "(gradients are averaged in full precision over the default group)")


class DistributedDataParallel(Module):
    """Mirrors `torch.nn.parallel.DistributedDataParallel(module, ...)` on the CPU.

    At construction (every rank must construct it, in the same order): checks that all ranks hold
    the same parameter shapes (RuntimeError on every rank otherwise) and broadcasts rank 0's
    parameters and buffers to the others. Before each forward in grad mode, buffers are broadcast
    from rank 0 (`broadcast_buffers` / `forward_sync_buffers`). After each backward through the
    outputs of a forward run outside `no_sync()`, every `.grad` holds the average over ranks.
    `module` is the wrapped module; state dicts have PyTorch's "module." prefix (save
    `ddp.module.state_dict()` on rank 0 for a checkpoint a single-process model loads).

    Differences from PyTorch: gradients are averaged after the backward pass, not overlapped with
    it (docs/distributed.md); parameters unused in a forward are handled whatever
    `find_unused_parameters` says (they never make the next iteration fail); `device_ids` and
    `output_device` must be None (CPU); `gradient_as_bucket_view`, `static_graph`, `check_reduction`
    and `batched_grad_copy` only tune memory and speed in PyTorch (results are the same) and are
    accepted without effect; `mixed_precision`, `device_mesh`, `delay_all_reduce_named_params`,
    `param_to_hook_all_reduce`, `bucket_cap_mb_list` and `skip_all_reduce_unused_params=True`
    change what is computed or communicated and raise NotImplementedError; `process_group` must be
    None or the default group.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=None,
                 init_sync=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None,
                 mixed_precision=None, device_mesh=None, skip_all_reduce_unused_params=False,
                 bucket_cap_mb_list=None, batched_grad_copy=False, forward_sync_buffers=None):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError("DistributedDataParallel: module must be a numbagrad.nn.Module, got "
                            f"{type(module).__name__}")
        if device_ids is not None or output_device is not None:
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work with "
                "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                f"{device_ids}, output_device {output_device}, and module parameters "
                "{device(type='cpu')}.")
        _refuse_unsupported(mixed_precision=mixed_precision, device_mesh=device_mesh,
                            delay_all_reduce_named_params=delay_all_reduce_named_params,
                            param_to_hook_all_reduce=param_to_hook_all_reduce,
                            bucket_cap_mb_list=bucket_cap_mb_list,
                            skip_all_reduce_unused_params=skip_all_reduce_unused_params or None)
        self.process_group = default_group(process_group)
        if not any(p.requires_grad for p in module.parameters()):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have "
                               "any parameter that requires a gradient.")
        if bucket_cap_mb is None:
            bucket_cap_mb = DEFAULT_BUCKET_CAP_MB
        if (not isinstance(bucket_cap_mb, (int, float)) or isinstance(bucket_cap_mb, bool)
                or not bucket_cap_mb > 0):
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be a positive number, "
                             f"got {bucket_cap_mb!r}")
        self.module = module
        self.dim = dim
        self.device_ids = None
        self.output_device = None
        self.forward_sync_buffers = _forward_sync_buffers(broadcast_buffers, forward_sync_buffers)
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int(bucket_cap_mb * 1024 * 1024)
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._buckets = build_buckets(self._params, self.bucket_bytes_cap)
        self._averages_done = 0  # counts gradient averagings (numbagrad.compile's capture reads it)
        if init_sync:
            self._verify_same_model()
            self._broadcast(list(module.parameters()) + list(module.buffers()), "parameters")

    @property
    def broadcast_buffers(self):
        return self.forward_sync_buffers

    @broadcast_buffers.setter
    def broadcast_buffers(self, value):
        self.forward_sync_buffers = value

    def forward(self, *inputs, **kwargs):
        """Runs `module(*inputs, **kwargs)`, first broadcasting buffers from rank 0 when due, and
        arms the gradient averaging of the backward through its outputs (see the module docstring)."""
        if self.require_forward_param_sync and self.forward_sync_buffers:
            buffers = list(self.module.buffers())
            if buffers:
                self._broadcast(buffers, "buffers")
        output = self.module(*inputs, **kwargs)
        synced = is_grad_enabled() and self.require_backward_grad_sync
        # The flag only decides whether the next forward broadcasts buffers; it is written only
        # when that can happen, so a step compiled by numbagrad.compile has no side effect here.
        if (synced != self.require_forward_param_sync and self.forward_sync_buffers
                and any(True for _ in self.module.buffers())):
            self.require_forward_param_sync = synced
        if synced:
            for t in _tensors_in(output):
                if t.grad_fn is not None:  # (an output that is a leaf would keep the hook forever)
                    t.register_hook(self._output_grad_hook)
        return output

    @contextlib.contextmanager
    def no_sync(self):
        """Mirrors `DistributedDataParallel.no_sync()`: backward passes through outputs of forwards
        run inside the context only accumulate local gradients; the first synchronized backward
        afterwards averages the accumulated `.grad`. Put the forward inside the context."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ---- gradient averaging ------------------------------------------------------------------
    def _output_grad_hook(self, grad):
        queued = engine._final_callbacks.queue  # this backward pass's callbacks, in this thread
        if queued is not None and self._average_gradients not in queued:
            engine.queue_callback(self._average_gradients)

    def _average_gradients(self, arrays=None):
        """Average every parameter's `.grad` over the ranks: one allreduce per bucket. A step
        compiled by `numbagrad.compile` calls it between its backward and its optimizer update
        with `arrays`: the gradients of the parameters that require grad, in order, all present,
        averaged in place with the same buckets and arithmetic."""
        pg, size = self._checked_group()
        op = pg._MPI.SUM
        for bucket in self._buckets:
            mine = None if arrays is None else [arrays[i] for i in bucket.positions]
            bucket.pack(mine)
            pg.allreduce_array(bucket.buffer, op, "DistributedDataParallel gradient allreduce")
            bucket.unpack(size, mine)
        self._averages_done += 1

    def _checked_group(self):
        pg = self.process_group
        if pg is not default_group(None):
            raise RuntimeError("DistributedDataParallel: the process group was destroyed; call "
                               "init_process_group and wrap the module again")
        if not all(b.matches() for b in self._buckets):
            self._buckets = build_buckets(self._params, self.bucket_bytes_cap)
        return pg, pg.size()

    # ---- construction-time synchronization ---------------------------------------------------
    def _verify_same_model(self):
        """RuntimeError on every rank unless all ranks have the same parameter count, shapes and
        dtypes (compared through the min and max over ranks of a checksum; one small allreduce each)."""
        signature = ";".join(f"{tuple(p._data.shape)}{p._data.dtype}" for p in self.module.parameters())
        mine = np.array([len(self._params), zlib.crc32(signature.encode())], dtype=np.int64)
        pg = self.process_group
        low, high = mine.copy(), mine.copy()
        pg.allreduce_array(low, pg._MPI.MIN, "DistributedDataParallel model check")
        pg.allreduce_array(high, pg._MPI.MAX, "DistributedDataParallel model check")
        if not (np.array_equal(low, mine) and np.array_equal(high, mine)):
            raise RuntimeError(
                "DDP expects same model across all processes, but the parameters of rank "
                f"{pg.rank()} ({signature}) differ in number, shape or dtype from another rank's")

    def _broadcast(self, tensors, what):
        """Overwrite `tensors` with rank 0's values: one broadcast per dtype."""
        pg = self.process_group
        if pg.size() == 1 or not tensors:
            return
        for flat, views in flat_by_dtype(tensors):
            pg.broadcast_bytes(flat, 0, f"DistributedDataParallel broadcast of {what}")
            if pg.rank() != 0:
                for t, view in views:
                    t._data[...] = view
                    t._version[0] += 1


def _forward_sync_buffers(broadcast_buffers, forward_sync_buffers):
    """PyTorch 2.13's rule: `forward_sync_buffers` wins; `broadcast_buffers` is deprecated."""
    if broadcast_buffers is not None:
        if forward_sync_buffers is not None:
            warnings.warn("Both `broadcast_buffers` and `forward_sync_buffers` were specified. "
                          "`broadcast_buffers` is deprecated and its value is ignored when "
                          "`forward_sync_buffers` is provided.", FutureWarning, stacklevel=3)
        else:
            warnings.warn("`broadcast_buffers` is deprecated. Use `forward_sync_buffers` instead.",
                          FutureWarning, stacklevel=3)
    if forward_sync_buffers is not None:
        return bool(forward_sync_buffers)
    return True if broadcast_buffers is None else bool(broadcast_buffers)


def _tensors_in(output):
    """The Tensors in a forward's output (nested tuples, lists and dicts)."""
    if isinstance(output, Tensor):
        yield output
    elif isinstance(output, (tuple, list)):
        for item in output:
            yield from _tensors_in(item)
    elif isinstance(output, dict):
        for item in output.values():
            yield from _tensors_in(item)
