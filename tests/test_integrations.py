"""Where users run seedlint, each with the real tool: pre-commit, flake8, an LSP editor
server (python-lsp-server with its flake8 plugin), SARIF, GitHub output, baselines."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema

from tests.conftest import ROOT

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}

HELPER = "import mlx.nn as nn\n\n\ndef make_layer():\n    return nn.Linear(4, 4)\n"
MAIN = (
    "import mlx.core as mx\n\nfrom .helpers import make_layer\n\n\n"
    "def build(seed, warm):\n    if warm:\n        mx.random.seed(seed)\n"
    "    return make_layer()\n"
)
FIXED = MAIN.replace("    if warm:\n        mx.random.seed(seed)\n", "    mx.random.seed(seed)\n")


def write_package(folder: Path) -> Path:
    """pkg/ with a helper that draws and a main module whose finding needs that helper."""
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "__init__.py").write_text("")
    (folder / "pkg" / "helpers.py").write_text(HELPER)
    (folder / "pkg" / "main.py").write_text(MAIN)
    return folder


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, env=env or ENV, timeout=900
    )


def seedlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "seedlint", *args, cwd=cwd)


def test_the_readmes_pre_commit_snippet_works_as_written(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    after = readme[readme.index("**pre-commit**") :]
    snippet = after[after.index("```yaml\n") + len("```yaml\n") : after.index("```\n", 8)]
    repo = write_package(tmp_path / "repo")
    (repo / ".pre-commit-config.yaml").write_text(snippet)
    env = {**ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        assert run(*command, cwd=repo).returncode == 0
    hook = ("run", "--files", "pkg/main.py")
    failed = run(str(BIN / "pre-commit"), *hook, cwd=repo, env=env)
    assert failed.returncode == 1 and "pkg/main.py:9:12: SDL101" in failed.stdout, failed.stdout
    (repo / "pkg" / "main.py").write_text(FIXED)
    passed = run(str(BIN / "pre-commit"), *hook, cwd=repo, env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_pre_commit_hook_fails_then_passes(tmp_path: Path) -> None:
    repo = write_package(tmp_path / "repo")
    env = {**ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}

    def hook() -> subprocess.CompletedProcess[str]:
        command = ("try-repo", str(ROOT), "seedlint", "--files", "pkg/main.py")
        return run(str(BIN / "pre-commit"), *command, cwd=repo, env=env)

    for command in (["git", "init", "-q"], ["git", "add", "."]):
        assert run(*command, cwd=repo).returncode == 0
    # Only main.py is passed: the hook must still see the helper in pkg/helpers.py.
    failed = hook()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "pkg/main.py:9:12: SDL101" in failed.stdout
    (repo / "pkg" / "main.py").write_text(FIXED)
    run("git", "add", ".", cwd=repo)
    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_flake8_reports_what_seedlint_reports(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(ROOT / "fixtures", fixtures)
    ours = json.loads(seedlint("--format", "json", ".", cwd=fixtures).stdout)
    # flake8 runs no plugin on a file with a syntax error: it reports E999 there itself;
    # it reads no notebooks (the plugin leaves them to the command line).
    expected = {
        (Path(d["path"]).as_posix(), d["line"], d["column"], d["code"])
        for d in ours
        if not d["message"].startswith("syntax error") and "cell" not in d
    }
    result = run(str(BIN / "flake8"), "--select", "SDL", ".", cwd=fixtures)
    found = set()
    for line in result.stdout.splitlines():
        path, number, column, rest = line.split(":", 3)
        found.add((Path(path).as_posix(), int(number), int(column), rest.split()[0]))
    assert expected and found == expected


def test_flake8_honours_noqa_and_reads_helpers_from_disk(tmp_path: Path) -> None:
    write_package(tmp_path)
    result = run(str(BIN / "flake8"), "--select", "SDL", "pkg/main.py", cwd=tmp_path)
    assert "pkg/main.py:9:12: SDL101" in result.stdout
    (tmp_path / "pkg" / "main.py").write_text(
        MAIN.replace("make_layer()\n", "make_layer()  # noqa: SDL101\n")
    )
    result = run(str(BIN / "flake8"), "--select", "SDL", "pkg/main.py", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""


def test_flake8_does_no_seedlint_work_unless_sdl_codes_are_selected(tmp_path: Path) -> None:
    write_package(tmp_path)
    cache = tmp_path / "cache"
    env = {**ENV, "SEEDLINT_CACHE_DIR": str(cache)}
    for select in ("E9", "E,W,F"):
        result = run(str(BIN / "flake8"), "--select", select, "pkg/main.py", cwd=tmp_path, env=env)
        assert result.returncode == 0 and not cache.exists(), select
    ignored = run(
        str(BIN / "flake8"), "--extend-ignore", "SDL", "pkg/main.py", cwd=tmp_path, env=env
    )
    assert "SDL101" not in ignored.stdout and not cache.exists()
    chosen = run(str(BIN / "flake8"), "--select", "E9,SDL1", "pkg/main.py", cwd=tmp_path, env=env)
    assert "pkg/main.py:9:12: SDL101" in chosen.stdout and cache.is_dir()


def test_flake8_answers_a_crlf_file_from_the_cache(tmp_path: Path) -> None:
    """flake8 hands over a CRLF file's lines with LF: that is the file as saved, not an
    unsaved buffer, so the run's answer is cached and the next run reads it."""
    write_package(tmp_path)
    for name in ("main.py", "helpers.py"):
        module = tmp_path / "pkg" / name
        module.write_bytes(module.read_bytes().replace(b"\n", b"\r\n"))
    cache = tmp_path / "cache"
    env = {**ENV, "SEEDLINT_CACHE_DIR": str(cache)}
    for _ in range(2):
        result = run(str(BIN / "flake8"), "--select", "SDL", "pkg/main.py", cwd=tmp_path, env=env)
        assert "pkg/main.py:9:12: SDL101" in result.stdout
    assert list((cache / "run").glob("*/*"))  # answers are cached only for saved text


def test_flake8_checks_an_unsaved_buffer_with_its_package_from_disk(tmp_path: Path) -> None:
    """An editor hands flake8 the buffer on stdin: its findings, not the saved file's."""
    write_package(tmp_path)
    flake8 = (str(BIN / "flake8"), "--select", "SDL", "--stdin-display-name", "pkg/main.py", "-")

    def buffer(text: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            flake8, input=text, cwd=tmp_path, capture_output=True, text=True, env=ENV
        )

    assert buffer(FIXED).stdout == ""  # the disk's text has the finding; the buffer does not
    moved = MAIN.replace("    return make_layer()\n", "    x = 1\n    return make_layer()\n")
    assert "pkg/main.py:10:12: SDL101" in buffer(moved).stdout  # where the buffer has it
    (tmp_path / "pkg" / "main.py").write_text(FIXED)
    assert "pkg/main.py:9:12: SDL101" in buffer(MAIN).stdout  # and the other way round
    saved = run(str(BIN / "flake8"), "--select", "SDL", "pkg/main.py", cwd=tmp_path)
    assert saved.returncode == 0 and saved.stdout == ""


def _lsp_message(stream: Any) -> dict[str, Any]:
    length = 0
    while True:
        header = stream.readline().decode()
        if header in ("\r\n", ""):
            break
        if header.lower().startswith("content-length:"):
            length = int(header.split(":")[1])
    return json.loads(stream.read(length))


def _lsp_send(stream: Any, message: dict[str, Any]) -> None:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    stream.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    stream.flush()


def test_editor_gets_diagnostics_through_python_lsp_server(tmp_path: Path) -> None:
    write_package(tmp_path)
    uri = (tmp_path / "pkg" / "main.py").as_uri()
    server = subprocess.Popen(
        [sys.executable, "-m", "pylsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
        env=ENV,
    )
    try:
        assert server.stdin and server.stdout
        _lsp_send(
            server.stdin,
            {
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}},
            },
        )
        while _lsp_message(server.stdout).get("id") != 1:
            pass
        _lsp_send(server.stdin, {"method": "initialized", "params": {}})
        plugins = {
            name: {"enabled": False}
            for name in ("pycodestyle", "pyflakes", "mccabe", "autopep8", "yapf", "pydocstyle")
        }
        plugins["flake8"] = {"enabled": True, "select": ["SDL"]}
        _lsp_send(
            server.stdin,
            {
                "method": "workspace/didChangeConfiguration",
                "params": {
                    "settings": {"pylsp": {"configurationSources": ["flake8"], "plugins": plugins}}
                },
            },
        )
        _lsp_send(
            server.stdin,
            {
                "method": "textDocument/didOpen",
                "params": {
                    "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": MAIN}
                },
            },
        )
        assert _published(server.stdout) == [{"line": 8, "character": 11}]
        # An unsaved edit that seeds on every path: the finding goes, the disk unchanged.
        _lsp_send(
            server.stdin,
            {
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": uri, "version": 2},
                    "contentChanges": [{"text": FIXED}],
                },
            },
        )
        assert _published(server.stdout) == []
        assert (tmp_path / "pkg" / "main.py").read_text() == MAIN
    finally:
        server.kill()


def _published(stream: Any) -> list[dict[str, int]]:
    """Where the next diagnostics the server publishes put SDL101."""
    for _ in range(50):
        message = _lsp_message(stream)
        if message.get("method") == "textDocument/publishDiagnostics":
            diagnostics = message["params"]["diagnostics"]
            return [d["range"]["start"] for d in diagnostics if d.get("code") == "SDL101"]
    raise AssertionError("no diagnostics were published")


def test_sarif_validates_and_has_one_result_per_finding(corpus: Path, tmp_path: Path) -> None:
    package = corpus / "unsloth-zoo-2026.5.3"
    sarif = json.loads(seedlint("--format", "sarif", str(package), cwd=tmp_path).stdout)
    plain = json.loads(seedlint("--format", "json", str(package), cwd=tmp_path).stdout)
    schema = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0-rtm.5.json").read_text())
    jsonschema.validate(sarif, schema)
    results = sarif["runs"][0]["results"]
    assert len(results) == len(plain) > 0
    assert len({r["partialFingerprints"]["seedlint/v1"] for r in results}) == len(results)
    driver = sarif["runs"][0]["tool"]["driver"]
    assert {"SDL101", "SDL201"} <= {rule["id"] for rule in driver["rules"]}
    assert not any(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("/")
        for r in results
    )


def test_github_annotations(tmp_path: Path) -> None:
    write_package(tmp_path)
    out = seedlint("--format", "github", "pkg", cwd=tmp_path).stdout
    assert out.startswith("::error file=pkg/main.py,line=9,col=12,title=SDL101::")


def test_baseline_survives_inserted_lines_and_catches_new_findings(
    corpus: Path, tmp_path: Path
) -> None:
    work = tmp_path / "zoo"
    shutil.copytree(corpus / "unsloth-zoo-2026.5.3" / "unsloth_zoo", work / "unsloth_zoo")
    assert seedlint("--write-baseline", "base.json", "unsloth_zoo", cwd=work).returncode == 0
    loader = work / "unsloth_zoo" / "mlx" / "loader.py"
    lines = loader.read_text().splitlines(keepends=True)
    loader.write_text("\n" * 5 + "".join(lines))
    assert seedlint("--baseline", "base.json", "unsloth_zoo", cwd=work).stdout == ""
    lines = loader.read_text().splitlines(keepends=True)
    seed_line = 2860 + 5  # the seed right before `linear_to_lora_layers(` (VLM language path)
    assert "_seed_mlx_random_state(random_state)" in lines[seed_line - 1]
    del lines[seed_line - 1]
    loader.write_text("".join(lines))
    result = seedlint("--baseline", "base.json", "unsloth_zoo", cwd=work)
    new = result.stdout.splitlines()
    assert result.returncode == 1 and len(new) == 1
    assert new[0].startswith("unsloth_zoo/mlx/loader.py:2865:") and "SDL101" in new[0]
    assert "linear_to_lora_layers" in new[0]


def test_flake8_and_hook_read_the_same_configuration(tmp_path: Path) -> None:
    write_package(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.seedlint]\nper-file-ignores = { "pkg/main.py" = ["SDL101"] }\n'
    )
    flake8 = run(str(BIN / "flake8"), "--select", "SDL", "pkg/main.py", cwd=tmp_path)
    hook = seedlint("--no-cache", "--context", "package", "pkg/main.py", cwd=tmp_path)
    assert (flake8.stdout, hook.stdout, hook.returncode) == ("", "", 0)
    (tmp_path / "pyproject.toml").write_text("[tool.seedlint]\nadjacency = 3\n")
    flake8 = run(str(BIN / "flake8"), "--select", "SDL", "pkg/main.py", cwd=tmp_path)
    hook = seedlint("--no-cache", "--context", "package", "pkg/main.py", cwd=tmp_path)
    assert "SDL001" in flake8.stdout and "'adjacency'" in flake8.stdout
    assert hook.returncode == 2 and "'adjacency'" in hook.stderr


def test_the_projects_own_pre_commit_config_passes_on_its_code(tmp_path: Path) -> None:
    """.pre-commit-config.yaml: ruff, mypy and seedlint on seedlint, run by pre-commit."""
    repo = tmp_path / "repo"
    shutil.copytree(
        ROOT,
        repo,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            ".corpus",
            ".realworld",
            ".bench-corpus",
            "__pycache__",
            ".mypy_cache",
            ".ruff_cache",
            ".pytest_cache",
            ".hypothesis",
            "build",
            "dist",
        ),
    )
    env = {**ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        assert run(*command, cwd=repo).returncode == 0
    result = run(str(BIN / "pre-commit"), "run", "--all-files", cwd=repo, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    passed = {
        line.split(".", 1)[0] for line in result.stdout.splitlines() if line.endswith("Passed")
    }
    hooks = {
        "ruff check",
        "ruff format",
        "mypy strict",
        "seedlint on its own code",
    }
    assert passed == hooks, result.stdout


def test_flake8_given_one_file_works_out_its_findings_while_it_checks_it(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """flake8 given one file: the findings are begun when flake8 parses its options, in
    a child that reads the file as flake8 does; the plugin takes them only for the same
    name and lines. Given two files, nothing is begun early."""
    from flake8.main.application import Application

    from seedlint.integrations.flake8_plugin import SeedlintChecker

    write_package(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEEDLINT_CACHE_DIR", str(tmp_path / "cache"))
    lines = MAIN.splitlines(keepends=True)

    def begun(*arguments: str) -> Any:
        Application().initialize(["--select", "SDL", *arguments])
        early, SeedlintChecker.early = SeedlintChecker.early, None
        return early

    try:
        early = begun("pkg/main.py")
        assert early is not None and early.job.filename == "pkg/main.py"
        found = early.take("pkg/main.py", lines)
        assert found is not None and [(d.line, d.column, d.code) for d in found] == [
            (9, 12, "SDL101")
        ]
        early.stop()  # (flake8's exit does: the child has written the cache by then)
        assert not early.worker.alive()
        assert list((tmp_path / "cache" / "state").glob("*/*"))
        edited = begun("pkg/main.py")  # (the buffer flake8 hands over differs)
        assert edited is not None
        assert edited.take("pkg/main.py", [*lines[:-1], "    return None\n"]) is None
        assert not edited.worker.alive()
        assert begun("pkg/main.py", "pkg/helpers.py") is None
    finally:
        for worker in SeedlintChecker.warm:
            worker.stop()
        SeedlintChecker.warm = ()


def test_the_command_starts_its_parser_worker_before_its_command_line_is_imported(
    tmp_path: Path,
) -> None:
    probe = (
        "import sys\n"
        "import seedlint.lower.warm as warm\n"
        "start = warm.start_early\n"
        "def recorded():\n"
        "    print('started, click imported:', 'click' in sys.modules)\n"
        "    start()\n"
        "warm.start_early = recorded\n"
        "take = warm.warm_worker\n"
        "def taking():\n"
        "    print('the run takes the early one:', warm._early is not None)\n"
        "    return take()\n"
        "warm.warm_worker = taking\n"
        "from seedlint.__main__ import main\n"
        "sys.argv = ['seedlint', *sys.argv[1:]]\n"
        "main()\n"
    )
    (tmp_path / "a.py").write_text("x = 1\n")
    checked = run(sys.executable, "-c", probe, "a.py", "--no-cache", cwd=tmp_path)
    assert "started, click imported: False" in checked.stdout, checked.stderr
    assert "the run takes the early one: True" in checked.stdout
    rule = run(sys.executable, "-c", probe, "rule", "SDL101", cwd=tmp_path)
    assert rule.returncode == 0 and "started" not in rule.stdout


def test_the_command_knows_which_subcommands_parse_nothing() -> None:
    # seedlint.__main__ lists them itself (reading them from click would import the
    # command line it starts the worker before): a new subcommand must be sorted there.
    from seedlint import __main__ as entry
    from seedlint import cli

    subcommands = set(cli.main.commands)
    assert "check" in subcommands
    assert (subcommands - {"check"}) | set(cli._GROUP_FLAGS) == entry._NOT_CHECKING
