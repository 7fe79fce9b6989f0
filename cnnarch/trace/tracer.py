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

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any

import torch
from torch.utils import _pytree as pytree
from torch.utils._python_dispatch import TorchDispatchMode

from cnnarch.errors import CnnarchError
from cnnarch.trace.records import (
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


def module_config(module: torch.nn.Module) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for attr in _MODULE_CONFIG_ATTRS:
        value = getattr(module, attr, None)
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
        self._ids: dict[int, int] = {}  # id(python tensor) -> latest TensorInfo id
        self._alive: list[torch.Tensor] = []  # keeps python ids unique for the whole trace
        self._storages = 0
        self._call_counts: dict[int, int] = {}
        self._paths = {id(m): p for p, m in model.named_modules(remove_duplicate=True)}
        self.modules = {
            p: ModuleInfo(path=p, type=type(m).__name__, config=module_config(m))
            for p, m in model.named_modules(remove_duplicate=True)
        }
        for name_, p in model.named_parameters(remove_duplicate=True):
            self._register(p, "param", name_)
        for name_, b in model.named_buffers(remove_duplicate=True):
            self._register(b, "buffer", name_)
        self.inputs: list[int] = []
        self.outputs: list[int] = []

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
        info = TensorInfo(
            id=len(self.tensors),
            shape=tuple(int(s) for s in t.shape),
            dtype=str(t.dtype).removeprefix("torch."),
            itemsize=t.element_size(),
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
    def record(
        self, func: torch._ops.OpOverload, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> OpRecord:
        def to_ref(x: Any) -> Any:
            return TensorRef(self.ref(x)) if isinstance(x, torch.Tensor) else x

        rec_args = pytree.tree_map(to_ref, args)
        rec_kwargs = pytree.tree_map(to_ref, kwargs)
        inputs = [r.id for r in pytree.tree_leaves((rec_args, rec_kwargs)) if isinstance(r, TensorRef)]
        return OpRecord(
            index=len(self.ops),
            target=str(func),
            packet=str(func.overloadpacket),
            args=_named_arguments(func, rec_args, rec_kwargs),
            inputs=inputs,
            outputs=[],
            call=self.stack[-1] if self.stack else None,
        )

    def finish_op(
        self, op: OpRecord, func: torch._ops.OpOverload, args: tuple[Any, ...], out: Any
    ) -> None:
        schema = func._schema
        flat_out = list(_tensors(out))
        aliasing = "new"
        for i, t in enumerate(flat_out):
            storage = None
            ret = schema.returns[min(i, len(schema.returns) - 1)] if schema.returns else None
            alias = ret.alias_info if ret is not None else None
            if alias is not None:
                source = _aliased_argument(schema, args, alias.before_set)
                if source is not None and id(source) in self._ids:
                    storage = self.tensors[self._ids[id(source)]].storage
                    aliasing = "inplace" if alias.is_write else "view"
            op.outputs.append(self._register(t, "activation", producer=op.index, storage=storage))
        op.aliasing = aliasing  # type: ignore[assignment]
        self.ops.append(op)

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
        )


def _named_arguments(
    func: torch._ops.OpOverload, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """Arguments by their schema name, defaults filled in, so rules read ``op.args["stride"]``."""
    named: dict[str, Any] = {}
    for i, arg in enumerate(func._schema.arguments):
        if i < len(args):
            named[arg.name] = args[i]
        elif arg.name in kwargs:
            named[arg.name] = kwargs[arg.name]
        elif arg.has_default_value():
            named[arg.name] = arg.default_value
    return named


def _aliased_argument(schema: Any, args: tuple[Any, ...], alias_set: set[str]) -> Any:
    for i, arg in enumerate(schema.arguments):
        info = arg.alias_info
        if info is not None and info.before_set & alias_set and i < len(args):
            return args[i]
    return None


def _tensors(tree: Any) -> list[torch.Tensor]:
    return [x for x in pytree.tree_leaves(tree) if isinstance(x, torch.Tensor)]


class _RecordingMode(TorchDispatchMode):
    def __init__(self, builder: TraceBuilder, check: OpCheck | None) -> None:
        super().__init__()
        self.builder = builder
        self.check = check

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        kwargs = kwargs or {}
        if str(func.overloadpacket) in _IGNORED:
            return func(*args, **kwargs)
        op = self.builder.record(func, args, kwargs)
        if self.check is not None:
            self.check(op, self.builder)
        out = func(*args, **kwargs)
        self.builder.finish_op(op, func, args, out)
        return out


def trace_module(
    model: torch.nn.Module,
    inputs: Sequence[torch.Tensor],
    name: str,
    check: OpCheck | None = None,
    grad: bool = False,
) -> Trace:
    """Run ``model(*inputs)`` once in eval mode and return the record of what ran."""
    builder = TraceBuilder(model, name)
    for t in inputs:
        builder.add_input(t)
    model.eval()
    hooks = torch.nn.modules.module
    with ExitStack() as stack:
        stack.enter_context(torch.set_grad_enabled(grad))
        handles = [
            hooks.register_module_forward_pre_hook(builder.enter),
            hooks.register_module_forward_hook(builder.exit),
        ]
        stack.callback(lambda: [h.remove() for h in handles])
        stack.enter_context(_RecordingMode(builder, check))
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
