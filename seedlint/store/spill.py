"""Spill files: a module's function graphs on disk, so that the main process holds only
the index of every module and reads a graph back when the analysis needs it.

A worker writes the file right after lowering the module; the main process reads
single functions by offset. Each record is a blob of seedlint.store.codec. A file that has
vanished (its cache folder was cleared during the run) or reads back damaged raises
SpillError, and the engine runs again without the cache.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from seedlint.analysis.arguments import tested
from seedlint.lower.ir import (
    FunctionIndex,
    FunctionIR,
    LoweredFunction,
    ModuleFile,
    ModuleIndex,
    ModuleIR,
)
from seedlint.parse.bindings import BindingKind, Scope
from seedlint.store.cache import write_atomically
from seedlint.store.codec import MAX_BLOB, CodecError, decode, encode

T = TypeVar("T")


class SpillError(Exception):
    pass


def lowered_function(function: FunctionIR) -> LoweredFunction:
    """A function's spill record and its index (placed in no spill file yet). Where its
    calls count from goes to the index: the record stays the same when that moves."""
    record = encode(replace(function, call_base=0, iteration_base=0))
    index = replace(
        _index(function, 0, len(record)),
        call_base=function.call_base,
        iteration_base=function.iteration_base,
    )
    return LoweredFunction(record, index)


def spill_module(module: ModuleIR, destinations: tuple[Path, ...]) -> ModuleIndex:
    """Write `module` to the first destination that can be written; its index."""
    try:
        names = encode(module.call_names)
        lowered = [
            f if isinstance(f, LoweredFunction) else lowered_function(f) for f in module.functions
        ]
    except CodecError as failure:  # nested past what the codec keeps
        raise SpillError(f"cannot store analysis data: {failure}") from failure
    records = [f.record for f in lowered]
    error: OSError | None = None
    for destination in destinations:
        try:
            write_atomically(destination, [names, *records])
            break
        except OSError as failure:
            error = failure
    else:
        raise SpillError(f"cannot write analysis data: {error}")
    functions = []
    offset = len(names)
    for function in lowered:
        functions.append(replace(function.index, offset=offset))
        offset += len(function.record)
    file = ModuleFile(
        module.name, module.path, module.display, module.digest, destination, len(names)
    )
    bindings = _bindings(module.scope)
    classes = tuple((c.qualname, encode(c)) for c in module.classes.values())
    # Other modules see a function's index but not its own calls or where it is spilled.
    seen = [
        encode(replace(f, keys=(), offset=0, length=0, call_base=0, iteration_base=0))
        for f in functions
    ]
    interface = hashlib.sha256(encode((module.name, bindings, classes, tuple(seen))))
    return ModuleIndex(
        file,
        bindings,
        classes,
        tuple((f.qualname, encode(f)) for f in functions),
        interface.hexdigest(),
        tuple(hashlib.sha256(record).hexdigest() for record in records),
    )


def _bindings(scope: Scope) -> tuple[tuple[str, str, str | None], ...]:
    """The binding that decides each name of the module scope, plain locals left out:
    resolution through a module only follows imports, definitions and classes (a local
    is as good as no binding)."""
    kept = Scope(scope.kind, scope.qualname, None)
    for name, bindings in scope.bindings.items():
        known = [b for b in bindings if b.kind is not BindingKind.LOCAL]
        if known:
            kept.bindings[name] = known
    out = []
    for name in kept.bindings:
        binding = kept.own(name)
        if binding is not None:
            out.append((name, binding.kind.value, binding.target))
    return tuple(out)


def _index(function: FunctionIR, offset: int, length: int) -> FunctionIndex:
    cfg = function.cfg
    reachable = cfg.reverse_postorder()
    keys = dict.fromkeys(call.key for block in reachable for call in cfg.blocks[block].calls)
    reachable_set = set(reachable)
    tested_params = tested(cfg, function.params)
    return FunctionIndex(
        function.qualname,
        function.class_qualname,
        function.params,
        tuple(keys),
        cfg.exit in reachable_set,
        offset,
        length,
        tested_params,
        tuple(d for d in function.defaults if d[0] in tested_params),
        function.positional,
        function.returned,
        function.predicate,
    )


def _read(path: Path, offset: int, length: int, expected: type[T]) -> T:
    try:
        if not 0 <= length <= MAX_BLOB + 1024:
            raise CodecError(f"a record of {length} bytes")
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
        if len(data) != length:
            raise SpillError(f"{path}: analysis data is truncated")
        return decode(data, expected)
    except (OSError, OverflowError, CodecError) as error:
        raise SpillError(f"{path}: cannot read analysis data: {error}") from error


def read_function(module: ModuleFile, function: FunctionIndex) -> FunctionIR:
    return _read(module.spill, function.offset, function.length, FunctionIR)


def read_call_names(module: ModuleFile) -> tuple[str | None, ...]:
    found = _read(module.spill, 0, module.names_length, tuple)
    if not all(name is None or type(name) is str for name in found):
        raise SpillError(f"{module.spill}: the callee names are damaged")
    return found
