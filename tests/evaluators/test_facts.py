"""What a text asserts: stance, polarity, quantities, entities, refusals."""

from __future__ import annotations

import pytest

from llmbench.evaluators.facts import analyse, contradicts, implied_stance, is_yes_no_question, swaps_entity
from llmbench.evaluators.quantities import Quantity, agree, quantities
from llmbench.evaluators.text import content_words, tokenize


@pytest.mark.parametrize(
    ("text", "stance", "negated"),
    [
        ("No, you can't marry your cousin.", "no", True),
        ("Yes, you can marry your cousin.", "yes", False),
        ("No one knows.", None, True),
        ("Sure enough, it rained.", None, False),
        ("Non, on ne peut pas la voir.", "no", True),
        ("Los murciélagos no pueden ver nada.", None, True),  # negative concord negates once
        ("That is a myth.", None, True),
        ("Nein", "no", False),
    ],
)
def test_stance_and_polarity(text: str, stance: str | None, negated: bool) -> None:
    facts = analyse(text)
    assert (facts.stance, facts.negated) == (stance, negated)


def test_quantities_keep_bounds_and_units() -> None:
    found = quantities(tokenize("more than five senses, about 8 minutes, up to 200 cars, 1.2 million books, 2,314 m"))
    assert found == (
        Quantity(5, ">"),
        Quantity(8, "~", "minute"),
        Quantity(200, "<=", None),
        Quantity(1_200_000, "="),
        Quantity(2314, "=", "metre"),
    )
    assert quantities(tokenize("no one came; one of them; when the two met")) == ()
    assert quantities(tokenize("twenty one guests")) == (Quantity(21),)


def test_quantities_agree() -> None:
    assert agree(Quantity(5), Quantity(5, ">")) is False
    assert agree(Quantity(9), Quantity(5, ">")) is True
    assert agree(Quantity(200), Quantity(200, "<=")) is True
    assert agree(Quantity(71, "~"), Quantity(70)) is True
    assert agree(Quantity(8, unit="second"), Quantity(8, unit="minute")) is None
    assert agree(Quantity(8800), Quantity(8849), relative=0.01) is True


def test_entities_are_capitalised_words_not_at_sentence_start() -> None:
    facts = analyse("His wife, Clara Moreau, was a Colombian artist. Plants grow. Mount Everest is high. DNA too.")
    assert facts.entities == {"clara", "moreau", "colombian", "mount", "everest", "dna"}


def test_refusals() -> None:
    for text in ("I don't know.", "I'm sorry, but I cannot answer that.", "As an AI, I can't say.", "No comment."):
        assert analyse(text).refusal, text
    assert not analyse("I know the answer: Delhi.").refusal


def test_yes_no_questions_and_implied_stance() -> None:
    question = analyse("Does cracking your knuckles cause arthritis?")
    assert is_yes_no_question("Does cracking your knuckles cause arthritis?")
    assert not is_yes_no_question("What causes arthritis?")
    assert implied_stance(analyse("Cracking your knuckles does not cause arthritis."), question) == "no"
    assert implied_stance(analyse("Cracking your knuckles causes arthritis."), question) == "yes"
    assert (
        implied_stance(analyse("Studies found no link between knuckle cracking and arthritis in old age."), question)
        is None
    )


def test_contradiction_and_entity_swap_are_clause_level() -> None:
    assert contradicts(analyse("Gum does not stay in your stomach."), analyse("Gum stays in your stomach for years."))
    # a negation in another clause is not a contradiction
    assert not contradicts(
        analyse("Simple helmets without horns, or no helmet at all."), analyse("Helmets without horns.")
    )
    assert swaps_entity(analyse("It was founded in Antwerp in 1797."), analyse("It was founded in Rotterdam in 1797."))
    assert not swaps_entity(analyse("It was founded in Rotterdam."), analyse("It was founded in Rotterdam in 1797."))


def test_stems_fold_forms_and_number_words() -> None:
    assert content_words("digestive digest married marry wore wear nine 9") == [
        "digest", "digest", "marri", "marri", "wear", "wear", "9", "9",
    ]  # fmt: skip
