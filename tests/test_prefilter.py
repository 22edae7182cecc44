"""The prefilter skips files that mention nothing a pack knows, and parses them later
when they turn out to matter; results never change."""

from __future__ import annotations

from pathlib import Path

from seedlint.config import Config
from seedlint.engine import Options, analyse
from seedlint.parse.prefilter import Vocabulary

# draws.noise draws; a, b and c only pass the call along, each through the previous
# file, so they are quiet and wake one after another. In train.py, build calls c.top,
# wrap calls build and train calls wrap: when c wakes, build's call resolves anew, and
# wrap's summary must be redone too though its own call did not change.
CHAIN = {
    "__init__.py": "",
    "draws.py": "import mlx.core as mx\ndef noise():\n    return mx.random.normal((2,))\n",
    "a.py": "from .draws import noise\ndef layer():\n    return noise()\n",
    "b.py": "from .a import layer\ndef middle():\n    return layer()\n",
    "c.py": "from .b import middle\ndef top():\n    return middle()\n",
    "train.py": (
        "from .c import top\n"
        "def build():\n"
        "    return top()\n"
        "def wrap():\n"
        "    return build()\n"
        "def train(seed):\n"
        "    return wrap()\n"
    ),
}


def _write(root: Path) -> Path:
    package = root / "pkg"
    package.mkdir()
    for name, text in CHAIN.items():
        (package / name).write_text(text)
    return package


def test_quiet_chain_wakes_in_rounds_and_matches_the_full_parse(tmp_path: Path) -> None:
    package = _write(tmp_path)
    config = Config()
    packs = config.load_packs()
    vocabulary = Vocabulary.of(packs)
    quiet = {p.name for p in package.glob("*.py") if not vocabulary.mentioned_in(p.read_bytes())}
    assert quiet == {"__init__.py", "a.py", "b.py", "c.py"}
    plain = analyse([str(package)], config, packs, options=Options(prefilter=False))
    fast = analyse([str(package)], config, packs, options=Options(prefilter=True))
    found = [(Path(d.path).name, d.line, d.code) for d in fast.diagnostics]
    assert found == [("train.py", 7, "SDL101")]
    assert (
        "`wrap` (via `build` → `top` → `middle` → `layer` → `noise` → `mx.random.normal`)"
        in fast.diagnostics[0].message
    )
    assert fast.diagnostics == plain.diagnostics
    # Everything on the chain had to be parsed; the empty __init__ never was.
    assert {p.name for p in fast.parsed} == set(CHAIN) - {"__init__.py"}


def test_a_project_that_mostly_draws_is_parsed_at_once(tmp_path: Path) -> None:
    """Skipping one file of four would cost a round of whole-project modelling to wake it:
    the skipped file is parsed at once, and the findings are those of a full parse."""
    package = tmp_path / "pkg"
    package.mkdir()
    sources = {
        "__init__.py": "",
        "one.py": "import mlx.core as mx\ndef a():\n    return mx.random.normal((2,))\n",
        "two.py": "import mlx.core as mx\ndef b(seed):\n    return mx.random.normal((2,))\n",
        "three.py": "import mlx.core as mx\ndef c(seed):\n    mx.random.seed(seed)\n",
    }
    for name, text in sources.items():
        (package / name).write_text(text)
    config = Config()
    packs = config.load_packs()
    plain = analyse([str(package)], config, packs, options=Options(prefilter=False))
    fast = analyse([str(package)], config, packs, options=Options(prefilter=True))
    assert fast.diagnostics == plain.diagnostics
    assert [(Path(d.path).name, d.code) for d in fast.diagnostics] == [("two.py", "SDL101")]
    assert {p.name for p in fast.parsed} == set(sources)
