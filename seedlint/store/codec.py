"""The one serialisation of everything seedlint keeps on disk: data only, verified.

A blob is a magic word, the format version, a BLAKE2b digest of the payload and the
payload: a JSON list of plain values (None, bool, int, float, str) headed by a string
of one-letter instructions for a stack machine. "v" pushes the next value; the others
build a value from the ones on the stack: a tuple, list, dict or frozenset of the last
n, bytes, a Path, a member of a registered enum, an instance of a registered dataclass
(through its constructor, its field count and field types checked), or a reference to
an instance built earlier in the blob (shared objects stay shared). Decoding runs no
code named by the data, and neither side recurses, so deep values need no deep stack.

Anything that cannot be read back exactly (damaged, truncated, another version,
wrong types, too big or too deep) raises CodecError: callers discard and recompute.
"""

from __future__ import annotations

import binascii
import dataclasses
import enum
import functools
import hashlib
import itertools
import json
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Any, TypeVar

T = TypeVar("T")

VERSION = 1
_MAGIC = b"SDLc"
_DIGEST = 16
_HEADER = len(_MAGIC) + 1 + _DIGEST
MAX_BLOB = 1 << 26  # bytes of payload (a 50,000-line function takes 6 MB)
MAX_DEPTH = 3000  # nesting of values (compiling stops near 500 nested calls: depth 2000)

_PLAIN = (type(None), bool, int, float, str)
_CONTAINERS = MappingProxyType(
    {"t": tuple, "l": list, "f": frozenset}
)  # and "d": dict, of the last n pairs
_TAGS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # of the registered classes, in their order


class CodecError(Exception):
    """A blob that cannot be read back: the caller discards it and recomputes."""


def _registered() -> tuple[type, ...]:
    """Every class a blob may name, in the order of their tags (a blob is read back only
    by the code that wrote it: cache keys include seedlint's code). Imported here, not
    at the top: these modules store their data through this one."""
    from seedlint.analysis.events import EventKind, StreamEffect, Summary
    from seedlint.cfg.model import CFG, Block, Edge, EdgeKind
    from seedlint.lower.ir import (
        Arg,
        CallKey,
        CallSite,
        ClassIR,
        FunctionIndex,
        FunctionIR,
        LoweredDefinition,
        LoweredFunction,
        LoweredParts,
        ModuleFile,
        ModuleIndex,
    )
    from seedlint.parse.prefilter import Quiet
    from seedlint.report.diagnostics import Diagnostic
    from seedlint.resolve.packs import Kind, PackEntry
    from seedlint.resolve.project import Target

    return (
        # enums
        EdgeKind,
        EventKind,
        Kind,
        # frozen dataclasses
        Arg,
        Block,
        CFG,
        CallKey,
        CallSite,
        ClassIR,
        Diagnostic,
        Edge,
        FunctionIR,
        FunctionIndex,
        LoweredDefinition,
        LoweredFunction,
        LoweredParts,
        ModuleFile,
        ModuleIndex,
        PackEntry,
        Quiet,
        StreamEffect,
        Summary,
        Target,
    )


def _stored_fields(cls: type) -> dict[str, Any]:
    """Fields that hold more kinds of value while a module is lowered than once it is
    stored: a stored graph's blocks hold lowered calls and condition text."""
    from seedlint.cfg.model import Block
    from seedlint.lower.ir import CallSite

    if cls is Block:
        return {"calls": tuple[CallSite, ...], "condition": str | None, "statement": None}
    return {}


Test = Callable[[Any], bool]


@dataclasses.dataclass(frozen=True, slots=True)
class _Class:
    cls: type
    tag: str  # the instruction that builds one
    names: tuple[str, ...]
    arity: int
    shapes: frozenset[tuple[type, ...]]  # the types its fields may have, together
    inner: tuple[tuple[int, Test], ...]  # fields whose items are checked too


@dataclasses.dataclass(frozen=True, slots=True)
class _Registry:
    by_type: dict[type, _Class]  # dataclasses
    by_tag: dict[str, _Class]
    enums: dict[type, str]
    enum_tags: dict[str, type[enum.Enum]]


@functools.cache
def _registry() -> _Registry:
    by_type: dict[type, _Class] = {}
    enums: dict[type, str] = {}
    classes = _registered()
    buildable = frozenset({*_PLAIN, tuple, list, dict, frozenset, bytes, type(Path()), *classes})
    for cls, tag in zip(classes, _TAGS[: len(classes)], strict=True):
        if issubclass(cls, enum.Enum):
            enums[cls] = tag
            continue
        assert dataclasses.is_dataclass(cls), cls
        hints = {**typing.get_type_hints(cls), **_stored_fields(cls)}
        names = tuple(f.name for f in dataclasses.fields(cls))
        fields = [_field(hints[name], buildable) for name in names]
        shapes = frozenset(itertools.product(*(outer for outer, _ in fields)))
        assert len(shapes) <= 1 << 12, cls  # one set lookup checks every field's type
        inner = tuple((i, test) for i, (_, test) in enumerate(fields) if test is not None)
        by_type[cls] = _Class(cls, tag, names, len(names), shapes, inner)
    return _Registry(
        by_type,
        {c.tag: c for c in by_type.values()},
        enums,
        {tag: cls for cls, tag in enums.items()},
    )


# --- field checks -------------------------------------------------------------------
def _field(hint: Any, buildable: frozenset[type]) -> tuple[frozenset[type], Test | None]:
    """What an annotation allows: the exact types of the value, and a test of its items
    (None: any items, or none to test)."""
    if hint is Any or hint is object:
        return buildable, None
    if hint is None or hint is type(None):
        return frozenset({type(None)}), None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        parts = [_field(a, buildable) for a in args]
        outer = frozenset().union(*(o for o, _ in parts))
        if all(test is None for _, test in parts):
            return outer, None
        return outer, lambda value: any(
            type(value) in o and (t is None or t(value)) for o, t in parts
        )
    if origin is None:
        assert isinstance(hint, type), hint
        if issubclass(hint, PurePath):
            return frozenset({type(Path())}), None
        # A type the codec does not build (a libcst node while a graph is built) never
        # comes out of a blob: only the other members of its union can.
        return frozenset({float, int} if hint is float else {hint}), None
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        items = [_field(a, buildable) for a in args]
        return (
            frozenset({tuple}),
            lambda value: (
                len(value) == len(items)
                and all(
                    type(v) in o and (t is None or t(v))
                    for (o, t), v in zip(items, value, strict=False)
                )
            ),
        )
    if origin in (tuple, list, frozenset):
        kind = origin
        item, test = _field(args[0], buildable)
    elif origin in (dict, Mapping):
        kind = dict
        keys, key_test = _field(args[0], buildable)
        values, value_test = _field(args[1], buildable)
        return (
            frozenset({dict}),
            lambda value: (
                keys.issuperset(map(type, value))
                and values.issuperset(map(type, value.values()))
                and all(
                    (key_test is None or key_test(k)) and (value_test is None or value_test(v))
                    for k, v in value.items()
                )
            ),
        )
    else:
        raise TypeError(f"the codec cannot check fields annotated {hint!r}")
    outer = frozenset({kind})
    if item == buildable:
        return outer, None
    if test is None:
        return outer, lambda value: item.issuperset(map(type, value))
    return outer, lambda value: item.issuperset(map(type, value)) and all(map(test, value))


# --- writing ------------------------------------------------------------------------
class _Build(tuple):  # type: ignore[type-arg]
    """On the work list of `_lower`: emit this instruction now (its operands are out)."""


def ready() -> None:
    """Import the registered classes and index them now (0.02 s), not on first use: a
    worker does before its first job (seedlint.lower.warm)."""
    _registry()


def encode(value: object) -> bytes:
    """`value` as a blob; raises CodecError for a value the codec does not store."""
    try:
        program = _lower(value)
        payload = json.dumps(program, separators=(",", ":"), check_circular=False).encode()
    except (TypeError, ValueError) as error:
        raise CodecError(f"cannot store {type(value).__name__}: {error}") from error
    if len(payload) > MAX_BLOB:
        raise CodecError(f"{len(payload)} bytes of data is more than the cache keeps")
    return frame(payload)


def frame(payload: bytes) -> bytes:
    """The blob of a payload: magic word, version and checksum before it."""
    return b"".join((frame_header(payload), payload))


def frame_header(payload: bytes) -> bytes:
    """What `frame` puts before a payload (to write the two apart: a database kept in
    the cache is tens of megabytes that need not be copied into one)."""
    return b"".join(
        (_MAGIC, bytes((VERSION,)), hashlib.blake2b(payload, digest_size=_DIGEST).digest())
    )


def _lower(root: object) -> list[Any]:
    """The program that builds `root`: its instructions as one string, then the values
    they take in order."""
    registry = _registry()
    by_type, enums = registry.by_type, registry.enums
    code: list[str] = []
    values: list[Any] = [""]
    op, take = code.append, values.append
    built: dict[int, int] = {}  # id of a dataclass instance -> its number (build order)
    work: list[Any] = [root]
    pop, push = work.pop, work.append
    open_builds = 0  # the values being built around the current one: its depth
    while work:
        value = pop()
        kind = type(value)
        if kind is _Build:
            op(value[0])
            open_builds -= 1
            if len(value) == 3:
                take(value[2])
            elif len(value) == 2:
                built[id(value[1])] = len(built)
            continue
        if kind in _PLAIN:
            op("v")
            take(value)
            continue
        if open_builds >= MAX_DEPTH:
            raise CodecError("data nested too deeply")
        spec = by_type.get(kind)
        if spec is not None:
            number = built.get(id(value))
            if number is not None:
                op("r")
                take(number)
                continue
            push(_Build((spec.tag, value)))
            open_builds += 1
            for name in reversed(spec.names):
                push(getattr(value, name))
        elif kind is tuple or kind is list or kind is frozenset:
            items = list(value)
            if kind is frozenset and all(type(i) is str for i in items):
                items.sort()  # equal sets give equal blobs
            push(_Build(("t" if kind is tuple else "l" if kind is list else "f", None, len(items))))
            open_builds += 1
            for item in reversed(items):
                push(item)
        elif kind is dict:
            push(_Build(("d", None, len(value))))
            open_builds += 1
            for key, item in reversed(value.items()):
                push(item)
                push(key)
        elif kind in enums:
            op(enums[kind])
            take(value.value)
        elif kind is bytes:
            op("b")
            take(binascii.b2a_base64(value, newline=False).decode("ascii"))
        elif isinstance(value, PurePath):
            op("p")
            take(str(value))
        else:
            raise CodecError(f"cannot store a value of type {kind.__name__}")
    values[0] = "".join(code)
    return values


# --- reading ------------------------------------------------------------------------
def unframe(data: bytes, limit: int = MAX_BLOB) -> memoryview:
    """The payload of a blob `frame` made, checked (a view into `data`, not a copy of
    its tens of megabytes); raises CodecError."""
    if len(data) < _HEADER or data[: len(_MAGIC)] != _MAGIC:
        raise CodecError("not seedlint data")
    if data[len(_MAGIC)] != VERSION:
        raise CodecError(f"data of format version {data[len(_MAGIC)]}, not {VERSION}")
    payload = memoryview(data)[_HEADER:]
    if len(payload) > limit:
        raise CodecError("more data than the cache keeps")
    if hashlib.blake2b(payload, digest_size=_DIGEST).digest() != data[len(_MAGIC) + 1 : _HEADER]:
        raise CodecError("damaged data (checksum mismatch)")
    return payload


def checksum(data: bytes) -> str:
    """The checksum a blob `frame` made carries (as text): what names its content."""
    return data[len(_MAGIC) + 1 : _HEADER].hex()


def decode(data: bytes, expected: type[T]) -> T:
    """The value a blob holds, checked to be an `expected`; raises CodecError."""
    payload = unframe(data)
    try:
        program = _JSON.decode(str(payload, "utf-8"))
        value = _build(program)
    except CodecError:
        raise
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        StopIteration,
        RecursionError,
        MemoryError,
    ) as error:
        raise CodecError(f"invalid data: {type(error).__name__}: {error}") from error
    if type(value) is not expected:
        raise CodecError(f"a {type(value).__name__} where a {expected.__name__} belongs")
    return value


def _no_objects(pairs: object) -> None:
    raise CodecError("a JSON object in seedlint data")


_JSON = json.JSONDecoder(object_pairs_hook=_no_objects)


_END = object()


def _build(program: object) -> object:
    """Run a program of `_lower`; the one value it leaves."""
    if type(program) is not list or not program or type(program[0]) is not str:
        raise CodecError("not a program")
    registry = _registry()
    by_tag, enum_tags = registry.by_tag, registry.enum_tags
    values = iter(program)
    code = next(values)
    take = values.__next__
    if list in set(map(type, program[1:])):
        raise CodecError("a list where a plain value belongs")
    stack: list[Any] = []
    push = stack.append
    built: list[Any] = []  # instances, for references
    # A value is at most as deep as the values built: only a long program can be too
    # deep, and only there is the depth of each value on the stack followed.
    track = len(code) - code.count("v") > MAX_DEPTH
    depth: list[int] = []
    built_depth: list[int] = []
    level = 0
    for op in code:
        if op == "v":
            push(take())
            if track:
                depth.append(0)
            continue
        spec = by_tag.get(op)
        if spec is not None:
            start = len(stack) - spec.arity
            if start < 0:
                raise CodecError(f"too few fields for {spec.cls.__name__}")
            args = stack[start:]
            del stack[start:]
            if tuple(map(type, args)) not in spec.shapes:
                raise CodecError(f"a {spec.cls.__name__} with fields of the wrong types")
            for i, test in spec.inner:
                if not test(args[i]):
                    raise CodecError(f"a {spec.cls.__name__} with items of the wrong types")
            value = spec.cls(*args)
            built.append(value)
            if track:
                level = 1 + max(depth[start:], default=0)
                del depth[start:]
                built_depth.append(level)
        elif op == "r":
            number = _number(take(), len(built) - 1)
            value = built[number]
            if track:
                level = built_depth[number]
        elif op in enum_tags:
            value = enum_tags[op](take())
            level = 0
        elif op == "b" or op == "p":
            text = take()
            if type(text) is not str:
                raise CodecError(f"a {type(text).__name__} where text belongs")
            value = binascii.a2b_base64(text) if op == "b" else Path(text)
            level = 0
        else:
            kind = _CONTAINERS.get(op)
            if kind is None and op != "d":
                raise CodecError(f"unknown instruction {op!r}")
            count = _number(take(), len(stack))
            start = len(stack) - (count if kind is not None else 2 * count)
            if start < 0:
                raise CodecError("too few items")
            items = stack[start:]
            del stack[start:]
            if kind is not None:
                value = kind(items)
            else:
                value = dict(zip(items[::2], items[1::2], strict=True))
            if track:
                level = 1 + max(depth[start:], default=0)
                del depth[start:]
        push(value)
        if track:
            if level > MAX_DEPTH:
                raise CodecError("data nested too deeply")
            depth.append(level)
    if len(stack) != 1 or next(values, _END) is not _END:
        raise CodecError("a program that does not build one value")
    return stack[0]


def _number(value: object, most: int) -> int:
    if type(value) is not int or not 0 <= value <= most:
        raise CodecError("a count or reference out of range")
    return value
