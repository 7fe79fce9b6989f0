"""Replay of a module called again with the same configuration and input shapes.

Most of a trace's time is PyTorch's dispatch to Python: each operation of each layer passes
through ``F.conv2d``'s Python wrapper, a torch-function mode and a dispatch mode. Yet a network
repeats itself: ResNet-50 calls its 53 convolutions, 53 batch norms and 49 ReLUs with far fewer
distinct (configuration, input shape) pairs, repeats whole blocks, and a second analysis in the
same process meets every module again. A call whose class has not met its input shapes before is
traced as usual (``_MET``); a call met before is keyed and *noted* (where its records are). When
the key comes again, in the same trace or in the next one (the last trace's notes are kept), a
*template* is made from those records (plain data: shapes, op names, arguments with each tensor
named by its role: the call's i-th input, a module's ``weight``, the k-th tensor made inside the
call; the calls of the modules below, each module named by its place in the tree), and every
later call copies it, renumbered, and returns meta tensors of the recorded shapes and strides
without running the module. The records are the ones dispatch would have made
(``tests/test_trace_replay.py`` compares every catalogue model's and torchvision classifier's
trace with and without replay, record for record).

What replays: a module whose class is one cnnarch knows the ``forward`` of, a class defined in
``torch.nn.modules`` itself (a subclass may override ``forward``) or in cnnarch's own catalogue
(``cnnarch.models``: its blocks compute nothing their settings, parameters and input shapes do
not decide), not lazy, not recurrent, without hooks of its own, whose settings are plain values
(numbers, strings, tuples, lists), called with meta tensors only, while no gradient is recorded.
A module with children (an ``nn.Sequential``, a ResNet block) replays as a whole, the calls of
its children included, where every module below it is such a module and no global module hook
but the trace's own is registered (a replayed child's hooks would not run). Anything else runs
as usual: a user's or torchvision's own classes replay their standard layers only. Templates
live for the process, like the tracer's op-schema table: their keys hold everything the records
depend on.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from cnnarch.trace.records import FunctionCall, ModuleCall, OpRecord, TensorInfo, TensorRef
from cnnarch.trace.torch_private import global_module_hooks, no_python_modes

if TYPE_CHECKING:
    from cnnarch.trace.tracer import TraceBuilder

_PLAIN = frozenset({int, float, bool, str, type(None)})
_EXCLUDED_BASES: tuple[type, ...] = (torch.nn.modules.rnn.RNNBase, torch.nn.modules.lazy.LazyModuleMixin)
_KNOWN_FORWARDS = ("torch.nn.modules.", "cnnarch.models.")
"""Where a class is defined for cnnarch to know what its ``forward`` depends on."""


@dataclass(frozen=True, slots=True)
class _ClassLayout:
    """Which entries of a module class's ``__dict__`` are its settings and which its registries."""

    keys: frozenset[str]
    replaying: frozenset[str]
    """``keys`` with the ``forward`` a ``Replayer`` adds."""
    settings: tuple[str, ...]
    read: Callable[[dict[str, Any]], tuple[Any, ...]]
    """The settings' values from a ``__dict__``, in one C call."""
    types: tuple[type, ...] | None
    """The settings' types where all are plain (numbers, strings, tuples, lists), as in the first
    object of the class met: an object with the same types is keyed without checking each."""
    lists: tuple[int, ...]
    """Where ``types`` has a list (made a tuple to be hashed)."""
    hooks: tuple[str, ...]
    """The forward-hook registries, which must be empty."""


_LAYOUTS: dict[type, list[_ClassLayout] | None] = {}
"""Per class: the layouts of its objects met (most classes have one; a block with an optional
part, ``downsample = None`` in one object and a module in the next, has two), or None for a
class whose ``forward`` cnnarch does not know."""

_MOST_LAYOUTS = 8
"""Objects of one class with more layouts than this (settings added at run time) are not keyed."""


def _layout(module: torch.nn.Module) -> _ClassLayout:
    settings, hooks = [], []
    for name, value in module.__dict__.items():
        if isinstance(value, dict | set):
            if "forward" in name:
                hooks.append(name)
        elif name != "forward":
            settings.append(name)
    keys = frozenset(module.__dict__) - {"forward"}
    read = operator.itemgetter(*settings) if len(settings) > 1 else lambda d: tuple(d[n] for n in settings)
    types = tuple(type(module.__dict__[name]) for name in settings)
    plain = all(t in _PLAIN or t is tuple or t is list for t in types)
    lists = tuple(i for i, t in enumerate(types) if t is list)
    return _ClassLayout(
        keys, keys | {"forward"}, tuple(settings), read, types if plain else None, lists, tuple(hooks)
    )


def _layout_of(module: torch.nn.Module) -> _ClassLayout | None:
    kind = type(module)
    layouts = _LAYOUTS.get(kind, False)
    if layouts is False:
        known = kind.__module__.startswith(_KNOWN_FORWARDS) and not isinstance(module, _EXCLUDED_BASES)
        layouts = _LAYOUTS[kind] = [] if known else None
    if layouts is None:
        return None
    keys = module.__dict__.keys()
    for layout in layouts:
        if keys == layout.keys or keys == layout.replaying:
            return layout
    if len(layouts) >= _MOST_LAYOUTS:
        return None
    layout = _layout(module)
    layouts.append(layout)
    return layout


@dataclass(frozen=True, slots=True)
class _Ref:
    """A tensor argument of a template's op: the index of its slot."""

    slot: int


@dataclass(frozen=True, slots=True)
class Template:
    """What one call recorded, each tensor named by a *slot*: ``0 .. arguments-1`` the call's
    inputs, then the parameters and buffers named in ``params``, then the tensors made inside the
    call, in order. Modules are named by their place in the called module's tree, in pre-order
    (0: the module itself)."""

    arguments: int
    params: tuple[tuple[int, bool, str], ...]
    """(module, is a buffer, name) of each parameter slot."""
    tensors: tuple[tuple[Any, ...], ...]
    """Per new tensor: shape, dtype, itemsize, kind, storage (a slot ``>= 0`` shares that
    tensor's storage, ``-g-1`` is the call's g-th new storage), producer (op offset),
    requires_grad."""
    ops: tuple[tuple[Any, ...], ...]
    """Per op: target, packet, its arguments (a dict in order, None in each tensor's place;
    shared by the records made from it, which no analysis changes), (name, slot) of each
    one-tensor argument, (name, list with ``_Ref`` in place of each tensor) of the others
    holding tensors, input slots, output offsets, aliasing, module call offset, function offset
    or None."""
    functions: tuple[tuple[Any, ...], ...]
    """Per function call: name, module call offset, input slots, output slots, first and end op
    offsets."""
    calls: tuple[tuple[Any, ...], ...]
    """Per call of a module below the called one: its module, class name, parent offset, depth
    offset, leaf, input slots, output slots, first and end op offsets (call offsets count from
    the called module's own call, depths from its depth)."""
    outputs: tuple[tuple[int, Any, Any, Any], ...]
    """Each output: its slot and, for a tensor made inside the call, its shape, strides and
    ``torch.dtype`` (None for an input returned)."""
    output_is_tuple: bool
    bindings: tuple[tuple[int, int], ...]
    """After the call, (input or parameter slot, the slot it now stands for): in-place ops."""


_TEMPLATES: dict[tuple[Any, ...], Any] = {}
"""Key → ``Template``, or ``_UNREPLAYABLE`` where the call cannot be replayed."""


def static_signature(module: torch.nn.Module) -> tuple[Any, ...] | None:
    """Everything about ``module`` and the modules below it that its records can depend on, or
    None where it must not replay."""
    found = _tree_signature(module)
    return None if found is None else found[0]


def _tree_signature(module: torch.nn.Module) -> tuple[tuple[Any, ...], list[torch.nn.Module]] | None:
    """The signature of ``module`` with the modules below it (each one's own signature, and the
    names of its children, in pre-order; a module met twice is named by its first place), and
    those modules in that order; None where one of them must not replay."""
    if not module._modules:  # a leaf: the common case
        own = _own_signature(module)
        return None if own is None else (own, [module])
    parts: list[Any] = ["tree"]
    modules: list[torch.nn.Module] = []
    places: dict[int, int] = {}
    pending = [module]
    while pending:
        m = pending.pop()
        place = places.get(id(m))
        if place is not None:  # one object in two places below the module
            parts.append(place)
            continue
        own = _own_signature(m)
        if own is None:
            return None
        places[id(m)] = len(modules)
        modules.append(m)
        children = m._modules
        if children:
            below = list(children.values())
            if None in below:
                return None
            parts.append((own, tuple(children)))
            pending.extend(reversed(below))
        else:
            parts.append(own)
    return tuple(parts), modules


def _own_signature(module: torch.nn.Module) -> tuple[Any, ...] | None:
    """Everything about ``module`` itself its records can depend on (class, settings, training
    flag, parameter and buffer shapes), or None where it must not replay."""
    layout = _layout_of(module)
    if layout is None:
        return None
    attributes = module.__dict__
    forward = attributes.get("forward")
    if forward is not None and type(forward) is not Replayer:
        return None  # a forward of this one object's own
    for hooks in layout.hooks:
        if attributes[hooks]:
            return None
    values = list(layout.read(attributes))
    if layout.types is not None and tuple(map(type, values)) == layout.types:
        for i in layout.lists:
            values[i] = (list, *values[i])
    else:
        for i, value in enumerate(values):
            kind = type(value)
            if kind not in _PLAIN:
                if kind is list:  # (a tuple is hashed by its elements; torch.nn keeps numbers there)
                    values[i] = (list, *value)
                elif kind is not tuple:
                    return None  # a tensor, a function, an object: its effect cannot be keyed
    values.append(type(module))
    for table in (module._parameters, module._buffers):
        for key, tensor in table.items():
            if tensor is None:
                values.append((key, None))
            elif type(tensor) is torch.nn.Parameter or type(tensor) is torch.Tensor:
                values.append((key, tensor.shape, tensor.dtype, tensor.requires_grad))
            else:
                return None
    return tuple(values)


@dataclass(frozen=True, slots=True)
class _Records:
    """A finished trace's record lists (what ``_template`` reads; not the model)."""

    tensors: list[TensorInfo]
    ops: list[OpRecord]
    functions: list[FunctionCall]
    calls: list[ModuleCall]


_PREVIOUS: tuple[_Records, dict[Any, _Noted]] | None = None
"""The last trace's records and noted calls: a key met once in it gets its template when it comes
in the next trace (a notebook's second analysis replays every layer; one command pays only the
notes). Holds one trace's records alive, not its model."""

_UNREPLAYABLE = object()
"""A template entry for a key whose call cannot be replayed (it is traced as usual)."""


@dataclass(frozen=True, slots=True)
class _Noted:
    """A call traced for the first time in this trace: where its records are, and the few facts
    about its tensors that the records do not hold. Cheap to take; a template is made from it
    only when the same key comes again (a key met once costs no template)."""

    begin: tuple[int, int, int, int]
    """Lengths of the trace's tensors, ops, functions and module calls before the call..."""
    end: tuple[int, int, int, int]
    """... and after it."""
    entry: tuple[int | None, ...]
    """The tensor each input and parameter stood for when the call began..."""
    exit: tuple[int | None, ...]
    """... and when it ended (an in-place op makes a new one)."""
    owner: int
    """The index of the module's own call."""
    places: tuple[int | None, ...]
    """Per call made below the module: the place of its module in the module's tree (None: a
    module from elsewhere)."""
    arguments: int
    params: tuple[tuple[int, bool, str], ...]
    outputs: tuple[tuple[int, int | None, tuple[int, ...] | None], ...] | None
    """Per output: (input index or -1, tensor id, strides); None where the output is not
    tensors (a template cannot rebuild it)."""
    output_is_tuple: bool


_MET: set[tuple[Any, ...]] = set()
"""(class, context, input shapes) of the calls met so far in the process. A call is noted only
when its class met these inputs before (a network's repeated blocks, a second trace): keying a
module with its whole tree and noting where its records are costs more than tracing a layer met
once (measured, in turn in one process: the first count of squeezenet1_0 took 3.6x its
dispatch floor when every call was noted, 3.0x with this, 2.2x with replay off)."""


def _inputs_key(args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """Each input's shape, strides, dtype, ``requires_grad`` and which earlier input it is; None
    where one is not a meta tensor."""
    parts = []
    for i, a in enumerate(args):
        if type(a) is not torch.Tensor or not a.is_meta:
            return None
        same = next((j for j in range(i) if args[j] is a), None) if i else None
        parts.append((a.shape, a.stride(), a.dtype, a.requires_grad, same))
    return tuple(parts)


class Replayer:
    """A module's ``forward`` during one trace: replays a call whose key has a template, notes a
    call whose class met its inputs before, makes the template when a noted key comes again."""

    __slots__ = ("builder", "context", "forward", "module", "noted")

    def __init__(
        self, builder: TraceBuilder, module: torch.nn.Module, context: int, noted: dict[Any, _Noted]
    ) -> None:
        self.builder = builder
        self.module = module
        self.forward: Callable[..., Any] = type(module).forward.__get__(module)
        self.context = context
        self.noted = noted

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or self.builder.function is not None:
            return self.forward(*args, **kwargs)
        template: Any = _UNREPLAYABLE
        with no_python_modes():
            inputs = _inputs_key(args)
            if inputs is not None:
                met = (type(self.module), self.context, inputs)
                if met not in _MET:
                    _MET.add(met)  # first met: traced as usual, as most layers are met only once
                else:
                    key, modules = self._key(met)
                    template = self._template_for(key)
                    if template is not None and template is not _UNREPLAYABLE:
                        return _replay(template, self.builder, modules, args)
        if template is _UNREPLAYABLE or not self.builder.stack:
            return self.forward(*args)
        return self._note(key, modules, args)

    def _key(self, met: tuple[Any, ...]) -> tuple[tuple[Any, ...] | None, list[torch.nn.Module]]:
        """Everything the call's records depend on, and the modules of the called module's tree;
        read at each call, as a layer's settings may change between two calls (the model's own
        forward may set them)."""
        found = _tree_signature(self.module)
        if found is None:
            return None, []
        return (found[0], met), found[1]

    def _template_for(self, key: tuple[Any, ...] | None) -> Any:
        """The key's template; None where the call is to be noted; ``_UNREPLAYABLE``."""
        if key is None:
            return _UNREPLAYABLE
        try:
            template = _TEMPLATES.get(key)
        except TypeError:  # a setting holding something unhashable (a list in a tuple)
            return _UNREPLAYABLE
        if template is None:
            noted = self.noted.get(key)
            if noted is not None:
                template = _TEMPLATES[key] = _template(self.builder, noted) or _UNREPLAYABLE
            elif _PREVIOUS is not None and key in _PREVIOUS[1]:
                builder, notes = _PREVIOUS
                template = _TEMPLATES[key] = _template(builder, notes[key]) or _UNREPLAYABLE
        return template

    def _note(self, key: tuple[Any, ...], modules: list[torch.nn.Module], args: tuple[Any, ...]) -> Any:
        builder = self.builder
        ids = builder._ids
        params = []
        for place, m in enumerate(modules):
            params += [(place, False, k, v) for k, v in m._parameters.items() if v is not None]
            params += [(place, True, k, v) for k, v in m._buffers.items() if v is not None]
        objects = [*args, *(t for *_, t in params)]
        begin = (len(builder.tensors), len(builder.ops), len(builder.functions), len(builder.calls))
        owner = builder.stack[-1]
        entry = tuple(ids.get(id(o)) for o in objects)
        out = self.forward(*args)
        with no_python_modes():
            results = (out,) if type(out) is torch.Tensor else out
            outputs = None
            if type(results) in (tuple, list) and all(type(t) is torch.Tensor for t in results):
                outputs = tuple(_output(t, args, ids) for t in results)
            places: tuple[int | None, ...] = ()
            if len(builder.calls) > begin[3]:
                by_path = {
                    builder._paths.get(id(m)): place for place, m in reversed(list(enumerate(modules)))
                }
                by_path.pop(None, None)
                places = tuple(by_path.get(c.path) for c in builder.calls[begin[3] :])
            self.noted[key] = _Noted(
                begin,
                (len(builder.tensors), len(builder.ops), len(builder.functions), len(builder.calls)),
                entry,
                tuple(ids.get(id(o)) for o in objects),
                owner,
                places,
                len(args),
                tuple((place, is_buffer, name) for place, is_buffer, name, _ in params),
                outputs,
                type(out) is not torch.Tensor,
            )
        return out


def _output(t: torch.Tensor, args: tuple[Any, ...], ids: dict[int, int]) -> tuple[int, int | None, Any]:
    for i, a in enumerate(args):
        if a is t:
            return (i, None, None)
    return (-1, ids.get(id(t)), t.stride() if t.storage_offset() == 0 else None)


class _NotReplayable(Exception):
    pass


def _template(builder: TraceBuilder | _Records, noted: _Noted) -> Template | None:
    """The template of a noted call, from the trace's records, or None where it cannot be
    replayed."""
    first_tensor, first_op, first_function, first_call = noted.begin
    end_tensor, end_op, end_function, end_call = noted.end
    owner = noted.owner
    if None in noted.entry or None in noted.places or noted.outputs is None or first_call != owner + 1:
        return None  # an input the trace had not seen, a module from outside the tree called
    known: dict[int, int] = {}  # tensor id before the call -> slot
    for i, tid in enumerate(noted.entry):
        known.setdefault(tid, i)  # type: ignore[arg-type]
    first_new = len(noted.entry)

    def slot(tid: int | None) -> int:
        if tid is None:
            raise _NotReplayable
        if first_tensor <= tid < end_tensor:
            return first_new + tid - first_tensor
        found = known.get(tid)
        if found is None:
            raise _NotReplayable  # a tensor from outside the layer
        return found

    def slots(value: Any) -> Any:
        if type(value) is TensorRef:
            return _Ref(slot(value.id))
        if type(value) in (list, tuple):
            return type(value)(slots(v) for v in value)
        return value

    try:
        storages: dict[int, int] = {builder.tensors[tid].storage: s for tid, s in reversed(known.items())}
        groups = 0
        tensors = []
        for info in builder.tensors[first_tensor:end_tensor]:
            if info.kind != "activation" or info.producer is None or info.name is not None:
                return None  # a constant met inside the call: its value is not keyed
            storage = storages.get(info.storage)
            if storage is None:
                groups += 1
                storage = storages[info.storage] = -groups
            shape = (info.shape, info.dtype, info.itemsize, info.kind, storage, info.producer - first_op)
            tensors.append((*shape, info.requires_grad))
        ops = []
        for op in builder.ops[first_op:end_op]:
            if op.call is None or op.call < owner:
                return None
            base: dict[str, Any] = {}
            single, nested = [], []
            for name, value in op.args.items():
                base[name] = value  # a tensor's place is kept, for the order of the arguments
                if type(value) is TensorRef:
                    single.append((name, slot(value.id)))
                elif type(value) in (list, tuple) and any(_holds_tensor(v) for v in value):
                    nested.append((name, slots(value)))
            for name, _ in (*single, *nested):
                base[name] = None
            ops.append(
                (
                    op.target,
                    op.packet,
                    base,
                    tuple(single),
                    tuple(nested),
                    tuple(slot(t) for t in op.inputs),
                    tuple(t - first_tensor for t in op.outputs),
                    op.aliasing,
                    op.call - owner,
                    None if op.function is None else op.function - first_function,
                )
            )
        functions = tuple(
            (
                f.name,
                f.call - owner,  # type: ignore[operator]  # inside the owner's call: not None
                tuple(slot(t) for t in f.inputs),
                tuple(slot(t) for t in f.outputs),
                f.first_op - first_op,
                f.end_op - first_op,
            )
            for f in builder.functions[first_function:end_function]
        )
        depth = builder.calls[owner].depth
        calls = tuple(
            (
                place,
                c.type,
                c.parent - owner,  # type: ignore[operator]  # below the owner: not None
                c.depth - depth,
                c.leaf,
                tuple(slot(t) for t in c.inputs),
                tuple(slot(t) for t in c.outputs),
                c.first_op - first_op,
                c.end_op - first_op,
            )
            for place, c in zip(noted.places, builder.calls[first_call:end_call], strict=True)
        )
        outputs: list[tuple[int, Any, Any, Any]] = []
        for arg, tid, stride in noted.outputs:
            if arg >= 0:
                outputs.append((arg, None, None, None))
            elif tid is None or tid < first_tensor or stride is None:
                return None  # not made inside the call, or a view with an offset
            else:
                info = builder.tensors[tid]
                outputs.append((slot(tid), info.shape, tuple(stride), _DTYPES[info.dtype]))
        bindings = tuple((i, slot(tid)) for i, tid in enumerate(noted.exit) if slot(tid) != i)
    except _NotReplayable:
        return None
    return Template(
        noted.arguments, noted.params, tuple(tensors), tuple(ops), functions, calls, tuple(outputs),
        noted.output_is_tuple, bindings,
    )  # fmt: skip


def _holds_tensor(value: Any) -> bool:
    if type(value) is TensorRef:
        return True
    return type(value) in (list, tuple) and any(_holds_tensor(v) for v in value)


def _replay(
    template: Template, builder: TraceBuilder, modules: list[torch.nn.Module], args: tuple[Any, ...]
) -> Any:
    """Append the template's records to ``builder`` as if the call had run; its outputs.
    Written for speed, as the dispatch it replaces is only about twice as slow: locals over
    attributes, ``map`` over list comprehensions (a frame each in Python 3.11), no helpers on
    the common paths."""
    ids = builder._ids
    refs = builder._refs
    tensors = builder.tensors
    records = builder.ops
    first_tensor, first_op, first_function = len(tensors), len(records), len(builder.functions)
    if template.params:
        objects = [*args]
        for place, is_buffer, name in template.params:
            module = modules[place]
            objects.append((module._buffers if is_buffer else module._parameters)[name])
    else:
        objects = args  # type: ignore[assignment]
    tids = [ids[id(o)] for o in objects]
    tids.extend(range(first_tensor, first_tensor + len(template.tensors)))
    at = tids.__getitem__
    groups: dict[int, int] = {}
    k = first_tensor
    for shape, dtype, itemsize, kind, storage, producer, requires_grad in template.tensors:
        if storage >= 0:
            storage = tensors[tids[storage]].storage
        else:
            found = groups.get(storage)
            if found is None:
                builder._storages += 1
                found = groups[storage] = builder._storages
            storage = found
        tensors.append(
            TensorInfo(k, shape, dtype, itemsize, kind, storage, first_op + producer, None, requires_grad)
        )
        k += 1
    owner = builder.stack[-1]
    if template.calls:
        _replay_calls(template, builder, modules, owner, at, first_op)
    index = first_op
    shift = first_tensor.__add__
    for target, packet, base, single, nested, inputs, outputs, aliasing, call, function in template.ops:
        named = base.copy()
        for name, slot in single:
            tid = tids[slot]
            ref = refs.get(tid)
            if ref is None:
                ref = refs[tid] = TensorRef(tid)
            named[name] = ref
        for name, value in nested:
            named[name] = _from_slots(value, tids, refs)
        records.append(
            OpRecord(
                index, target, packet, named, list(map(at, inputs)), list(map(shift, outputs)),
                owner + call, aliasing, None if function is None else first_function + function,
            )
        )  # fmt: skip
        index += 1
    for j, (name, call, inputs, outputs, start, end) in enumerate(template.functions):
        builder.functions.append(
            FunctionCall(
                first_function + j, name, owner + call, list(map(at, inputs)), list(map(at, outputs)),
                first_op + start, first_op + end,
            )
        )  # fmt: skip
    results = []
    for slot, shape, stride, dtype in template.outputs:
        if stride is None:
            results.append(objects[slot])
            continue
        t = torch.empty_strided(shape, stride, dtype=dtype, device="meta")
        ids[id(t)] = tids[slot]
        builder._alive.append(t)
        results.append(t)
    for slot, now in template.bindings:
        ids[id(objects[slot])] = tids[now]
    return tuple(results) if template.output_is_tuple else results[0]


def _replay_calls(
    template: Template,
    builder: TraceBuilder,
    modules: list[torch.nn.Module],
    owner: int,
    at: Callable[[int], int],
    first_op: int,
) -> None:
    """The calls of the modules below a replayed one, as ``TraceBuilder.enter`` and ``exit``
    would have recorded them (each module's path, call count and executed flag its own)."""
    calls = builder.calls
    depth = calls[owner].depth
    for place, type_name, parent, below, leaf, inputs, outputs, start, end in template.calls:
        path, count = builder.count_call(modules[place])
        calls.append(
            ModuleCall(
                len(calls), path, type_name, owner + parent, depth + below, leaf, count,
                list(map(at, inputs)), list(map(at, outputs)), first_op + start, first_op + end,
            )
        )  # fmt: skip


def _from_slots(value: Any, tids: list[int], refs: dict[int, TensorRef]) -> Any:
    if type(value) is _Ref:
        tid = tids[value.slot]
        found = refs.get(tid)
        if found is None:
            found = refs[tid] = TensorRef(tid)
        return found
    if type(value) in (list, tuple):
        return type(value)(_from_slots(v, tids, refs) for v in value)
    return value


_DTYPES = {str(d).removeprefix("torch."): d for d in vars(torch).values() if isinstance(d, torch.dtype)}


_CONTEXTS: dict[Any, int] = {}


@contextmanager
def nothing_kept() -> Iterator[None]:
    """Within: replay starts as in a fresh process (no template, note or input shape met); what
    was kept before is put back after (tests, and the benchmark's *first trace*)."""
    global _TEMPLATES, _PREVIOUS, _MET
    kept = _TEMPLATES, _PREVIOUS, _MET
    _TEMPLATES, _PREVIOUS, _MET = {}, None, set()
    try:
        yield
    finally:
        _TEMPLATES, _PREVIOUS, _MET = kept


def install_replayers(builder: TraceBuilder, functions: Any, check: Any) -> Callable[[], None]:
    """Give each replayable module of the trace a ``Replayer`` as its ``forward``; returns the
    function that takes them off again (the module is left as it was). ``functions`` (the calls
    recorded) and ``check``'s class (a replayed call skips the check its first call passed) are
    part of every key."""
    names = None if functions is None else frozenset(functions)
    context = _CONTEXTS.setdefault((names, type(check)), len(_CONTEXTS))
    installed: list[torch.nn.Module] = []
    noted: dict[Any, _Noted] = {}
    # A module with children replays only where no global hook but the trace's own (registered
    # after this) would miss the calls of its children, and every module below it can replay.
    trees = not global_module_hooks()
    whole: dict[int, bool] = {}
    with no_python_modes():
        for module in reversed(builder.module_objects):  # children before their parents
            replays = "forward" not in module.__dict__ and _layout_of(module) is not None
            children = module._modules
            if children:
                replays = replays and trees and all(whole.get(id(c), False) for c in children.values())
            whole[id(module)] = replays
            if replays:
                module.__dict__["forward"] = Replayer(builder, module, context, noted)
                installed.append(module)

    def remove() -> None:
        global _PREVIOUS
        for module in installed:
            module.__dict__.pop("forward", None)
        _PREVIOUS = (_Records(builder.tensors, builder.ops, builder.functions, builder.calls), noted)

    return remove
