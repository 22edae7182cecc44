"""Jupyter notebooks: code cells linted as one module in cell order, findings placed by
code cell (1-based, code cells only) and line, in every output format; fixtures in
fixtures/notebooks/ (README.md there says what each one should give)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema

from seedlint.config import Config
from seedlint.engine import Options, analyse
from seedlint.integrations.flake8_plugin import SeedlintChecker
from seedlint.parse.notebooks import Cells, Module, read_notebook
from seedlint.report.diagnostics import Diagnostic
from seedlint.store.cache import Cache
from tests.conftest import FINDING, ROOT
from tests.test_cli_conventions import seedlint
from tests.test_integrations import BIN, ENV, run, write_package

FIXTURE = ROOT / "fixtures" / "notebooks" / "lora_init.ipynb"
FIXTURE_FINDING = (
    "fixtures/notebooks/lora_init.ipynb:cell 3:line 5:10: SDL101 `init_lora` (via "
    "`mx.random.normal`) draws from the mlx RNG with no seed before it when `resume` is "
    "true; the seed at cell 1, line 5 runs only on other paths\n"
)
SEEDED_IN_A_BRANCH = "import mlx.core as mx\nwarm = False\nif warm:\n    mx.random.seed(0)\n"


def notebook(*cells: str | tuple[str, str], language: str = "python") -> str:
    """An nbformat 4 notebook: a string is a code cell, (kind, text) any other cell."""
    made = []
    for cell in cells:
        kind, text = cell if isinstance(cell, tuple) else ("code", cell)
        made.append({"cell_type": kind, "metadata": {}, "source": text.splitlines(True)})
        if kind == "code":
            made[-1] |= {"execution_count": None, "outputs": []}
    metadata = {"language_info": {"name": language}}
    return json.dumps({"cells": made, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5})


def lint(*paths: Path, cache: Path | None = None) -> list[Diagnostic]:
    config = Config()
    options = Options(cache=Cache(cache) if cache else None)
    return analyse(
        [str(p) for p in paths], config, config.load_packs(), options=options
    ).diagnostics


def placed(diagnostics: list[Diagnostic]) -> list[tuple[int | None, int, str]]:
    return [(d.cell, d.line, d.code) for d in diagnostics]


def test_a_finding_in_the_third_code_cell_is_reported_there_as_text() -> None:
    result = seedlint("fixtures/notebooks/", cwd=ROOT)
    assert (result.returncode, result.stdout) == (1, FIXTURE_FINDING)


def test_the_readme_sample_is_what_the_command_prints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = readme.split("$ seedlint fixtures/notebooks/\n", 1)[1].split("```", 1)[0]
    assert sample == FIXTURE_FINDING


def test_json_gives_the_cell_and_the_line_in_it() -> None:
    (finding,) = json.loads(seedlint("--format", "json", str(FIXTURE), cwd=ROOT).stdout)
    assert (finding["cell"], finding["line"], finding["column"]) == (3, 5, 10)
    assert list(finding)[:4] == ["path", "cell", "line", "column"]
    assert finding["arguments"]["seed_lines"] == ["cell 1, line 5"]
    (plain,) = json.loads(seedlint("--format", "json", "-", stdin=FINDING, cwd=ROOT).stdout)
    assert "cell" not in plain and plain["line"] == 5


def test_sarif_places_the_finding_in_its_cell_and_validates() -> None:
    sarif = json.loads(seedlint("--format", "sarif", str(FIXTURE), cwd=ROOT).stdout)
    schema = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0-rtm.5.json").read_text())
    jsonschema.validate(sarif, schema)
    (result,) = sarif["runs"][0]["results"]
    (location,) = result["locations"]
    assert location["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 10}
    assert location["properties"] == {"cell": 3, "lineInCell": 5}
    assert result["message"]["text"].startswith("cell 3, line 5: `init_lora`")


def test_github_gitlab_and_junit_name_the_cell() -> None:
    github = seedlint("--format", "github", str(FIXTURE), cwd=ROOT).stdout
    assert github.startswith("::error file=" + str(FIXTURE) + ",title=SDL101 (cell 3%2C line 5)::")
    (issue,) = json.loads(seedlint("--format", "gitlab", str(FIXTURE), cwd=ROOT).stdout)
    assert issue["description"].startswith("SDL101 (cell 3, line 5) `init_lora`")
    assert issue["location"]["lines"] == {"begin": 5}
    junit = seedlint("--format", "junit", str(FIXTURE), cwd=ROOT).stdout
    assert f"{FIXTURE}:cell 3:line 5:10: SDL101" in junit


def test_a_syntax_error_in_one_cell_is_one_sdl001_naming_the_cell(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text(
        notebook(SEEDED_IN_A_BRANCH, ("markdown", "text"), "x = 1\ndef f(:\n    pass\n", "y = (")
    )
    result = seedlint("nb.ipynb", cwd=tmp_path)
    assert result.stdout == "nb.ipynb:cell 2:line 2:7: SDL001 syntax error: invalid syntax\n"


def test_magics_shell_and_help_lines_are_blanked_without_moving_lines(tmp_path: Path) -> None:
    cells = (
        SEEDED_IN_A_BRANCH,
        "%pip install mlx\nfiles = !ls -l\n?mx.random\nmx.random.normal??\n"
        "for i in range(2):\n    !echo {i}\nz = (1\n%2)\nlayer = mx.random.normal((2,))\n",
        "%%time\nb = mx.random.normal((2,))\n",
        '%%bash\necho "not python ("\n',
        "%%timeit -n 1\nc = mx.random.normal((2,))\n",
    )
    path = tmp_path / "nb.ipynb"
    path.write_text(notebook(*cells))
    assert placed(lint(path)) == [(2, 9, "SDL101"), (3, 2, "SDL101"), (5, 2, "SDL101")]
    module = read_notebook(str(path), path.read_bytes())
    assert isinstance(module, Module)
    lines = module.data.decode().splitlines()
    assert len(lines) == sum(len(c.splitlines()) for c in cells)
    assert lines[4:14] == [
        "",
        "",
        "",
        "",
        "for i in range(2):",
        "    pass",
        "z = (1",
        "%2)",  # inside brackets: Python's modulo, kept
        "layer = mx.random.normal((2,))",
        "",
    ]


def test_noqa_in_a_cell_is_honoured(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    assert placed(lint(FIXTURE)) == [(3, 5, "SDL101")]
    unsuppressed = tmp_path / "lora_init.ipynb"
    unsuppressed.write_text(text.replace("  # noqa: SDL101", ""), encoding="utf-8")
    assert placed(lint(unsuppressed)) == [(3, 5, "SDL101"), (4, 2, "SDL101")]


def test_the_lines_a_message_names_and_unused_noqa_are_placed_in_cells(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(
        notebook(
            "import mlx.core as mx\n",
            "def f(model, seed):\n    mx.random.seed(seed)\n"
            "    mask = mx.random.bernoulli(0.5, (4,))\n"
            "    model.lora_a = mx.random.normal((4, 4))\n",
            "x = 1  # noqa: SDL101\n",
        )
    )
    config = Config(select=("SDL201", "SDL901"))
    drift, unused = analyse([str(path)], config, config.load_packs()).diagnostics
    assert (drift.cell, drift.line, unused.cell, unused.line) == (2, 4, 3, 1)
    since = "at cell 2, line 3 drew from it since the seed at cell 2, line 2"
    assert since in drift.message
    assert dict(drift.arguments)["drawn_at"] == "cell 2, line 3"


def test_a_notebook_that_is_not_json_is_one_sdl001_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "broken.ipynb").write_text('{"cells": [\n  {"cell_type": "code",\n')
    (tmp_path / "old.ipynb").write_text('{"nbformat": 3, "worksheets": []}')
    (tmp_path / "real.py").write_text(FINDING)
    result = seedlint(".", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "broken.ipynb:3:1: SDL001 not a Jupyter notebook: invalid JSON: Expecting property "
        "name enclosed in double quotes",
        "old.ipynb:1:1: SDL001 nbformat 3 is not supported, only nbformat 4",
        "real.py:5:12: SDL101 `mx.random.normal` draws from the mlx RNG with no seed before "
        "it when `flag` is false; the seed at line 4 runs only on other paths",
    ]


def test_folders_are_searched_for_notebooks(tmp_path: Path) -> None:
    for name in ("a.py", "nb.ipynb", "sub/deep.ipynb", ".ipynb_checkpoints/nb-checkpoint.ipynb"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(notebook("x = 1\n") if name.endswith("ipynb") else "")
    (tmp_path / "skipped").mkdir()
    (tmp_path / "skipped" / "nb.ipynb").write_text(notebook("x = 1\n"))
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "pyproject.toml").write_text('[tool.seedlint]\nexclude = ["skipped"]\n')
    listed = seedlint("--show-files", ".", cwd=tmp_path).stdout.split()
    assert sorted(listed) == ["a.py", "nb.ipynb", "sub/deep.ipynb"]


def test_a_notebook_beside_a_module_of_its_name_sees_its_helpers(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text(
        "import mlx.nn as nn\n\n\ndef make_layer():\n    return nn.Linear(4, 4)\n"
    )
    (tmp_path / "train.py").write_text(FINDING)
    (tmp_path / "train.ipynb").write_text(
        notebook(SEEDED_IN_A_BRANCH + "from helpers import make_layer\n", "layer = make_layer()\n")
    )
    found = [(Path(d.path).name, d.cell, d.line) for d in lint(tmp_path)]
    assert found == [("train.ipynb", 2, 1), ("train.py", None, 5)]


def test_a_notebook_of_another_language_has_nothing_to_check(tmp_path: Path) -> None:
    (tmp_path / "r.ipynb").write_text(notebook("x <- c(1, 2", language="R"))
    assert seedlint("r.ipynb", cwd=tmp_path).returncode == 0


def test_the_cache_never_gives_another_notebooks_cells(tmp_path: Path) -> None:
    """The same code split into cells otherwise is the same module text: the cache must
    still place the finding in the cells of the notebook as it is now."""
    draw = "layer = mx.random.normal((2,))\n"
    path = tmp_path / "nb.ipynb"
    path.write_text(notebook(SEEDED_IN_A_BRANCH, "x = 1\n" + draw))
    cache = tmp_path / "cache"
    assert placed(lint(path, cache=cache)) == [(2, 2, "SDL101")]
    assert placed(lint(path, cache=cache)) == [(2, 2, "SDL101")]
    path.write_text(notebook(SEEDED_IN_A_BRANCH, "x = 1\n", draw))
    assert placed(lint(path, cache=cache)) == [(3, 1, "SDL101")]
    path.write_text(notebook(("markdown", "new"), "y = 2\n", SEEDED_IN_A_BRANCH, "x = 1\n", draw))
    assert placed(lint(path, cache=cache)) == [(4, 1, "SDL101")]


def test_flake8_reports_nothing_for_a_notebook(tmp_path: Path) -> None:
    text = notebook(SEEDED_IN_A_BRANCH, "layer = mx.random.normal((2,))\n")
    path = tmp_path / "nb.ipynb"
    path.write_text(text)
    checker = SeedlintChecker(None, str(path), text.splitlines(True))  # type: ignore[arg-type]
    assert list(checker.run()) == []
    flake8 = Path(sys.executable).parent / "flake8"
    result = subprocess.run(
        [str(flake8), "--select", "SDL", "nb.ipynb"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert "SDL" not in result.stdout
    assert placed(lint(path)) == [(2, 1, "SDL101")]  # what the command line reports


def test_the_pre_commit_hook_takes_a_notebook_with_its_package(tmp_path: Path) -> None:
    repo = write_package(tmp_path / "repo")  # pkg/helpers.py: make_layer() draws
    (repo / "pkg" / "explore.ipynb").write_text(
        notebook(SEEDED_IN_A_BRANCH, "from pkg.helpers import make_layer\n\nlayer = make_layer()\n")
    )
    env = {**ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        assert run(*command, cwd=repo).returncode == 0
    hook = ("try-repo", str(ROOT), "seedlint", "--files", "pkg/explore.ipynb")
    result = run(str(BIN / "pre-commit"), *hook, cwd=repo, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pkg/explore.ipynb:cell 2:line 3:9: SDL101 `make_layer`" in result.stdout


def test_cells_name_lines_of_the_module() -> None:
    cells = Cells((1, 4, 4, 9))  # code cell 2 is empty
    assert [cells.locate(n) for n in (1, 3, 4, 8, 9, 12)] == [
        (1, 1),
        (1, 3),
        (3, 1),
        (3, 5),
        (4, 1),
        (4, 4),
    ]
    assert cells.lines([2, 3, 10]) == "cell 1, lines 2, 3; cell 4, line 2"
    assert Cells().lines([3, 9]) == "lines 3, 9" and Cells().value(3) == 3
