"""Name resolution: aliases, from-imports, local imports, try imports, self/cls, shadowing,
relative imports and re-exports across modules."""

from __future__ import annotations

from pathlib import Path

from seedlint.config import Config
from seedlint.engine import analyse


def lint_tree(tmp_path: Path, files: dict[str, str]) -> set[tuple[str, int, str]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = Config()
    result = analyse([str(tmp_path)], config, config.load_packs())
    return {(Path(d.path).name, d.line, d.code) for d in result.diagnostics}


def test_relative_import_and_reexport(tmp_path: Path) -> None:
    found = lint_tree(
        tmp_path,
        {
            "pkg/__init__.py": "from .layers import make_layer\n",
            "pkg/layers.py": "import mlx.nn as nn\ndef make_layer():\n    return nn.Linear(2, 2)\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/model.py": (
                "from .. import make_layer\n"
                "from ..layers import make_layer as direct\n"
                "def build(seed):\n"
                "    make_layer()\n"
                "    direct()\n"
            ),
        },
    )
    assert ("model.py", 4, "SDL101") in found
    assert ("model.py", 5, "SDL101") in found


def test_class_methods_and_inheritance(tmp_path: Path) -> None:
    found = lint_tree(
        tmp_path,
        {
            "m.py": (
                "import mlx.core as mx\n"
                "import mlx.nn as nn\n"
                "class Base:\n"
                "    def layer(self):\n"
                "        return nn.Linear(2, 2)\n"
                "class Child(Base):\n"
                "    def __init__(self):\n"
                "        self.w = mx.random.normal((2,))\n"
                "    def go(self, seed):\n"
                "        self.layer()\n"
                "        Child()\n"
            ),
        },
    )
    assert ("m.py", 10, "SDL101") in found
    assert ("m.py", 11, "SDL101") in found


def test_unknown_names_are_not_consumers(tmp_path: Path) -> None:
    found = lint_tree(
        tmp_path,
        {
            "m.py": (
                "from elsewhere import random\n"
                "def f(seed):\n"
                "    random.normal((2,))\n"
                "    data = load()\n"
                "    data.normal()\n"
            ),
        },
    )
    assert found == set()


def test_same_module_names_in_two_roots_do_not_mix(tmp_path: Path) -> None:
    body = "import mlx.nn as nn\ndef make():\n    return nn.Linear(2, 2)\n"
    found = lint_tree(
        tmp_path,
        {
            "a/pkg/__init__.py": "",
            "a/pkg/h.py": body,
            "a/pkg/use.py": "from .h import make\ndef f(seed):\n    make()\n",
            "b/pkg/__init__.py": "",
            "b/pkg/h.py": "def make():\n    return 1\n",
            "b/pkg/use.py": "from .h import make\ndef f(seed):\n    make()\n",
        },
    )
    assert {f for f in found if f[0] == "use.py"} == {("use.py", 3, "SDL101")}


def test_a_name_defined_twice_is_checked_in_each_definition(tmp_path: Path) -> None:
    (tmp_path / "twice.py").write_text(
        "import mlx.core as mx\n"
        "import os\n"
        "if os.environ.get('X'):\n"
        "    def build(seed):\n"
        "        return mx.random.normal((2,))\n"  # line 5: the first definition draws
        "else:\n"
        "    def build(seed):\n"
        "        return 1\n"
        "class Layer:\n"
        "    @property\n"
        "    def weight(self):\n"
        "        return 1\n"
        "    @weight.setter\n"
        "    def weight(self, seed):\n"
        "        self.w = mx.random.normal((2,))\n"  # line 15
    )
    config = Config()
    result = analyse([str(tmp_path)], config, config.load_packs())
    found = [(d.line, d.code, d.function) for d in result.diagnostics]
    assert found == [(5, "SDL101", "build"), (15, "SDL101", "Layer.weight")]
