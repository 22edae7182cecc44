"""What `seedlint confirm` will run, decided statically: the target function, its draw
sites with their findings, and inputs that take each finding's witness path.

Nothing here imports mlx, torch or the checked code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst

from seedlint.checks import confirms
from seedlint.config import Config
from seedlint.engine import Options, analyse_function, default_jobs
from seedlint.parse.packages import placement
from seedlint.parse.paths import parse_quietly
from seedlint.parse.scopes import Definition, dotted_name
from seedlint.parse.sources import Source, SourceError, discover, read_source
from seedlint.parse.walk import children
from seedlint.report.diagnostics import Diagnostic
from seedlint.resolve.packs import Packs
from seedlint.resolve.project import Project
from seedlint.runtime.accesses import paths
from seedlint.runtime.backends import choose
from seedlint.runtime.conditions import Condition, function_node, guards, locate, same
from seedlint.runtime.lookup import Option, Trees, callee_of, draws_of, option_of
from seedlint.runtime.objects import compared, leaves, literal, literals, objects, required
from seedlint.runtime.reach import Draws, Located, needed, site_call
from seedlint.runtime.slicing import Callee, slice_of
from seedlint.runtime.standins import named
from seedlint.store.cache import Cache, digest


class PlanError(Exception):
    """The target cannot be confirmed (not found, not a function, ...)."""


def parsed_source(path: Path) -> Source:
    """The file read and parsed as the linter does; PlanError with the linter's reason."""
    source = read_source(path)
    if isinstance(source, SourceError):
        raise PlanError(f"{source.path}: {source.reason}")
    return source


@dataclass(slots=True)
class Site:
    """One draw site in the target function and what the static analysis said of it."""

    line: int
    end_line: int
    name: str
    codes: list[str]
    inputs: dict[str, Any] = field(default_factory=dict)
    model_attrs: dict[str, bool] = field(default_factory=dict)
    # Per code, the witness: (index in Plan.conditions, the value the path needs).
    witness: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)
    # What the `if`s around the call need, as the same pairs: the way to reach it.
    guards: list[tuple[int, bool]] = field(default_factory=list)
    message: str = ""
    stream: str = ""  # the random stream the call draws from


@dataclass(slots=True)
class Plan:
    root: str  # folder to put on sys.path
    module: str
    qualname: str
    model_param: str
    params: list[str]
    seed_params: list[str]
    sites: list[Site]
    candidates: dict[str, list[Any]]
    model_flags: list[str] = field(default_factory=list)
    framework: str = "mlx"  # the backend that runs it: the stream of its findings
    defaults: dict[str, Any] = field(default_factory=dict)  # literal parameter defaults
    conditions: list[Condition] = field(default_factory=list)  # of the witnesses
    # Attribute paths the code reads off the model (`vision_tower.layers[0]`).
    model_paths: list[tuple[str | int, ...]] = field(default_factory=list)
    # Parameters without a default that the run builds: the paths read off each.
    objects: dict[str, list[list[str | int]]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        """The plan `to_json` gave (pairs come back as lists)."""
        sites = [
            Site(
                s["line"],
                s["end_line"],
                s["name"],
                s["codes"],
                s["inputs"],
                s["model_attrs"],
                s["witness"],
                s["guards"],
                stream=s["stream"],
            )
            for s in data["sites"]
        ]
        return cls(
            data["root"],
            data["module"],
            data["qualname"],
            data["model_param"],
            data["params"],
            data["seed_params"],
            sites,
            data["candidates"],
            data["model_flags"],
            data["framework"],
            data["defaults"],
            [Condition.from_json(c) for c in data["conditions"]],
            [tuple(p) for p in data["model_paths"]],
            data["objects"],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "module": self.module,
            "qualname": self.qualname,
            "model_param": self.model_param,
            "params": self.params,
            "seed_params": self.seed_params,
            "candidates": self.candidates,
            "model_flags": self.model_flags,
            "framework": self.framework,
            "defaults": self.defaults,
            "conditions": [c.to_json() for c in self.conditions],
            "model_paths": [list(p) for p in self.model_paths],
            "objects": self.objects,
            # What the run tests for each rule's findings (the rules own the answer).
            "questions": {code: confirms(code) for s in self.sites for code in s.codes},
            "sites": [
                {
                    "line": s.line,
                    "end_line": s.end_line,
                    "name": s.name,
                    "codes": s.codes,
                    "inputs": s.inputs,
                    "model_attrs": s.model_attrs,
                    "witness": s.witness,
                    "guards": s.guards,
                    "stream": s.stream,
                }
                for s in self.sites
            ],
        }


def _param_condition(text: str, value: bool, params: set[str]) -> tuple[str, Any] | None:
    """`flag` true -> (flag, True); `mode == "x"` true -> (mode, "x"); `x is None` ..."""
    node = cst.parse_expression(text)
    if isinstance(node, cst.Name) and node.value in params:
        return node.value, value
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
        left, (comparison,) = node.left, node.comparisons
        if not (isinstance(left, cst.Name) and left.value in params):
            return None
        ok, compared_with = literal(comparison.comparator)
        positive = isinstance(comparison.operator, (cst.Equal, cst.Is))
        negative = isinstance(comparison.operator, (cst.NotEqual, cst.IsNot))
        if ok and ((positive and value) or (negative and not value)):
            return left.value, compared_with
    return None


def _local_attribute(definition: Definition, name: str, model_param: str) -> str | None:
    """`is_vlm = getattr(model, "_is_vlm", False)` -> "_is_vlm" for a local `is_vlm`."""
    found: list[str] = []

    def visit(node: cst.CSTNode) -> None:
        if isinstance(node, (cst.FunctionDef, cst.Lambda)) and node is not definition.node:
            return
        if isinstance(node, cst.Assign) and len(node.targets) == 1:
            target = node.targets[0].target
            if isinstance(target, cst.Name) and target.value == name:
                attribute = _model_attribute(node.value, model_param)
                if attribute:
                    found.append(attribute)
        for child in children(node):
            visit(child)

    visit(definition.node)
    return found[0] if len(found) == 1 else None


def _model_attribute(node: cst.BaseExpression, model_param: str) -> str | None:
    if isinstance(node, cst.Attribute) and dotted_name(node) == f"{model_param}.{node.attr.value}":
        return node.attr.value
    if isinstance(node, cst.Call) and dotted_name(node.func) in ("getattr", "hasattr"):
        args = node.args
        if len(args) >= 2 and dotted_name(args[0].value) == model_param:
            ok, attribute = literal(args[1].value)
            if ok and isinstance(attribute, str):
                return attribute
    return None


def _model_flags(definition: Definition, model_param: str) -> list[str]:
    """Attributes of the model that the function branches on (directly or via a local)."""
    flags: list[str] = []

    def visit(node: cst.CSTNode) -> None:
        if isinstance(node, (cst.If, cst.While)):
            test = node.test
            attribute = _model_attribute(test, model_param)
            if attribute is None and isinstance(test, cst.Name):
                attribute = _local_attribute(definition, test.value, model_param)
            if attribute and attribute not in flags:
                flags.append(attribute)
        for child in children(node):
            if not isinstance(child, (cst.FunctionDef, cst.Lambda)):
                visit(child)

    visit(definition.node)
    return flags


def _candidates(
    callee: Callee, option: Option, definition: Definition, params: set[str]
) -> dict[str, list[Any]]:
    """Literal values that parameters are compared with, here or in helpers they reach,
    and the values a pack names for the library arguments they are passed as
    (`torch.device(device)` is built empty when `device` is "meta")."""
    out: dict[str, list[Any]] = {}

    def add(name: str, value: Any) -> None:
        if value not in out.setdefault(name, []):
            out[name].append(value)

    def scan(node: cst.CSTNode, mapping: dict[str, str], depth: int, scope: Definition) -> None:
        if isinstance(node, (cst.If, cst.While)) and isinstance(node.test, cst.Name):
            caller_param = mapping.get(node.test.value)
            if caller_param:
                add(caller_param, True)
                add(caller_param, False)
        if isinstance(node, cst.Comparison) and isinstance(node.left, cst.Name):
            caller_param = mapping.get(node.left.value)
            if caller_param:
                for comparison in node.comparisons:
                    for value in literals(comparison.comparator):
                        add(caller_param, value)
        if isinstance(node, cst.Call):
            passed = option(node, scope)
            caller_param = mapping.get(passed[0]) if passed else None
            if passed and caller_param:
                add(caller_param, passed[1])
        if isinstance(node, cst.Call) and depth < 2:
            found = callee(node, scope)
            inner = _argument_mapping(node, found, mapping) if found else {}
            if found and inner:
                scan(found.node, inner, depth + 1, found)
        for child in children(node):
            scan(child, mapping, depth, scope)

    scan(definition.node, {p: p for p in params}, 0, definition)
    return out


def _argument_mapping(
    call: cst.Call, callee: Definition, mapping: dict[str, str]
) -> dict[str, str]:
    params = [p for p in callee.params if p not in ("self", "cls")]
    out: dict[str, str] = {}
    position = 0
    for arg in call.args:
        if arg.star:
            continue
        name = arg.value.value if isinstance(arg.value, cst.Name) else None
        if arg.keyword is not None:
            if name in mapping:
                out[arg.keyword.value] = mapping[name]
        else:
            if position < len(params) and name in mapping:
                out[params[position]] = mapping[name]
            position += 1
    return out


def build_plan(
    target: str, config: Config, cache: Cache | None = None
) -> tuple[Plan, list[Diagnostic]]:
    """The plan of FILE::QUALNAME; `cache` is the linter's, for the package's files and
    for the plan itself (kept by everything it depends on)."""
    file_part, _, qualname = target.partition("::")
    path = Path(file_part)
    if not qualname or not path.is_file():
        raise PlanError(f"{target}: expected FILE::QUALNAME with an existing file")
    place = placement(path)
    root, module_name = place.import_root, place.module
    packs = config.load_packs()
    # The package that holds the file, so helpers in its other modules are seen.
    scope_dir = place.own_package
    from seedlint.runtime.sites import draw_sites

    key = plan_key(target, scope_dir, config, packs) if cache is not None else None
    stored = cache.get("plan", key, dict) if cache is not None and key else None
    if stored is not None:
        return Plan.from_json(stored), []
    source = parsed_source(path)
    tree = parse_quietly(source.text)
    options = Options(jobs=default_jobs(), cache=cache)
    # The project's symbol table is read while the plan is made, and closed after.
    try:
        with analyse_function(scope_dir, path, qualname, config, packs, options) as analysis:
            findings = analysis.findings
            plan = _plan(
                analysis.function.qualname,
                analysis.project,
                draw_sites(analysis, source.text, tree),
                findings,
                config,
                Where(source, root, module_name, qualname, tree),
            )
    except LookupError as error:
        raise PlanError(str(error)) from error
    if cache is not None and key and key == plan_key(target, scope_dir, config, packs):
        cache.put("plan", key, plan.to_json())  # the files did not change meanwhile
    return plan, findings


def plan_key(target: str, scope: Path, config: Config, packs: Packs) -> str | None:
    """Everything a plan depends on: seedlint's code (in `digest`), the target, the
    configuration and packs, and the text of every file of the target's package; None
    if one cannot be read."""
    parts = [str(Path(target.partition("::")[0]).resolve()), target.partition("::")[2]]
    parts += [repr(config), packs.fingerprint()]
    for found in discover([str(scope)], config):
        if not isinstance(found, Path):
            return None
        try:
            parts += [str(found), found.read_bytes().decode("utf-8", "surrogateescape")]
        except OSError:
            return None
    return digest(*parts)


@dataclass(frozen=True, slots=True)
class Where:
    """The target: its file (read, and its syntax tree), import root and names."""

    source: Source
    root: Path
    module: str
    qualname: str
    tree: ast.Module


def _plan(
    function: str,
    project: Project,
    sites: list[Site],
    findings: list[Diagnostic],
    config: Config,
    where: Where,
) -> Plan:
    trees = Trees(project, where.source, parsed_source)
    definition = trees.definition(function)
    if definition is None or not isinstance(definition.node, cst.FunctionDef):
        raise PlanError(f"{where.source.path}: no function {where.qualname}")
    params = [p for p in definition.params if p not in ("self", "cls")]
    # A method with no such parameter reaches its model through `self` (built with it).
    first = params[0] if params and "self" not in definition.params else ""
    model_param = next((p for p in params if "model" in p), first)
    seed_params = [p for p in params if config.is_seed_param(p)]
    by_line: dict[int, Site] = {site.line: site for site in sites}
    callee = callee_of(project, trees)
    unset = [p for p in required(definition.node) if p not in (model_param, "self", "cls")]
    built = objects(definition, unset, callee)
    defaults = _defaults(definition.node)
    # A seed without a default is given one; so is a seed read off a built object.
    defaults |= dict.fromkeys((n for n in unset if config.is_seed_param(n)), 0)
    for name, found in built.items():
        seeds = [
            named(name, p) for p in found if isinstance(p[-1], str) and config.is_seed_param(p[-1])
        ]
        seed_params += seeds
        defaults |= dict.fromkeys(seeds, 0)
    conditions = _Conditions(where, definition, model_param, callee, built)
    draws, located = draws_of(project, trees), trees.located
    for each in sites:
        each.guards = conditions.guards(each.line)
        each.guards += [g for g in conditions.below(each, draws, located) if g not in each.guards]
    for finding in findings:
        site = by_line.get(finding.line)
        if site is None and confirms(finding.code) == "reproducible":
            # A seed whose value may change: the seeding call is the site.
            site = by_line[finding.line] = _seed_site(finding, where)
            sites.append(site)
        if site is None:
            continue
        site.codes.append(finding.code)
        site.message = site.message or finding.message
        site.witness[finding.code] = [(conditions.index(t), v) for t, v in finding.witness]
        if confirms(finding.code) != "unseeded":
            continue
        for text, value in finding.witness:
            solved = _param_condition(text, value, set(params))
            if solved:
                site.inputs[solved[0]] = solved[1]
                continue
            attribute = (
                _local_attribute(definition, text, model_param) if text.isidentifier() else None
            )
            if attribute is None:
                attribute = _model_attribute(cst.parse_expression(text), model_param)
            if attribute:
                site.model_attrs[attribute] = value
    return Plan(
        str(where.root),
        where.module,
        where.qualname,
        model_param,
        params,
        seed_params,
        sites,
        _candidates(callee, option_of(project), definition, set(params))
        | compared(definition, built),
        _model_flags(definition, model_param),
        choose([f.stream for f in findings] + [s.stream for s in sites]),
        defaults,
        conditions.found,
        paths(definition, model_param, callee),
        built,
    )


def _seed_site(finding: Diagnostic, where: Where) -> Site:
    from seedlint.runtime.sites import end_lines

    ends = end_lines(where.source.text, where.tree)
    end = ends.get((finding.line, finding.column), finding.line)
    return Site(finding.line, end, finding.call, [], stream=finding.stream)


def _defaults(node: cst.FunctionDef) -> dict[str, Any]:
    """The parameters whose default is a literal, with it."""
    out: dict[str, Any] = {}
    params = node.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.default is not None:
            ok, value = literal(param.default)
            if ok:
                out[param.name.value] = value
    return out


class _Conditions:
    """The witness conditions of a function, each located and sliced once."""

    def __init__(
        self,
        where: Where,
        definition: Definition,
        model_param: str,
        callee: Callee,
        built: dict[str, Any],
    ) -> None:
        self.function = function_node(where.tree, where.qualname)
        self.definition = definition
        self.model_param = model_param
        self.callee = callee
        self.built = built  # parameters the run builds: their leaves are what varies
        self.found: list[Condition] = []
        self.by_text: dict[str, int] = {}

    def index(self, text: str) -> int:
        known = same(text)
        if known not in self.by_text:
            self.by_text[known] = len(self.found)
            self.found.append(self._condition(text))
        return self.by_text[known]

    def guards(self, line: int) -> list[tuple[int, bool]]:
        """The conditions of the `if`s around the statement on `line`, with the value
        each must take for it to run."""
        found = guards(self.function, line) if self.function else []
        return [(self.index(text), value) for text, value in found]

    def below(self, site: Site, draws: Draws, located: Located) -> list[tuple[int, bool]]:
        """What the helpers the site's call goes down through need for it to draw."""
        call = (
            site_call(self.definition, self.function, site.line, site.name)
            if self.function
            else None
        )
        if call is None:
            return []
        out: list[tuple[int, bool]] = []
        for each in needed(call, self.definition, self.model_param, self.callee, draws, located):
            known = f"{each.function}:{same(each.text)}"
            if known not in self.by_text:
                self.by_text[known] = len(self.found)
                tests, safe = locate(each.node, each.text)
                self.found.append(
                    Condition(each.text, tests, safe, each.params, each.attrs, each.function)
                )
            out.append((self.by_text[known], each.value))
        return out

    def _condition(self, text: str) -> Condition:
        tests, safe = locate(self.function, text) if self.function else ([], False)
        try:
            expression = cst.parse_expression(text)
        except cst.ParserSyntaxError:
            return Condition(text, tests, safe)
        found = slice_of(self.definition, expression, self.model_param, self.callee)
        params = sorted(found.params - set(self.built)) + leaves(expression, self.built)
        return Condition(text, tests, safe, params, sorted(found.attrs))
