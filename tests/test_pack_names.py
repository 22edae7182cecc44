"""How a pack's call names match qualified names: exact, `*` inside a part, `.*` below."""

from __future__ import annotations

import pytest

from seedlint.parse.prefilter import Vocabulary
from seedlint.resolve.packs import Kind, PackError, build_packs, index_entries, parse_pack

DOCUMENT = {
    "consume": [
        {"call": ["lib.*ForCausalLM", "lib.models.*.*Model"], "streams": ["torch"]},
        {"call": ["lib.random.*"], "streams": ["torch"]},
    ],
    "pure": [{"call": ["lib.TF*", "lib.ExactForCausalLM"]}],
}


@pytest.fixture(scope="module")
def packs():
    return index_entries(parse_pack(DOCUMENT, "test.toml"), ("test",))


@pytest.mark.parametrize(
    ("qualname", "kind"),
    [
        ("lib.LlamaForCausalLM", Kind.CONSUME),
        ("lib.models.llama.LlamaModel", Kind.CONSUME),
        ("lib.random.normal", Kind.CONSUME),
        ("lib.random.sub.normal", Kind.CONSUME),  # `.*` reaches everything below
        ("lib.TFLlamaForCausalLM", Kind.PURE),  # the glob read last wins
        ("lib.ExactForCausalLM", Kind.PURE),  # an exact name wins over a glob
    ],
)
def test_names_that_match(packs, qualname: str, kind: Kind) -> None:
    entry = packs.lookup(qualname)
    assert entry is not None and entry.kind is kind


@pytest.mark.parametrize(
    "qualname",
    [
        "lib.LlamaForCausalLM.from_pretrained",  # `*` never crosses a dot
        "lib.sub.LlamaForCausalLM",
        "lib.models.LlamaModel",
        "other.LlamaForCausalLM",
    ],
)
def test_names_that_do_not_match(packs, qualname: str) -> None:
    assert packs.lookup(qualname) is None


def test_the_prefilter_sees_a_file_that_names_a_glob(packs) -> None:
    vocabulary = Vocabulary.of(packs)
    assert vocabulary.mentioned_in(b"model = LlamaForCausalLM(config)")
    assert not vocabulary.mentioned_in(b"model = LlamaForCausalLMs(config)")


def test_the_transformers_pack_builds_model_classes_from_configs() -> None:
    packs = build_packs(["transformers"])
    built = packs.lookup("transformers.LlamaForCausalLM")
    assert built is not None and built.kind is Kind.CONSUME and built.initialises
    for pure in ("transformers.TFLlamaForCausalLM", "transformers.PreTrainedModel"):
        entry = packs.lookup(pure)
        assert entry is not None and entry.kind is Kind.PURE, pure


@pytest.mark.parametrize("name", ["lib..x", "lib.x-y", ".lib"])
def test_malformed_names_are_errors(name: str) -> None:
    with pytest.raises(PackError, match="is not a valid name"):
        parse_pack({"pure": [{"call": [name]}]}, "bad.toml")
