"""Iteration as an event: where the graph puts it, which sites lowering makes, where a
finding on one is placed, and locals reassigned as chains (`pipe = pipe.to("cuda")`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from seedlint.cfg.model import EdgeKind
from seedlint.lower.ir import CallSite, ModuleIR
from seedlint.lower.lowering import lower_file
from seedlint.report.positions import _from_ast, _from_libcst
from seedlint.store.spill import spill_module
from tests.conftest import lint_text, parseable_fixtures

NESTED = """
import torch
from torch.utils.data import DataLoader
rows = [[x for x in row] for row in DataLoader(range(4))]
pick = lambda data: [b for b in list(c for c in data)]
def f(loaders):
    for name, loader in zip(loaders, map(len, loaders)):
        total = sum(len(batch) for batch in loader)
    async def g(stream):
        async for item in stream:
            yield item
"""


def _lowered(tmp_path: Path, source: str) -> ModuleIR:
    path = tmp_path / "snippet.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    module = lower_file(path)
    assert isinstance(module, ModuleIR)
    return module


def _sites(module: ModuleIR, function: str) -> list[tuple[int, CallSite]]:
    """(block, site) of every call site of a function, in block order."""
    ir = next(f for f in module.functions if f.qualname.endswith(function))
    return [(block.id, site) for block in ir.cfg.blocks for site in block.calls]


@pytest.mark.parametrize(
    "path", [*parseable_fixtures(), None], ids=lambda p: p.name if p else "nested"
)
def test_iterables_are_placed_alike_by_ast_and_by_libcst(tmp_path: Path, path: Path | None) -> None:
    if path is None:
        path = tmp_path / "nested.py"
        path.write_text(textwrap.dedent(NESTED), encoding="utf-8")
    module = lower_file(path)
    if not isinstance(module, ModuleIR):
        pytest.skip("not a module seedlint analyses")
    index = spill_module(module, (tmp_path / "spill",))
    text = path.read_text(encoding="utf-8")
    from_ast = _from_ast(index.file, text)
    assert from_ast is not None, "the numbering of calls and iterables did not pair"
    assert from_ast == _from_libcst(path.read_bytes())


def test_a_for_header_iterates_once_before_the_loop(tmp_path: Path) -> None:
    module = _lowered(
        tmp_path,
        """
        from torch.utils.data import DataLoader
        def f(data):
            loader = DataLoader(data, shuffle=True)
            for batch in loader:
                print(batch)
        """,
    )
    sites = _sites(module, "f")
    written = [site.written for _block, site in sites]
    assert written == ["DataLoader", "iter(loader)", "print"]
    (block, iteration), (loop_body, _print) = sites[1], sites[2]
    assert iteration.key.iterated and iteration.key.path == "torch.utils.data.DataLoader()"
    assert ("shuffle", False) in iteration.key.keywords  # the making call's keywords
    cfg = next(f for f in module.functions if f.qualname.endswith("f")).cfg
    back = {edge.target for edge in cfg.edges if edge.kind is EdgeKind.BACK}
    assert loop_body != block and block not in back  # not part of the loop


def test_builtins_iterate_their_arguments_and_unknown_values_are_left_alone(
    tmp_path: Path,
) -> None:
    module = _lowered(
        tmp_path,
        """
        from torch.utils.data import DataLoader, RandomSampler
        def f(data, given):
            a, b = DataLoader(data), RandomSampler(data)
            loader = DataLoader(data)
            pairs = list(zip(loader, RandomSampler(data)))
            for x in given:  # a parameter: nothing says what iterating it does
                pass
            for i in range(3):  # a builtin's value
                pass
            return next(iter(loader)), sorted(given)
        """,
    )
    iterations = [site for _block, site in _sites(module, "f") if site.key.iterated]
    assert [site.written for site in iterations] == [
        "iter(loader)",
        "iter(RandomSampler())",
        "iter(loader)",
    ]


def test_a_local_reassigned_as_a_chain_keeps_its_value_from_there_on(tmp_path: Path) -> None:
    module = _lowered(
        tmp_path,
        """
        from diffusers import StableDiffusionPipeline
        def f(path, other):
            pipe = StableDiffusionPipeline.from_pretrained(path)
            pipe.enable_attention_slicing()
            pipe = pipe.to("cuda")
            pipe("a cat")
            pipe = other
            pipe("a dog")
        """,
    )
    paths = [(site.written, site.key.path) for _block, site in _sites(module, "f")]
    assert paths == [
        ("StableDiffusionPipeline.from_pretrained", None),
        ("pipe.enable_attention_slicing", None),  # assigned twice: not known before the chain
        ("pipe.to", None),
        ("pipe", "diffusers.StableDiffusionPipeline.from_pretrained().to()"),
        ("pipe", None),  # replaced by something else
    ]


def test_a_drawing_iteration_is_placed_on_its_iterable(tmp_path: Path) -> None:
    found = lint_text(
        tmp_path,
        """
        import torch
        from torch.utils.data import DataLoader
        def f(data, seed):
            loader = DataLoader(data, shuffle=True)
            rows = [len(b) for b in
                    loader]
            torch.manual_seed(seed)
        """,
    )
    assert [(d.line, d.column, d.code, d.call) for d in found] == [
        (7, 13, "SDL101", "iter(loader)")
    ]
