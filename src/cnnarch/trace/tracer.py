"""Record every ATen operation of one forward pass, with the module each belongs to.

A ``TorchDispatchMode`` sees each operation after autograd has decomposed composite calls
(``F.linear`` arrives as ``t`` + ``addmm``, ``flatten`` as ``view``), so functional code such as
``x + identity`` or ``torch.cat`` is recorded like any module. Global module hooks keep a stack
of module calls. On the ``meta`` device no memory is allocated and nothing is computed, so the
cost of a trace does not depend on the input resolution.

The tracer knows no operation by name: checks that can stop a trace early (an output size that
collapses) are passed in as a callback by the caller.
"""

from __future__ import annotations

import gc
import pkgutil
from collections.abc import Callable, Container, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import torch
from torch.overrides import TorchFunctionMode, resolve_name
from torch.utils import _pytree as pytree
from torch.utils._device import _device_constructors
from torch.utils._python_dispatch import TorchDispatchMode

from cnnarch.errors import CnnarchError
from cnnarch.trace.records import (
    FunctionCall,
    ModuleCall,
    ModuleInfo,
    OpRecord,
    TensorInfo,
    TensorKind,
    TensorRef,
    Trace,
)
from cnnarch.trace.replay import install_replayers

OpCheck = Callable[[OpRecord, "TraceBuilder"], None]
"""Called before an operation runs; may raise to stop the trace with a clear message."""

_MODULE_CONFIG_ATTRS = (
    "in_channels",
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "dilation",
    "groups",
    "output_padding",
    "padding_mode",
    "ceil_mode",
    "count_include_pad",
    "output_size",
    "in_features",
    "out_features",
    "num_features",
    "eps",
    "momentum",
    "size",
    "alpha",
    "beta",
    "k",
    "p",
    "inplace",
    "scale_factor",
    "mode",
    "start_dim",
    "end_dim",
    "negative_slope",
    "num_groups",
    "normalized_shape",
)

# Metadata queries that some tensor subclasses route through dispatch: not operations.
_IGNORED = {"prim.device", "aten.size", "aten.stride", "aten.dim", "aten.numel", "prim.layout"}


class TraceFailure(Exception):
    """The model raised while being traced; carries where it happened."""

    def __init__(
        self,
        error: BaseException,
        call: ModuleCall | None,
        op: str | None,
        tensors: list[TensorInfo] | None = None,
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.call = call
        self.op = op
        self.tensors = tensors or []
        """What the trace had recorded before it failed (for an estimate of a real pass's memory)."""


_DTYPES: dict[torch.dtype, tuple[str, int]] = {}


def _dtype_info(dtype: torch.dtype) -> tuple[str, int]:
    found = _DTYPES.get(dtype)
    if found is None:
        found = _DTYPES[dtype] = (str(dtype).removeprefix("torch."), dtype.itemsize)
    return found


_CONFIG_ORDER = {attr: i for i, attr in enumerate(_MODULE_CONFIG_ATTRS)}


_CONFIG_FOUND: dict[type, tuple[Any, list[str]]] = {}
"""Per module class: the ``__dict__`` keys of the last object met and the configuration
attributes among them, in order (most objects of a class have the same keys)."""


def module_config(module: torch.nn.Module) -> dict[str, Any]:
    attributes = vars(module)
    known = _CONFIG_FOUND.get(type(module))
    if known is not None and attributes.keys() == known[0]:
        found = known[1]
    else:
        found = sorted(attributes.keys() & _CONFIG_ORDER.keys(), key=_CONFIG_ORDER.__getitem__)
        _CONFIG_FOUND[type(module)] = (frozenset(attributes), found)
    config: dict[str, Any] = {}
    for attr in found:
        value = attributes[attr]
        if value is None or isinstance(value, torch.Tensor | torch.nn.Module) or callable(value):
            continue
        if isinstance(value, list):
            value = tuple(value)
        config[attr] = value
    return config


def named_modules(model: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    """``model.named_modules()`` as a list, each module once, in the same (pre-)order, without
    a generator per level of nesting."""
    found: list[tuple[str, torch.nn.Module]] = []
    seen: set[int] = set()
    pending: list[tuple[str, torch.nn.Module]] = [("", model)]
    while pending:
        path, module = pending.pop()
        if id(module) in seen:
            continue
        seen.add(id(module))
        found.append((path, module))
        prefix = path + "." if path else ""
        children = [(prefix + name, child) for name, child in module._modules.items() if child is not None]
        pending.extend(reversed(children))
    return found


class TraceBuilder:
    """Mutable state of a trace in progress; ``finish()`` returns the immutable ``Trace``."""

    def __init__(
        self, model: torch.nn.Module, name: str, modules: list[tuple[str, torch.nn.Module]] | None = None
    ) -> None:
        self.model = model
        self.name = name
        self.tensors: list[TensorInfo] = []
        self.ops: list[OpRecord] = []
        self.calls: list[ModuleCall] = []
        self.stack: list[int] = []
        self.functions: list[FunctionCall] = []
        self.function: int | None = None  # index the torch function now running will get
        self._ids: dict[int, int] = {}  # id(python tensor) -> latest TensorInfo id
        self._refs: dict[int, TensorRef] = {}  # TensorInfo id -> its one (immutable) TensorRef
        self._alive: list[torch.Tensor] = []  # keeps python ids unique for the whole trace
        self._storages = 0
        self._call_counts: dict[int, int] = {}
        self.aliases: dict[str, int] = {}
        named = modules if modules is not None else named_modules(model)
        self.module_objects = [m for _, m in named]
        self._paths = {id(m): p for p, m in named}
        self.modules = {
            p: ModuleInfo(path=p, type=type(m).__name__, config=module_config(m)) for p, m in named
        }
        with torch._C.DisableTorchFunction():  # reading .shape here need not go through modes
            # as named_parameters() then named_buffers(), without walking the modules twice more
            for kind, table in (("param", "_parameters"), ("buffer", "_buffers")):
                for path, module in named:
                    for key, tensor in getattr(module, table).items():
                        if tensor is None:
                            continue
                        if id(tensor) not in self._ids:
                            self._register(tensor, kind, f"{path}.{key}" if path else key)
                        else:  # a tied weight: one tensor, a further name
                            self.aliases[f"{path}.{key}" if path else key] = self._ids[id(tensor)]
        self.inputs: list[int] = []
        self.outputs: list[int] = []
        self._packed: list[tuple[int, int]] = []

    # -- tensors ---------------------------------------------------------------------------
    def _register(
        self,
        t: torch.Tensor,
        kind: TensorKind,
        name: str | None = None,
        producer: int | None = None,
        storage: int | None = None,
    ) -> int:
        if storage is None:
            self._storages += 1
            storage = self._storages
        dtype_name, itemsize = _dtype_info(t.dtype)
        tid = len(self.tensors)
        self.tensors.append(
            TensorInfo(
                tid, tuple(t.shape), dtype_name, itemsize, kind, storage, producer, name, t.requires_grad
            )
        )
        self._ids[id(t)] = tid
        self._alive.append(t)
        return tid

    def tensor(self, ref: TensorRef | int) -> TensorInfo:
        return self.tensors[ref.id if isinstance(ref, TensorRef) else ref]

    def ref(self, t: torch.Tensor) -> int:
        """Id of a tensor met as an operation's input; unseen tensors become constants."""
        found = self._ids.get(id(t))
        return found if found is not None else self._register(t, "constant")

    def add_input(self, t: torch.Tensor) -> int:
        tid = self._register(t, "input")
        self.inputs.append(tid)
        return tid

    # -- module calls ----------------------------------------------------------------------
    def count_call(self, module: torch.nn.Module) -> tuple[str, int]:
        """A call of ``module`` begins: its path (marked executed) and which call of it this is.
        Also what a replayed module's calls below it take (``replay._replay_calls``)."""
        key = id(module)
        path = self._paths.get(key)
        if path is None:  # a module created on the fly inside forward
            path = f"<{type(module).__name__}>"
        else:
            info = self.modules.get(path)
            if info is not None:
                info.executed = True
        count = self._call_counts[key] = self._call_counts.get(key, 0) + 1
        return path, count

    def enter(self, module: torch.nn.Module, args: tuple[Any, ...]) -> None:
        path, count = self.count_call(module)
        stack = self.stack
        if len(args) == 1 and type(args[0]) is torch.Tensor:  # the usual call: one tensor
            inputs = [self.ref(args[0])]
        else:
            inputs = [self.ref(t) for t in _tensors(args)]
        index = len(self.calls)
        self.calls.append(
            ModuleCall(
                index, path, type(module).__name__, stack[-1] if stack else None, len(stack),
                not module._modules or next(module.children(), None) is None, count, inputs, [],
                len(self.ops),
            )
        )  # fmt: skip
        stack.append(index)

    def exit(self, module: torch.nn.Module, args: Any, output: Any) -> None:
        if not self.stack:
            return
        call = self.calls[self.stack.pop()]
        if type(output) is torch.Tensor:
            call.outputs = [self.ref(output)]
        else:
            call.outputs = [self.ref(t) for t in _tensors(output)]
        call.end_op = len(self.ops)

    # -- operations ------------------------------------------------------------------------
    def _to_refs(self, value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return self.tensor_ref(value)
        if isinstance(value, list | tuple):
            for v in value:
                if isinstance(v, torch.Tensor | list | tuple):
                    return type(value)(self._to_refs(v) for v in value)
            return list(value) if isinstance(value, list) else value  # sizes, strides: no tensor
        return value

    def tensor_ref(self, t: torch.Tensor) -> TensorRef:
        tid = self._ids.get(id(t))
        if tid is None:
            tid = self._register(t, "constant")
        ref = self._refs.get(tid)
        if ref is None:
            ref = self._refs[tid] = TensorRef(tid)
        return ref

    def record(self, info: _SchemaInfo, args: tuple[Any, ...], kwargs: dict[str, Any]) -> OpRecord:
        named: dict[str, Any] = {}
        inputs: list[int] = []
        count = len(args)
        for i, (name, has_default, default, kind) in enumerate(info.arguments):
            if i < count:
                value = args[i]
            elif name in kwargs:
                value = kwargs[name]
            elif has_default:
                named[name] = default
                continue
            else:
                continue
            if kind is _PLAIN:  # sizes, flags, scalars: no tensor can hide here
                named[name] = list(value) if type(value) is list else value
                continue
            if kind is _TENSOR and isinstance(value, torch.Tensor):
                ref = self.tensor_ref(value)
                named[name] = ref
                inputs.append(ref.id)
                continue
            if kind is _TENSORS and type(value) in (list, tuple):  # torch.cat's inputs
                refs = [None if v is None else self.tensor_ref(v) for v in value]
                named[name] = refs if type(value) is list else tuple(refs)
                inputs.extend(r.id for r in refs if r is not None)
                continue
            value = self._to_refs(value)
            named[name] = value
            if isinstance(value, TensorRef):
                inputs.append(value.id)
            elif isinstance(value, list | tuple):
                for v in value:
                    if isinstance(v, TensorRef):
                        inputs.append(v.id)
        return OpRecord(
            len(self.ops),
            info.target,
            info.packet,
            named,
            inputs,
            [],
            self.stack[-1] if self.stack else None,
            "new",
            self.function,
        )

    def finish_op(self, op: OpRecord, info: _SchemaInfo, args: tuple[Any, ...], out: Any) -> None:
        if info.fresh and type(out) is torch.Tensor:  # the usual case: one new tensor
            op.outputs.append(self._register(out, "activation", producer=op.index))
            self.ops.append(op)
            return
        flat_out = [out] if isinstance(out, torch.Tensor) else _tensors(out)
        aliasing = "new"
        for i, t in enumerate(flat_out):
            storage = None
            alias = info.returns[min(i, len(info.returns) - 1)] if info.returns else None
            if alias is not None:
                source_index, write = alias
                source = args[source_index] if source_index is not None and source_index < len(args) else None
                if source is not None and id(source) in self._ids:
                    storage = self.tensors[self._ids[id(source)]].storage
                    aliasing = "inplace" if write else "view"
            op.outputs.append(self._register(t, "activation", producer=op.index, storage=storage))
        op.aliasing = aliasing  # type: ignore[assignment]
        self.ops.append(op)

    def pack(self, t: torch.Tensor) -> torch.Tensor:
        """saved_tensors_hooks pack: note what autograd keeps. Inputs are saved just before
        their operation is recorded, outputs just after it."""
        self._packed.append((self.ref(t), len(self.ops)))
        return t

    def _saved(self) -> dict[int, int]:
        saved: dict[int, int] = {}
        for tid, count in self._packed:
            producer = self.tensors[tid].producer
            op = count - 1 if producer is not None and producer == count - 1 else count
            op = min(op, len(self.ops) - 1)
            saved[tid] = min(saved.get(tid, op), op)
        return saved

    def finish(self, outputs: Any, input_shapes: list[tuple[int, ...]], dtype: str) -> Trace:
        self.outputs = [self.ref(t) for t in _tensors(outputs)]
        return Trace(
            model_name=self.name,
            input_shapes=input_shapes,
            tensors=self.tensors,
            ops=self.ops,
            calls=self.calls,
            modules=self.modules,
            inputs=self.inputs,
            outputs=self.outputs,
            dtype=dtype,
            functions=self.functions,
            saved=self._saved(),
            aliases=self.aliases,
        )


_PLAIN, _TENSOR, _TENSORS, _OTHER = "plain", "tensor", "tensors", "other"
"""How ``record`` reads an argument: no tensor possible, one optional tensor, a list of
optional tensors, anything."""


@dataclass(frozen=True)
class _SchemaInfo:
    target: str
    packet: str
    arguments: list[tuple[str, bool, Any, str]]
    """(name, has a default, default, how to read it: ``_PLAIN`` ...) per schema argument."""
    returns: list[tuple[int | None, bool] | None]
    """Per return: None for a new tensor, else (index of the aliased argument, is a write)."""
    ignored: bool
    """A metadata query, not an operation (see ``_IGNORED``)."""
    fresh: bool
    """Returns one new tensor (no alias): ``finish_op``'s fast path."""


_SCHEMAS: dict[Any, _SchemaInfo] = {}


def _argument_kind(type_name: str) -> str:
    if "Tensor" not in type_name and "Any" not in type_name:
        return _PLAIN
    if type_name in ("Tensor", "Optional[Tensor]"):
        return _TENSOR
    return _TENSORS if type_name in ("List[Tensor]", "List[Optional[Tensor]]") else _OTHER


def _schema_info(func: torch._ops.OpOverload) -> _SchemaInfo:
    """What the tracer needs from an op's schema, computed once per op."""
    info = _SCHEMAS.get(func)
    if info is not None:
        return info
    schema = func._schema
    arguments = [
        (
            a.name,
            a.has_default_value(),
            a.default_value if a.has_default_value() else None,
            _argument_kind(str(a.type)),
        )
        for a in schema.arguments
    ]
    returns: list[tuple[int | None, bool] | None] = []
    for ret in schema.returns:
        alias = ret.alias_info
        if alias is None:
            returns.append(None)
            continue
        source = next(
            (
                i
                for i, a in enumerate(schema.arguments)
                if a.alias_info is not None and a.alias_info.before_set & alias.before_set
            ),
            None,
        )
        returns.append((source, bool(alias.is_write)))
    packet = str(func.overloadpacket)
    fresh = returns == [None] and str(schema.returns[0].type) == "Tensor"
    info = _SchemaInfo(str(func), packet, arguments, returns, packet in _IGNORED, fresh)
    _SCHEMAS[func] = info
    return info


def _tensors(tree: Any) -> list[torch.Tensor]:
    """The tensors in a module's arguments or outputs, in pytree order."""
    if isinstance(tree, torch.Tensor):
        return [tree]
    found: list[torch.Tensor] = []
    if _plain_tensors(tree, found):  # tuples, lists and dicts of tensors: no pytree needed
        return found
    return [x for x in pytree.tree_leaves(tree) if isinstance(x, torch.Tensor)]


def _plain_tensors(tree: Any, found: list[torch.Tensor]) -> bool:
    """Collect the tensors of plain tuples, lists and dicts; False where pytree must look."""
    kind = type(tree)
    if kind is tuple or kind is list:
        for x in tree:
            if isinstance(x, torch.Tensor):
                found.append(x)
            elif not _plain_tensors(x, found):
                return False
        return True
    if kind is dict:
        return _plain_tensors(list(tree.values()), found)
    return tree is None or kind in (int, float, bool, str)


class _RecordingMode(TorchDispatchMode):
    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # The documented opt-out: this mode never runs under torch.compile, and wrapping it for
        # dynamo would import torch._dynamo (about 2 s and 180 MB) on the first operation.
        return False

    def __init__(
        self,
        builder: TraceBuilder,
        check: OpCheck | None,
        shortcuts: Mapping[str, Callable[..., Any]],
    ) -> None:
        super().__init__()
        self.builder = builder
        self.check = check
        self.shortcuts = shortcuts

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        kwargs = kwargs or {}
        info = _schema_info(func)
        if info.ignored:
            return func(*args, **kwargs)
        builder = self.builder
        op = builder.record(info, args, kwargs)
        if self.check is not None:
            self.check(op, builder)
        shortcut = self.shortcuts.get(info.target)
        out = shortcut(*args, **kwargs) if shortcut is not None else NotImplemented
        if out is NotImplemented:
            out = func(*args, **kwargs)
        builder.finish_op(op, info, args, out)
        return out


_FUNCTION_NAMES: dict[Any, str] = {}


_OBJECTS_NAMED: dict[frozenset[str], dict[Any, str]] = {}


def _objects_named(names: frozenset[str]) -> dict[Any, str]:
    """The function objects ``names`` name, each with its name: a trace that records only those
    calls finds a call's name by the object, without ``torch.overrides.resolve_name``, whose
    first call builds a table of every overridable function (about 20 ms of a command). A test
    checks that ``resolve_name`` gives each object back its name."""
    found = _OBJECTS_NAMED.get(names)
    if found is None:
        found = {}
        for name in names:
            try:
                found[pkgutil.resolve_name(name)] = name
            except (ImportError, AttributeError, ValueError):
                continue  # not in this version of torch: no call can have it
        _OBJECTS_NAMED[names] = found
    return found


def _tensor_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[torch.Tensor]:
    found: list[torch.Tensor] = []
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.Tensor):
            found.append(value)
        elif isinstance(value, list | tuple):
            found.extend(v for v in value if isinstance(v, torch.Tensor))
    return found


class _FunctionMode(TorchFunctionMode):
    """Notes the torch function call (``F.relu``, ``torch.cat`` ...) each operation ran in.

    PyTorch takes this mode off its stack while ``__torch_function__`` runs, so calls made
    inside a function (``F.local_response_norm`` calling ``Tensor.mul``) are not seen: every
    operation belongs to the outermost call, and calls never nest.

    With ``device``, tensor constructors called without one get it, as inside
    ``with torch.device(device)`` but without a second Python mode on every call. With
    ``names``, only calls of those functions are recorded (the others cost a lookup).
    """

    def __init__(
        self,
        builder: TraceBuilder,
        device: torch.device | str | None = None,
        names: Container[str] | None = None,
    ) -> None:
        super().__init__()
        self.builder = builder
        self.device = device
        self.constructors = _device_constructors() if device is not None else frozenset()
        self.names = names
        self.named = _objects_named(frozenset(names)) if names is not None else {}

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        kwargs = kwargs or {}
        if func in self.constructors and kwargs.get("device") is None:
            kwargs["device"] = self.device
        if self.names is not None:
            name = self.named.get(func)
            if name is None:
                return func(*args, **kwargs)
        else:
            name = _FUNCTION_NAMES.get(func)
            if name is None:
                name = _FUNCTION_NAMES[func] = resolve_name(func) or repr(func)
        builder = self.builder
        start = len(builder.ops)
        tensors = _tensor_args(args, kwargs)
        before = [builder._ids.get(id(t)) for t in tensors]  # in-place calls re-map the ids
        builder.function = len(builder.functions)
        try:
            out = func(*args, **kwargs)
        finally:
            builder.function = None
        if len(builder.ops) > start:
            inputs = [b if b is not None else builder.ref(t) for b, t in zip(before, tensors, strict=True)]
            outputs = [builder.ref(t) for t in _tensors(out)]
            call = builder.stack[-1] if builder.stack else None
            builder.functions.append(
                FunctionCall(len(builder.functions), name, call, inputs, outputs, start, len(builder.ops))
            )
        return out


def trace_module(
    model: torch.nn.Module,
    inputs: Sequence[torch.Tensor],
    name: str,
    check: OpCheck | None = None,
    grad: bool = False,
    shortcuts: Mapping[str, Callable[..., Any]] | None = None,
    train: bool = False,
    device: torch.device | str | None = None,
    functions: Container[str] | None = None,
    modules: list[tuple[str, torch.nn.Module]] | None = None,
    replay: bool = True,
) -> Trace:
    """Run ``model(*inputs)`` once in eval mode and return the record of what ran.

    ``shortcuts`` maps an op (``aten.convolution.default``) to a function that returns its
    outputs without running the kernel (or ``NotImplemented`` to run it): on the meta device
    some kernels are slow Python decompositions.

    ``grad=True`` also records which tensors autograd saves for the backward pass (and which
    operation's backward releases them); ``train=True`` runs the model in training mode.
    ``device`` is the device of tensors the model creates without naming one (``meta``).
    ``functions`` limits the recorded function calls to those names (the ones some analysis
    reads; each recorded call costs a few microseconds). ``modules`` is
    ``named_modules(model)`` where the caller has it already. ``replay=False`` runs every layer
    call through dispatch (see ``cnnarch.trace.replay``; the records are the same).
    """
    builder = TraceBuilder(model, name, modules)
    for t in inputs:
        builder.add_input(t)
    if any(m.training != train for m in builder.module_objects):
        model.train(train)
    hooks = torch.nn.modules.module
    with ExitStack() as stack:
        if gc.isenabled():
            # A trace makes thousands of records and no reference cycles, so the collector's
            # passes during it find nothing: measured against leaving it on, in turn in one
            # process, they cost 5-20% of a count (best of 30, alexnet-owt to densenet121).
            gc.disable()
            stack.callback(gc.enable)
        if replay and not grad and all(t.device.type == "meta" for t in inputs):
            stack.callback(install_replayers(builder, functions, check))
        stack.enter_context(torch.set_grad_enabled(grad))
        handles = [
            hooks.register_module_forward_pre_hook(builder.enter),
            hooks.register_module_forward_hook(builder.exit),
        ]
        stack.callback(lambda: [h.remove() for h in handles])
        if grad:
            stack.enter_context(torch.autograd.graph.saved_tensors_hooks(builder.pack, lambda t: t))
        stack.enter_context(_RecordingMode(builder, check, shortcuts or {}))
        stack.enter_context(_FunctionMode(builder, device, functions))
        try:
            out = model(*inputs)
        except (TraceFailure, CnnarchError, KeyboardInterrupt):
            raise
        except BaseException as error:  # the model's own code may also sys.exit() or raise GeneratorExit
            call = builder.calls[builder.stack[-1]] if builder.stack else None
            last = builder.ops[-1].target if builder.ops else None
            raise TraceFailure(error, call, last, builder.tensors) from error
    dtype = str(inputs[0].dtype).removeprefix("torch.") if inputs else "float32"
    return builder.finish(out, [tuple(t.shape) for t in inputs], dtype)
