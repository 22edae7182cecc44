"""Rule packs: what libraries do to the global RNG streams, as data (rules/*.toml)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class Kind(str, Enum):
    SEED = "seed"
    CONSUME = "consume"
    ADVANCE = "advance"
    PURE = "pure"
    ENTROPY = "entropy"
    LOAD = "load"  # replaces its receiver's weights with loaded ones: draws nothing
    # A context manager under which layers are built empty (`torch.device("meta")`): the
    # initialising draws of its streams inside the `with` body draw nothing.
    EMPTY = "empty"


class PackError(Exception):
    """A pack or configuration entry is malformed; the message names file and entry."""


@dataclass(frozen=True, slots=True)
class PackEntry:
    kind: Kind
    streams: tuple[str, ...]
    pure_with: tuple[str, ...] = ()
    # When it draws: "call" (the call itself), "result" (calling what the call returns) or
    # "iteration" (iterating what it returns: `for batch in DataLoader(...)`).
    on: str = "call"
    value_arg: int | None = None
    value_kwarg: str | None = None
    missing_value_is_entropy: bool = False
    origin: str = ""
    initialises: bool = False  # draws initial weights or adapters (what seed-drift judges)
    # The literal (as its repr) the argument at value_arg / value_kwarg must be for the
    # entry to apply: `torch.device("meta")`, `DataLoader(data, shuffle=True)`; None when
    # it always applies.
    equals: str | None = None
    # A [[consume]] with `equals`: what the call is when its argument is not that literal
    # (a DataLoader that does not shuffle still draws its workers' seed: an advance).
    otherwise: Kind | None = None
    # An entry on the result or iteration: the methods of what its call returns that return
    # that object itself (`pipe = pipe.to("cuda")` is still the pipeline).
    returns_self: tuple[str, ...] = ()
    # The literal (as its repr) for which a [[seed]] entry does not apply: LightningCLI's
    # `seed_everything_default=False`.
    unless_equals: str | None = None
    fills: int | None = None  # an [[advance]] that also loads the argument at this position
    stores: tuple[str, ...] = ()  # a [[load]]: assigning these attributes loads the owner
    key: bool = False  # a [[pure]] entry that makes an explicit key or generator of its arguments
    # The entry applies only to calls that pass this keyword; others draw nothing
    # (`from_pretrained(path, num_labels=3)` builds a new head, `from_pretrained(path)` not).
    when_keyword: str | None = None


_KEYS = frozenset(
    {
        "call",
        "attribute",
        "streams",
        "pure_with",
        "on",
        "value_arg",
        "value_kwarg",
        "missing_value",
        "init",
        "equals",
        "fills",
        "store",
        "key",
        "when_keyword",
        "unless_equals",
        "otherwise",
        "returns_self",
    }
)
_NEEDS_STREAMS = (Kind.SEED, Kind.CONSUME, Kind.ADVANCE, Kind.EMPTY)
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
# A call name: dotted identifiers, `*` inside a part matching any identifier characters
# (`transformers.*ForCausalLM`), or a final `.*` matching everything below a module.
_PART = r"[A-Za-z_*][A-Za-z0-9_*]*"
_CALL = re.compile(rf"{_PART}(\.{_PART})*")
_NAME = re.compile(_IDENTIFIER)


def _names(values: tuple[str, ...], pattern: re.Pattern[str], what: str, where: str) -> None:
    for value in values:
        if not pattern.fullmatch(value):
            raise PackError(f"{where}: {what} '{value}' is not a valid name")


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PackError(f"{where}: '{key}' must be a string or a list of strings")


def _is_literal(value: Any) -> bool:
    return isinstance(value, (str, bool, int))


def _value_literal(
    raw: dict[str, Any],
    key: str,
    kind: Kind,
    belongs: tuple[Kind, ...],
    has_value: bool,
    where: str,
) -> str | None:
    """The repr of a literal that the entry's value argument is compared with (`equals`,
    `unless_equals`), which only `belongs` entries with a value argument take."""
    literal = raw.get(key)
    if literal is None:
        return None
    if kind not in belongs or not _is_literal(literal):
        sections = " or ".join(f"[[{k.value}]]" for k in belongs)
        raise PackError(
            f"{where}: '{key}' must be a string, boolean or integer, on {sections} entries only"
        )
    if not has_value:
        raise PackError(f"{where}: '{key}' needs 'value_arg' or 'value_kwarg'")
    return repr(literal)


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _entry(kind: Kind, raw: Any, where: str) -> tuple[PackEntry, tuple[str, ...], tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise PackError(f"{where}: must be a table")
    unknown = set(raw) - _KEYS
    if unknown:
        raise PackError(f"{where}: unknown key '{sorted(unknown)[0]}'")
    calls = _strings(raw.get("call", []), where, "call")
    attributes = _strings(raw.get("attribute", []), where, "attribute")
    stores = _strings(raw.get("store", []), where, "store")
    if stores and kind is not Kind.LOAD:
        raise PackError(f"{where}: 'store' belongs to [[load]] entries only")
    if not calls and not attributes and not stores:
        raise PackError(f"{where}: needs 'call', 'attribute' or 'store'")
    _names(stores, _NAME, "'store'", where)
    _names(calls, _CALL, "'call'", where)
    _names(attributes, _NAME, "'attribute'", where)
    streams = _strings(raw.get("streams", []), where, "streams")
    _names(streams, _NAME, "stream", where)
    if kind in _NEEDS_STREAMS and not streams:
        raise PackError(f"{where}: '{kind.value}' entries need 'streams'")
    value_arg = raw.get("value_arg")
    if value_arg is not None and (not isinstance(value_arg, int) or value_arg < 0):
        raise PackError(f"{where}: 'value_arg' must be a non-negative integer")
    value_kwarg = raw.get("value_kwarg")
    if value_kwarg is not None and not isinstance(value_kwarg, str):
        raise PackError(f"{where}: 'value_kwarg' must be a string")
    on, returns_self = _phase(raw, where)
    missing = raw.get("missing_value")
    if missing not in (None, "entropy"):
        raise PackError(f"{where}: 'missing_value' must be \"entropy\"")
    has_value = value_arg is not None or value_kwarg is not None
    equals = _value_literal(raw, "equals", kind, (Kind.EMPTY, Kind.CONSUME), has_value, where)
    unless_equals = _value_literal(raw, "unless_equals", kind, (Kind.SEED,), has_value, where)
    otherwise = _otherwise(raw, kind, equals, where)
    fills = raw.get("fills")
    if fills is not None and (kind is not Kind.ADVANCE or not _is_index(fills)):
        raise PackError(
            f"{where}: 'fills' must be a non-negative integer, on [[advance]] entries only"
        )
    when_keyword = raw.get("when_keyword")
    if when_keyword is not None and (
        not isinstance(when_keyword, str) or not _NAME.fullmatch(when_keyword)
    ):
        raise PackError(f"{where}: 'when_keyword' must be a keyword name")
    key = raw.get("key", False)
    if not isinstance(key, bool) or (key and kind is not Kind.PURE):
        raise PackError(f"{where}: 'key' must be true or false, on [[pure]] entries only")
    initialises = raw.get("init", False)
    if not isinstance(initialises, bool) or (initialises and kind is not Kind.CONSUME):
        raise PackError(f"{where}: 'init' must be true or false, on [[consume]] entries only")
    entry = PackEntry(
        kind=kind,
        streams=streams,
        pure_with=_strings(raw.get("pure_with", []), where, "pure_with"),
        on=on,
        value_arg=value_arg,
        value_kwarg=value_kwarg,
        missing_value_is_entropy=missing == "entropy",
        origin=where,
        initialises=initialises,
        equals=equals,
        unless_equals=unless_equals,
        fills=fills,
        stores=stores,
        key=key,
        when_keyword=when_keyword,
        otherwise=otherwise,
        returns_self=returns_self,
    )
    return entry, calls, attributes


_PHASES = ("call", "result", "iteration")


def _phase(raw: dict[str, Any], where: str) -> tuple[str, tuple[str, ...]]:
    """When the entry draws (`on`), and the methods of its result that return the result
    itself (`returns_self`, for an entry on the result or iteration only)."""
    on = raw.get("on", "call")
    if on not in _PHASES:
        raise PackError(f"{where}: 'on' must be " + ", ".join(f'"{p}"' for p in _PHASES))
    returns_self = _strings(raw.get("returns_self", []), where, "returns_self")
    _names(returns_self, _NAME, "'returns_self'", where)
    if returns_self and on == "call":
        raise PackError(f'{where}: \'returns_self\' needs on = "result" or "iteration"')
    return on, returns_self


def _otherwise(raw: dict[str, Any], kind: Kind, equals: str | None, where: str) -> Kind | None:
    """What a [[consume]] with `equals` is when its argument is another value: only
    "advance" (without it, such a call draws nothing)."""
    otherwise = raw.get("otherwise")
    if otherwise is None:
        return None
    if otherwise != Kind.ADVANCE.value or kind is not Kind.CONSUME or equals is None:
        raise PackError(
            f"{where}: 'otherwise' must be \"advance\", on [[consume]] entries with 'equals'"
        )
    return Kind.ADVANCE


@dataclass(frozen=True, slots=True)
class Packs:
    """Lookup tables built from one or more packs."""

    exact: Mapping[str, PackEntry]
    wildcards: tuple[tuple[str, PackEntry], ...]  # (prefix, entry), longest prefix first
    attributes: Mapping[str, PackEntry]
    streams: tuple[str, ...]
    names: tuple[str, ...]
    stores: frozenset[str] = frozenset()  # attributes whose assignment loads the owner
    # Names with `*` inside a part (`transformers.*ForCausalLM`), in the order read: an
    # exact name wins over them, of several that match the one read last wins (so a
    # [[pure]] `transformers.TF*` excludes from a [[consume]] `transformers.*ForCausalLM`:
    # a pack's sections are read in Kind order), and they win over the `.*` prefixes.
    globs: tuple[tuple[str, PackEntry], ...] = ()
    _last_glob_first: tuple[tuple[re.Pattern[str], PackEntry], ...] = field(
        default=(), compare=False, repr=False
    )
    # Answers already given: a project asks about the same few names again and again.
    _looked_up: dict[str, PackEntry | None] = field(default_factory=dict, compare=False, repr=False)

    def lookup(self, qualname: str) -> PackEntry | None:
        if qualname in self._looked_up:
            return self._looked_up[qualname]
        entry = self.exact.get(qualname)
        if entry is None:
            entry = next(
                (e for pattern, e in self._last_glob_first if pattern.fullmatch(qualname)), None
            )
        if entry is None:
            entry = next((w for prefix, w in self.wildcards if qualname.startswith(prefix)), None)
        self._looked_up[qualname] = entry
        return entry

    def lookup_attribute(self, attribute: str) -> PackEntry | None:
        return self.attributes.get(attribute)

    def fingerprint(self) -> str:
        """Everything the packs say, as text, for cache keys."""
        return repr(
            (
                sorted(self.exact.items()),
                self.wildcards,
                self.globs,
                sorted(self.attributes.items()),
                sorted(self.stores),
            )
        )

    def words(self, *kinds: Kind) -> frozenset[str]:
        """Names a file must mention for an entry of these kinds to match its calls."""
        words = {name.rsplit(".", 1)[-1] for name, e in self.exact.items() if e.kind in kinds}
        words.update(
            prefix.rstrip(".").rsplit(".", 1)[-1] for prefix, e in self.wildcards if e.kind in kinds
        )
        words.update(glob.rsplit(".", 1)[-1] for glob, e in self.globs if e.kind in kinds)
        words.update(name for name, e in self.attributes.items() if e.kind in kinds)
        return frozenset(words)


def parse_pack(
    document: Mapping[str, Any], origin: str
) -> list[tuple[PackEntry, tuple[str, ...], tuple[str, ...]]]:
    """Validate one pack document (a parsed TOML table) into entries with their names."""
    unknown = set(document) - {"pack", *(k.value for k in Kind)}
    if unknown:
        raise PackError(f"{origin}: unknown section '{sorted(unknown)[0]}'")
    out = []
    for kind in Kind:
        raw_entries = document.get(kind.value, [])
        if not isinstance(raw_entries, list):
            raise PackError(
                f"{origin}: '{kind.value}' must be an array of tables ([[{kind.value}]])"
            )
        for index, raw in enumerate(raw_entries, start=1):
            out.append(_entry(kind, raw, f"{origin}: [[{kind.value}]] entry {index}"))
    return out


def read_toml(path: Path | Any, origin: str, error: type[Exception]) -> dict[str, Any]:
    """A TOML file (a pack, a pyproject.toml) as a table; `error` names what cannot be read."""
    try:
        document: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"{origin}: cannot read: {problem}") from problem
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{origin}: invalid TOML: {problem}") from problem
    return document


def read_pack_file(
    path: Path | Any, origin: str
) -> list[tuple[PackEntry, tuple[str, ...], tuple[str, ...]]]:
    return parse_pack(read_toml(path, origin, PackError), origin)


def builtin_pack_names() -> list[str]:
    folder = resources.files("seedlint.rules")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def build_packs(
    names: Iterable[str] | None = None,
    extra_files: Iterable[Path] = (),
    extra_entries: Iterable[tuple[PackEntry, tuple[str, ...], tuple[str, ...]]] = (),
) -> Packs:
    """Load the named built-in packs (all by default), extra pack files and config entries.

    Later sources win on an exact name, so users can override a pack.
    """
    folder = resources.files("seedlint.rules")
    chosen = builtin_pack_names() if names is None else list(names)
    entries: list[tuple[PackEntry, tuple[str, ...], tuple[str, ...]]] = []
    for name in chosen:
        resource = folder / f"{name}.toml"
        if not resource.is_file():
            raise PackError(
                f"unknown rule pack '{name}' (available: {', '.join(builtin_pack_names())})"
            )
        entries += read_pack_file(resource, f"rules/{name}.toml")
    for path in extra_files:
        entries += read_pack_file(path, str(path))
    configured = list(extra_entries)
    if configured:
        _check_streams(
            configured, _builtin_streams() | {s for e, _, _ in entries for s in e.streams}
        )
    entries += configured
    return index_entries(entries, tuple(chosen))


def _builtin_streams() -> set[str]:
    """The streams of every built-in pack, chosen or not."""
    folder = resources.files("seedlint.rules")
    return {
        stream
        for name in builtin_pack_names()
        for entry, _calls, _attributes in read_pack_file(folder / f"{name}.toml", name)
        for stream in entry.streams
    }


def _check_streams(
    entries: Iterable[tuple[PackEntry, tuple[str, ...], tuple[str, ...]]], known: set[str]
) -> None:
    """A configured entry may only name streams a pack defines: a typo would match nothing."""
    for entry, _calls, _attributes in entries:
        for stream in entry.streams:
            if stream not in known:
                streams = ", ".join(sorted(known))
                raise PackError(f"{entry.origin}: unknown stream '{stream}' (streams: {streams})")


def index_entries(
    entries: Iterable[tuple[PackEntry, tuple[str, ...], tuple[str, ...]]], names: tuple[str, ...]
) -> Packs:
    exact: dict[str, PackEntry] = {}
    wildcards: dict[str, PackEntry] = {}
    globs: dict[str, PackEntry] = {}
    attributes: dict[str, PackEntry] = {}
    streams: dict[str, None] = {}
    stores: set[str] = set()
    for entry, calls, attrs in entries:
        stores.update(entry.stores)
        for stream in entry.streams:
            streams[stream] = None
        for call in calls:
            if call.endswith(".*") and "*" not in call[:-2]:
                wildcards[call[:-1]] = entry
            elif "*" in call:
                globs[call] = entry
            else:
                exact[call] = entry
        for attribute in attrs:
            attributes[attribute] = entry
    ordered = tuple(sorted(wildcards.items(), key=lambda item: -len(item[0])))
    last_first = tuple((_glob_pattern(glob), entry) for glob, entry in reversed(globs.items()))
    return Packs(
        exact,
        ordered,
        attributes,
        tuple(streams),
        names,
        frozenset(stores),
        tuple(globs.items()),
        last_first,
    )


def _glob_pattern(glob: str) -> re.Pattern[str]:
    """`*` inside a part matches identifier characters (never a dot); a final `.*`
    matches everything below."""
    below = glob.endswith(".*")
    body = glob[:-2] if below else glob
    regex = re.escape(body).replace(r"\*", r"\w*")
    return re.compile(regex + (r"\..+" if below else ""))
