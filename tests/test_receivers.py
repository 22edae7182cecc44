"""Receivers are resolved (DESIGN.md, "Findings users act on"): attributes typed by the
project classes assigned to them, calls on what project functions return, `self(x)`."""

from __future__ import annotations

import textwrap
from pathlib import Path

from seedlint.config import Config
from seedlint.engine import analyse
from tests.conftest import expected_marks

# A class in one module whose methods draw; the callers import it from another.
MODELS = """\
import mlx.core as mx


class Vae:
    def __init__(self, width):
        self.width = width

    def encode(self, x):
        return x + mx.random.normal((self.width,))


class Talker:
    def generate(self, x):
        return mx.random.categorical(x)


def make_talker():
    return Talker()
"""


def lint_project(tmp_path: Path, files: dict[str, str]) -> dict[str, set[tuple[int, str]]]:
    """(line, code) of every finding, per file, of a package made of `files`."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for name, text in files.items():
        (package / name).write_text(textwrap.dedent(text), encoding="utf-8")
    config = Config()
    result = analyse([str(package)], config, config.load_packs())
    found: dict[str, set[tuple[int, str]]] = {name: set() for name in files}
    for diagnostic in result.diagnostics:
        found.setdefault(Path(diagnostic.path).name, set()).add((diagnostic.line, diagnostic.code))
    return found


def check(tmp_path: Path, caller: str) -> None:
    found = lint_project(tmp_path, {"models.py": MODELS, "app.py": caller})
    assert found["app.py"] == expected_marks(textwrap.dedent(caller))
    assert found["models.py"] == set()


def test_attribute_set_in_init_types_the_receiver(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
        import mlx.core as mx
        import mlx.nn as nn
        from .models import Vae


        class Pipeline:
            def __init__(self):
                self.vae = Vae(4)

            def run(self, x, seed):
                mx.random.seed(seed)
                z = self.vae.encode(x)
                head = nn.Linear(4, 4)  # SDL201
                return head(z)
        """,
    )


def test_lazily_set_attribute_types_the_receiver(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
        import mlx.core as mx
        from . import models


        class Pipeline:
            def __init__(self):
                self._enc = None

            def _ensure(self):
                if self._enc is None:
                    self._enc = models.Vae(4)

            def run(self, x, seed=0):
                self._ensure()
                noise = self._enc.encode(x)  # SDL101
                mx.random.seed(seed)
                return noise
        """,
    )


def test_attributes_chain_through_classes_and_bases(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
        import mlx.core as mx
        from .models import Vae


        class Parts:
            def __init__(self):
                self.vae = Vae(4)


        class Base:
            parts: Parts


        class Pipeline(Base):
            def run(self, x, seed=0):
                noise = self.parts.vae.encode(x)  # SDL101
                mx.random.seed(seed)
                return noise
        """,
    )


def test_method_on_a_returned_instance(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
        import mlx.core as mx
        import mlx.nn as nn
        from .models import Talker, make_talker


        class Speaker:
            def __init__(self):
                self._talker = None

            def _get_talker(self):
                if self._talker is None:
                    self._talker = Talker()
                return self._talker

            def speak(self, x, seed):
                mx.random.seed(seed)
                y = self._get_talker().generate(x)
                proj = nn.Linear(2, 2)  # SDL201
                return proj(y)


        def speak(x, seed=0):
            y = make_talker().generate(x)  # SDL101
            mx.random.seed(seed)
            return y
        """,
    )


def test_local_built_once_types_its_methods(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
        import mlx.core as mx
        from .models import Vae


        def run(x, seed=0):
            vae = Vae(4)
            noise = vae.encode(x)  # SDL101
            mx.random.seed(seed)
            return noise
        """,
    )


def test_calling_self_runs_dunder_call_not_the_constructor(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
        import mlx.core as mx
        import mlx.nn as nn


        class Block:
            def __init__(self):
                self.proj = nn.Linear(2, 2)

            def __call__(self, x):
                return x * 2

            def twice(self, x, seed=0):
                y = self(x)
                mx.random.seed(seed)
                return self(y)


        class Forward(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(2, 2)

            def forward(self, x):
                return self.proj(x)

            def twice(self, x, seed=0):
                y = self(x)
                mx.random.seed(seed)
                return self(y)

            @classmethod
            def build(cls, seed=0):
                made = cls()  # SDL101
                mx.random.seed(seed)
                return made
        """,
    )


def test_calling_self_follows_a_drawing_dunder_call(tmp_path: Path) -> None:
    check(
        tmp_path,
        """
        import mlx.core as mx


        class Noisy:
            def __call__(self, x):
                return x + mx.random.normal((2,))

            def run(self, x, seed=0):
                y = self(x)  # SDL101
                mx.random.seed(seed)
                return y
        """,
    )


def test_a_quiet_module_reached_through_receivers_is_parsed(tmp_path: Path) -> None:
    # wrap.py mentions no library call that draws or seeds: the prefilter leaves it
    # unparsed until it turns out to matter (its class has a method that draws).
    wrap = """\
    from .models import Vae


    class Wrapper:
        def __init__(self):
            self.vae = Vae(4)

        def encode(self, x):
            return self.vae.encode(x)
    """
    caller = """\
    import mlx.core as mx
    from .wrap import Wrapper


    class App:
        def __init__(self):
            self.wrapper = Wrapper()

        def run(self, x, seed=0):
            y = self.wrapper.encode(x)  # SDL101
            mx.random.seed(seed)
            return y
    """
    found = lint_project(tmp_path, {"models.py": MODELS, "wrap.py": wrap, "app.py": caller})
    assert found == {"models.py": set(), "wrap.py": set(), "app.py": expected_marks(caller)}


def test_the_symbol_table_keeps_attribute_and_return_paths(tmp_path: Path) -> None:
    from tests.test_symbols import _tables

    source = tmp_path / "src"
    source.mkdir()
    (source / "mod.py").write_text(
        textwrap.dedent(
            """\
            from typing import Optional
            import other


            class Box:
                size: int = 0
                spare: Optional[other.Part] = None
                kind = other.make_kind()

                def __init__(self):
                    self.part = other.Part()
                    self.count = len([])
                    self.same = self.part

                def get(self):
                    built = other.Part()
                    if built:
                        return built
                    return self.part

                def me(self):
                    return self(1)
            """
        ),
        encoding="utf-8",
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (symbols,) = _tables(source, scratch)
    info = symbols.class_info("mod.Box")
    assert info is not None
    # Builtins and values that are not results of calls type nothing.
    assert set(info.attributes) == {
        ("spare", "other.Part()"),
        ("kind", "other.make_kind()"),
        ("part", "other.Part()"),
    }
    get = symbols.function("mod.Box.get")
    me = symbols.function("mod.Box.me")
    assert get is not None and get.returned == ("other.Part()", "mod.Box.part")
    assert me is not None and me.returned == ("mod.Box.__call__()",)


def test_an_attribute_assigned_several_classes_runs_each_method(tmp_path: Path) -> None:
    # Either class may be there: the call runs both candidates' `encode` (Vae's draws).
    check(
        tmp_path,
        """
        import mlx.core as mx
        from .models import Vae


        class Plain:
            def encode(self, x):
                return x


        class Pipeline:
            def __init__(self, noisy):
                if noisy:
                    self.enc = Vae(4)
                else:
                    self.enc = Plain()

            def run(self, x, seed=0):
                y = self.enc.encode(x)  # SDL101
                mx.random.seed(seed)
                return y
        """,
    )
