"""Schedulers made of schedulers: `SequentialLR` and `ChainedScheduler`. Mirror
`torch.optim.lr_scheduler.SequentialLR` and `ChainedScheduler`."""
from bisect import bisect_right

from ._plateau import ReduceLROnPlateau
from ._scheduler_base import LRScheduler, _param_groups_val_list, _update_param_group_val


def _check_members(owner, optimizer, schedulers):
    name = type(owner).__name__
    for scheduler_idx, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{name} at index {scheduler_idx} should have `optimizer` as its "
                            "attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{name} does not support `ReduceLROnPlateau` scheduler as it requires "
                "additional kwargs to be specified when calling `step`, but got one at index "
                f"{scheduler_idx} in the given schedulers sequence.")
        if optimizer != scheduler.optimizer:
            raise ValueError(
                f"{name} expects all schedulers to belong to the same optimizer, but got "
                f"scheduler {type(scheduler).__name__} at index {scheduler_idx} has "
                f"{scheduler.optimizer}, which is different from {type(optimizer).__name__}.")


def _state_with_members(scheduler):
    state = {key: value for key, value in scheduler.__dict__.items()
             if key not in ("optimizer", "_schedulers")}
    state["_schedulers"] = [s.state_dict() for s in scheduler._schedulers]
    return state


def _load_with_members(scheduler, state_dict):
    state_dict = dict(state_dict)
    members = state_dict.pop("_schedulers")
    scheduler.__dict__.update(state_dict)
    for s, member_state in zip(scheduler._schedulers, members):
        s.load_state_dict(member_state)


class SequentialLR(LRScheduler):
    """Mirrors `torch.optim.lr_scheduler.SequentialLR(optimizer, schedulers, milestones,
    last_epoch=-1)`: `schedulers[i]` drives the lr between `milestones[i-1]` and
    `milestones[i]`; at a milestone the next scheduler restarts from its epoch 0 (closed form).
    As in PyTorch, constructing it undoes the initial step of every scheduler given and redoes
    the first one's, and `state_dict()` holds the members' state dicts."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if len(schedulers) < 1:
            raise ValueError(f"{type(self).__name__} expects at least one scheduler, but got no "
                             "scheduler.")
        _check_members(self, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more "
                f"than the number of milestone points, but got number of schedulers "
                f"{len(schedulers)} and the number of milestones to be equal to "
                f"{len(milestones)}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in self.optimizer.param_groups:  # reset to the initial lr
            _update_param_group_val(group, "lr", group["initial_lr"])
        self.recursive_undo()  # undo the schedulers' own initial steps
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def recursive_undo(self, sched=None):
        """Mirrors `SequentialLR.recursive_undo`: one epoch back for every (nested) scheduler."""
        scheds = self if sched is None else sched
        if hasattr(scheds, "_schedulers"):
            for s in scheds._schedulers:
                self.recursive_undo(s)
        elif hasattr(scheds, "last_epoch"):
            scheds.last_epoch -= 1

    def step(self):
        """Mirrors `SequentialLR.step()`."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        return _state_with_members(self)

    def load_state_dict(self, state_dict):
        _load_with_members(self, state_dict)


class ChainedScheduler(LRScheduler):
    """Mirrors `torch.optim.lr_scheduler.ChainedScheduler(schedulers, optimizer=None)`: every
    `step()` steps each scheduler in turn, so their effects multiply."""

    def __init__(self, schedulers, optimizer=None):
        if len(schedulers) < 1:
            raise ValueError(f"{type(self).__name__} expects at least one scheduler to be "
                             "chained, but got no scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        _check_members(self, optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = _param_groups_val_list(self._schedulers[-1].optimizer, "lr")

    def step(self):
        """Mirrors `ChainedScheduler.step()`."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _param_groups_val_list(self._schedulers[-1].optimizer, "lr")

    def state_dict(self):
        return _state_with_members(self)

    def load_state_dict(self, state_dict):
        _load_with_members(self, state_dict)
