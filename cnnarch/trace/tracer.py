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

from collections.abc import Callable, Mapping, Sequence
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

    def __init__(self, error: BaseException, call: ModuleCall | None, op: str | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.call = call
        self.op = op


_DTYPES: dict[torch.dtype, tuple[str, int]] = {}


def _dtype_info(dtype: torch.dtype) -> tuple[str, int]:
    found = _DTYPES.get(dtype)
    if found is None:
        found = _DTYPES[dtype] = (str(dtype).removeprefix("torch."), dtype.itemsize)
    return found


def module_config(module: torch.nn.Module) -> dict[str, Any]:
    config: dict[str, Any] = {}
    attributes = vars(module)
    for attr in _MODULE_CONFIG_ATTRS:
        value = attributes.get(attr)
        if value is None or isinstance(value, torch.Tensor | torch.nn.Module) or callable(value):
            continue
        if isinstance(value, list):
            value = tuple(value)
        config[attr] = value
    return config


class TraceBuilder:
    """Mutable state of a trace in progress; ``finish()`` returns the immutable ``Trace``."""

    def __init__(self, model: torch.nn.Module, name: str) -> None:
        self.model = model
        self.name = name
        self.tensors: list[TensorInfo] = []
        self.ops: list[OpRecord] = []
        self.calls: list[ModuleCall] = []
        self.stack: list[int] = []
        self.functions: list[FunctionCall] = []
        self.function: int | None = None  # index the torch function now running will get
        self._ids: dict[int, int] = {}  # id(python tensor) -> latest TensorInfo id
        self._alive: list[torch.Tensor] = []  # keeps python ids unique for the whole trace
        self._storages = 0
        self._call_counts: dict[int, int] = {}
        named = list(model.named_modules(remove_duplicate=True))
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
                        if tensor is not None and id(tensor) not in self._ids:
                            self._register(tensor, kind, f"{path}.{key}" if path else key)
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
        info = TensorInfo(
            id=len(self.tensors),
            shape=tuple(t.shape),
            dtype=dtype_name,
            itemsize=itemsize,
            kind=kind,
            storage=storage,
            producer=producer,
            name=name,
            requires_grad=bool(t.requires_grad),
        )
        self.tensors.append(info)
        self._ids[id(t)] = info.id
        self._alive.append(t)
        return info.id

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
    def enter(self, module: torch.nn.Module, args: tuple[Any, ...]) -> None:
        path = self._paths.get(id(module))
        if path is None:  # a module created on the fly inside forward
            path = f"<{type(module).__name__}>"
        elif path in self.modules:
            self.modules[path].executed = True
        count = self._call_counts.get(id(module), 0) + 1
        self._call_counts[id(module)] = count
        parent = self.stack[-1] if self.stack else None
        call = ModuleCall(
            index=len(self.calls),
            path=path,
            type=type(module).__name__,
            parent=parent,
            depth=len(self.stack),
            leaf=next(module.children(), None) is None,
            call_number=count,
            inputs=[self.ref(t) for t in _tensors(args)],
            first_op=len(self.ops),
        )
        self.calls.append(call)
        self.stack.append(call.index)

    def exit(self, module: torch.nn.Module, args: Any, output: Any) -> None:
        if not self.stack:
            return
        call = self.calls[self.stack.pop()]
        call.outputs = [self.ref(t) for t in _tensors(output)]
        call.end_op = len(self.ops)

    # -- operations ------------------------------------------------------------------------
    def _to_refs(self, value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return TensorRef(self.ref(value))
        if isinstance(value, list | tuple):
            for v in value:
                if isinstance(v, torch.Tensor | list | tuple):
                    return type(value)(self._to_refs(v) for v in value)
            return list(value) if isinstance(value, list) else value  # sizes, strides: no tensor
        return value

    def record(self, func: torch._ops.OpOverload, args: tuple[Any, ...], kwargs: dict[str, Any]) -> OpRecord:
        info = _schema_info(func)
        named: dict[str, Any] = {}
        inputs: list[int] = []
        for i, (name, has_default, default) in enumerate(info.arguments):
            if i < len(args):
                value = args[i]
            elif name in kwargs:
                value = kwargs[name]
            elif has_default:
                named[name] = default
                continue
            else:
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
            index=len(self.ops),
            target=info.target,
            packet=info.packet,
            args=named,
            inputs=inputs,
            outputs=[],
            call=self.stack[-1] if self.stack else None,
            function=self.function,
        )

    def finish_op(self, op: OpRecord, func: torch._ops.OpOverload, args: tuple[Any, ...], out: Any) -> None:
        info = _schema_info(func)
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
        )


@dataclass(frozen=True)
class _SchemaInfo:
    target: str
    packet: str
    arguments: list[tuple[str, bool, Any]]
    """(name, has a default, default) per schema argument."""
    returns: list[tuple[int | None, bool] | None]
    """Per return: None for a new tensor, else (index of the aliased argument, is a write)."""


_SCHEMAS: dict[Any, _SchemaInfo] = {}


def _schema_info(func: torch._ops.OpOverload) -> _SchemaInfo:
    """What the tracer needs from an op's schema, computed once per op."""
    info = _SCHEMAS.get(func)
    if info is not None:
        return info
    schema = func._schema
    arguments = [
        (a.name, a.has_default_value(), a.default_value if a.has_default_value() else None)
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
    info = _SchemaInfo(str(func), str(func.overloadpacket), arguments, returns)
    _SCHEMAS[func] = info
    return info


def _tensors(tree: Any) -> list[torch.Tensor]:
    if isinstance(tree, torch.Tensor):
        return [tree]
    if isinstance(tree, tuple | list) and all(isinstance(x, torch.Tensor) for x in tree):
        return list(tree)  # the usual module arguments and outputs, without walking a pytree
    return [x for x in pytree.tree_leaves(tree) if isinstance(x, torch.Tensor)]


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
        if info.packet in _IGNORED:
            return func(*args, **kwargs)
        op = self.builder.record(func, args, kwargs)
        if self.check is not None:
            self.check(op, self.builder)
        shortcut = self.shortcuts.get(info.target)
        out = shortcut(*args, **kwargs) if shortcut is not None else NotImplemented
        if out is NotImplemented:
            out = func(*args, **kwargs)
        self.builder.finish_op(op, func, args, out)
        return out


_FUNCTION_NAMES: dict[Any, str] = {}


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
    ``with torch.device(device)`` but without a second Python mode on every call.
    """

    def __init__(self, builder: TraceBuilder, device: torch.device | str | None = None) -> None:
        super().__init__()
        self.builder = builder
        self.device = device
        self.constructors = _device_constructors() if device is not None else frozenset()

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        kwargs = kwargs or {}
        if func in self.constructors and kwargs.get("device") is None:
            kwargs["device"] = self.device
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
            name = _FUNCTION_NAMES.get(func)
            if name is None:
                name = _FUNCTION_NAMES[func] = resolve_name(func) or repr(func)
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
) -> Trace:
    """Run ``model(*inputs)`` once in eval mode and return the record of what ran.

    ``shortcuts`` maps an op (``aten.convolution.default``) to a function that returns its
    outputs without running the kernel (or ``NotImplemented`` to run it): on the meta device
    some kernels are slow Python decompositions.

    ``grad=True`` also records which tensors autograd saves for the backward pass (and which
    operation's backward releases them); ``train=True`` runs the model in training mode.
    ``device`` is the device of tensors the model creates without naming one (``meta``).
    """
    builder = TraceBuilder(model, name)
    for t in inputs:
        builder.add_input(t)
    if any(m.training != train for m in builder.module_objects):
        model.train(train)
    hooks = torch.nn.modules.module
    with ExitStack() as stack:
        stack.enter_context(torch.set_grad_enabled(grad))
        handles = [
            hooks.register_module_forward_pre_hook(builder.enter),
            hooks.register_module_forward_hook(builder.exit),
        ]
        stack.callback(lambda: [h.remove() for h in handles])
        if grad:
            stack.enter_context(torch.autograd.graph.saved_tensors_hooks(builder.pack, lambda t: t))
        stack.enter_context(_RecordingMode(builder, check, shortcuts or {}))
        stack.enter_context(_FunctionMode(builder, device))
        try:
            out = model(*inputs)
        except (TraceFailure, CnnarchError):
            raise
        except Exception as error:
            call = builder.calls[builder.stack[-1]] if builder.stack else None
            last = builder.ops[-1].target if builder.ops else None
            raise TraceFailure(error, call, last) from error
    dtype = str(inputs[0].dtype).removeprefix("torch.") if inputs else "float32"
    return builder.finish(out, [tuple(t.shape) for t in inputs], dtype)
