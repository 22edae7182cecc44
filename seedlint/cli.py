"""Command line: `seedlint [PATH...]`, `seedlint rule CODE`."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from seedlint import __version__
from seedlint.config import Config, ConfigError, checked_codes, find_pyproject, load_config
from seedlint.lower.warm import warm_worker
from seedlint.report.formats import FORMAT_NAMES, renderer

if TYPE_CHECKING:
    from seedlint.report.diagnostics import Diagnostic
    from seedlint.store.cache import Cache


class _DefaultToCheck(click.Group):
    """`seedlint src/` means `seedlint check src/`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in _GROUP_FLAGS):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """`seedlint --help` shows the options of `seedlint [PATH...]` too."""
        super().format_options(ctx, formatter)
        command = self.commands["check"]
        rows = [r for p in command.get_params(ctx) if (r := p.get_help_record(ctx))]
        with formatter.section("Options of seedlint [PATH...] (= seedlint check)"):
            formatter.write_dl(rows)


_GROUP_FLAGS = ("--help", "-h", "--version")


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="seedlint")
def main() -> None:
    """Find seed-ordering bugs in ML code: draws from a global RNG with no dominating
    seed, or with other draws between seed and use. Static: never imports your code."""


def _split(values: tuple[str, ...], option: str) -> tuple[str, ...]:
    return checked_codes((c for v in values for c in v.split(",") if c.strip()), option)


def _cache_options(command: Callable[..., None]) -> Callable[..., None]:
    """--no-cache and --cache-dir, the same for the linter and for confirm's plan."""
    command = click.option(
        "--cache-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Cache folder (default: $SEEDLINT_CACHE_DIR or ~/.cache/seedlint).",
    )(command)
    return click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")(
        command
    )


def _cache(no_cache: bool, cache_dir: str | None) -> Cache | None:
    from seedlint.store.cache import Cache, default_cache_dir

    return None if no_cache else Cache(Path(cache_dir) if cache_dir else default_cache_dir())


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", multiple=True, help="Only these codes or prefixes (comma-separated).")
@click.option(
    "--extend-select",
    multiple=True,
    help="These codes or prefixes as well as those selected (comma-separated).",
)
@click.option("--ignore", multiple=True, help="Skip these codes or prefixes (comma-separated).")
@click.option(
    "--adjacency",
    type=click.Choice(["default", "strict"]),
    default=None,
    help="strict: also report calls of unknown effect between seed and draw.",
)
@click.option("--format", "output_format", type=click.Choice(sorted(FORMAT_NAMES)), default="text")
@click.option(
    "--output-file",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the report to this file instead of standard output.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    help="Colour the text report (auto: on a terminal, unless NO_COLOR is set).",
)
@click.option("--show-files", is_flag=True, help="List the files that would be checked, and exit.")
@click.option(
    "--statistics", is_flag=True, help="Print how many findings of each rule, not the findings."
)
@click.option(
    "--stdin-filename",
    default=None,
    help="The path of the code read from standard input (with `-` as the path).",
)
@click.option("--exclude", multiple=True, help="Extra folder or file patterns to skip.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="pyproject.toml to read [tool.seedlint] from (default: nearest one).",
)
@click.option(
    "--context",
    type=click.Choice(["given", "package"]),
    default="given",
    help="package: analyse each named file's whole package, report on the file only.",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Report only findings not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    "write_baseline_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Record today's findings in this file and exit 0.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for parsing (default: all cores).",
)
@_cache_options
@click.option(
    "--no-respect-gitignore",
    is_flag=True,
    help="Also check files that .gitignore (or .git/info/exclude) ignores.",
)
@click.option(
    "--no-prefilter",
    is_flag=True,
    help="Parse every file, even those that mention nothing a pack knows.",
)
@click.option(
    "--file-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds of processor time one file may take (default 60; then it is reported "
    "as unanalysable).",
)
@click.option(
    "--max-file-size",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Megabytes above which a file is not read (default 5; it is reported as unanalysable).",
)
def check(
    paths: tuple[str, ...],
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    adjacency: str | None,
    output_format: str,
    output_file: str | None,
    exit_zero: bool,
    color: str,
    show_files: bool,
    statistics: bool,
    stdin_filename: str | None,
    exclude: tuple[str, ...],
    config_path: str | None,
    context: str,
    baseline_path: str | None,
    write_baseline_path: str | None,
    jobs: int | None,
    no_cache: bool,
    cache_dir: str | None,
    no_respect_gitignore: bool,
    no_prefilter: bool,
    file_timeout: float | None,
    max_file_size: float | None,
) -> None:
    """Check Python files and folders (default: the current folder; `-`: standard input)."""
    # The worker that may parse an edited file imports the parser while this process
    # imports the analysis (and reads the configuration and the cache).
    warm = (warm_worker(),)
    from seedlint.checks import ALL_RULES
    from seedlint.engine import Options, analyse, default_jobs
    from seedlint.integrations.baseline import (
        BaselineError,
        new_findings,
        read_baseline,
        write_baseline,
    )
    from seedlint.integrations.context import with_packages
    from seedlint.parse.paths import real
    from seedlint.parse.sources import discover
    from seedlint.report import text
    from seedlint.report.progress import progress
    from seedlint.resolve.packs import PackError
    from seedlint.store.spill import SpillError

    targets = list(paths) or ["."]
    overrides: dict[Path, bytes] = {}
    if "-" in targets:
        name = stdin_filename or "-"
        overrides[real(Path(name))] = sys.stdin.buffer.read()
        targets = [name if t == "-" else t for t in targets]
    try:
        pyproject = Path(config_path) if config_path else find_pyproject(Path(targets[0]))
        config = load_config(pyproject)
        config = _override(config, select, ignore, adjacency, exclude)
        if extend_select:
            chosen = config.select
            if chosen is None:  # what runs now: the defaults and what options turned on
                chosen = tuple(r.code for r in ALL_RULES if config.enabled(r))
            config = replace(config, select=chosen + _split(extend_select, "--extend-select"))
        if file_timeout is not None:
            config = replace(config, file_timeout=file_timeout)
        if max_file_size is not None:
            config = replace(config, max_file_size=max_file_size)
        if no_respect_gitignore:
            config = replace(config, respect_gitignore=False)
        packs = config.load_packs()
    except (ConfigError, PackError) as error:
        click.echo(f"seedlint: {error}", err=True)
        sys.exit(2)
    if show_files:
        for found in discover(targets, config, overrides.keys()):
            if isinstance(found, Path):
                click.echo(found)
        sys.exit(0)
    options = Options(
        jobs=jobs or default_jobs(),
        cache=_cache(no_cache, cache_dir),
        prefilter=not no_prefilter,
        warm=warm,
    )
    if context == "package":
        scope, report = with_packages(targets)
        key = "package\0" + "\0".join(str(real(Path(t))) for t in targets)
        run = partial(analyse, scope, config, packs, report, overrides, report_key=key)
    else:
        run = partial(analyse, targets, config, packs, overrides=overrides)
    try:
        listing = partial(discover, targets, config, overrides.keys())
        with progress(lambda: sum(1 for f in listing() if isinstance(f, Path))):
            result = run(options=options)
    except SpillError as error:
        click.echo(f"seedlint: {error}", err=True)
        sys.exit(2)
    diagnostics = result.diagnostics
    if write_baseline_path:
        write_baseline(Path(write_baseline_path), diagnostics)
        click.echo(f"seedlint: recorded {len(diagnostics)} finding(s) in {write_baseline_path}")
        sys.exit(0)
    if baseline_path:
        try:
            diagnostics = new_findings(diagnostics, read_baseline(Path(baseline_path)))
        except BaselineError as error:
            click.echo(f"seedlint: {error}", err=True)
            sys.exit(2)
    terminal = sys.stdout.isatty() and not output_file
    coloured = color == "always" or (
        color == "auto" and terminal and not os.environ.get("NO_COLOR")
    )
    if statistics:
        report_text = _statistics(diagnostics)
    elif output_format == "text":
        report_text = text.render(diagnostics, colour=coloured and not output_file)
    else:
        report_text = renderer(output_format)(diagnostics)
    if output_file:
        Path(output_file).write_text(report_text, encoding="utf-8")
    else:
        click.echo(report_text, nl=False, color=coloured)
        if output_format == "text" and not statistics and terminal:
            click.echo(_summary(len(diagnostics)))
    sys.exit(1 if diagnostics and not exit_zero else 0)


def _statistics(diagnostics: list[Diagnostic]) -> str:
    """`  count  CODE  rule-name` per rule found, most first, then the summary line."""
    from seedlint.checks import by_code

    counts = Counter(d.code for d in diagnostics)
    rows = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        found = by_code(code)
        rows.append(f"{count:>5}  {code}  {found.name if found else ''}".rstrip())
    return "".join(f"{row}\n" for row in rows) + _summary(len(diagnostics)) + "\n"


def _summary(count: int) -> str:
    if not count:
        return "All checks passed!"
    return f"Found {count} finding{'s' if count != 1 else ''}."


def _override(
    config: Config,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    adjacency: str | None,
    exclude: tuple[str, ...],
) -> Config:
    if select:
        config = replace(config, select=_split(select, "--select"))
    if ignore:
        config = replace(config, ignore=config.ignore + _split(ignore, "--ignore"))
    if adjacency:
        config = replace(config, adjacency=adjacency)
    if exclude:
        config = replace(config, exclude=config.exclude + exclude)
    return config


@main.command()
@click.argument("code", required=False)
@click.option("--reference", is_flag=True, help="Print every rule's documentation (docs/rules.md).")
def rule(code: str | None, reference: bool) -> None:
    """Print a rule's documentation (or list the rules)."""
    from seedlint.checks import ALL_RULES, by_code
    from seedlint.report import rule_docs

    if reference:
        click.echo(rule_docs.reference(), nl=False)
        return
    if code is None:
        for item in ALL_RULES:
            state = "" if item.default else " (off by default)"
            click.echo(f"{item.code} {item.name}{state}")
        return
    found = by_code(code)
    if found is None:
        click.echo(f"seedlint: unknown rule '{code}'", err=True)
        sys.exit(2)
    click.echo(f"# {found.code} {found.name}\n\n{rule_docs.text(found)}")


@main.command()
@click.argument("target")
@click.option(
    "--model",
    type=click.Choice(["auto", "text", "vlm"]),
    default="auto",
    help="The tiny model to pass: an mlx-lm text model or a VLM-shaped module (torch: a "
    "tiny Llama, text only).",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override an argument (a Python literal, else a string).",
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--timeout",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds before the child process is stopped.",
)
@_cache_options
def confirm(
    target: str,
    model: str,
    settings: tuple[str, ...],
    output_format: str,
    timeout: float,
    no_cache: bool,
    cache_dir: str | None,
) -> None:
    """Run FILE::QUALNAME with the real mlx or torch to confirm its findings (runs your
    code)."""
    import ast
    import json

    from seedlint.resolve.packs import PackError
    from seedlint.runtime.confirm import (
        check_target,
        notice,
        prepare,
        render_text,
        run_confirm,
        start_child,
    )
    from seedlint.runtime.plan import PlanError

    try:
        check_target(target)
    except PlanError as error:
        click.echo(f"seedlint: {error}", err=True)
        sys.exit(2)
    overrides: dict[str, object] = {}
    for item in settings:
        name, sep, raw = item.partition("=")
        if not sep or not name.isidentifier():
            click.echo(f"seedlint: --set expects NAME=VALUE, got {item!r}", err=True)
            sys.exit(2)
        try:
            overrides[name] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            overrides[name] = raw
    try:
        config = load_config(find_pyproject(Path(target.partition("::")[0])))
        cache = _cache(no_cache, cache_dir)
        with start_child(target) as child:
            # Static: which framework runs the target follows from the stream of its
            # findings. The child imports the likely one meanwhile.
            plan, runs_with = prepare(target, config, model, cache)
            if runs_with.missing():
                click.echo(f"seedlint: {runs_with.install_hint}", err=True)
                sys.exit(2)
            click.echo(notice(target, timeout, runs_with), err=True)  # before anything runs
            answer = run_confirm(plan, target, model, overrides, timeout, child)
    except (ConfigError, PackError, PlanError) as error:
        click.echo(f"seedlint: {error}", err=True)
        sys.exit(2)
    if output_format == "json":
        click.echo(json.dumps(answer["results"], indent=2))
    else:
        click.echo(render_text(target, answer, runs_with), nl=False)
    sys.exit(1 if any(r["verdict"] == "confirmed" for r in answer["results"]) else 0)
