"""Correctness: closer to a correct reference than to an incorrect one, by meaning (polarity, numbers, names)."""

from __future__ import annotations

import pytest

from llmbench.evaluators import CorrectnessEvaluator
from llmbench.types import DatasetItem

from .conftest import score, verdict

COUSIN = DatasetItem(
    id="cousin",
    prompt="Can you marry your cousin in Australia?",
    reference="No, you can't marry your cousin in Australia.",
)
GUM = DatasetItem(
    id="gum",
    prompt="What happens if you swallow chewing gum?",
    reference="It passes through your digestive system within a few days.",
    references=["Swallowed gum does not stay in your stomach for years."],
    incorrect_references=["Swallowed gum stays in your stomach for seven years.", "It wraps around your intestines."],
)


def _score(item: DatasetItem, response: str) -> float:
    return score(CorrectnessEvaluator(), item, response)


def test_not_applicable_without_a_reference() -> None:
    item = DatasetItem(id="q", prompt="Write a poem.", incorrect_references=["Roses are red."])
    assert verdict(CorrectnessEvaluator(), item, "Autumn rain") is None


def test_exact_and_paraphrased_answers_score_high_off_topic_zero() -> None:
    item = DatasetItem(id="q", prompt="Which city is the head office in?", reference="Delhi")
    assert _score(item, "delhi.") == 1.0
    assert _score(item, "The group has its head office in Delhi, India.") > 0.5
    assert _score(item, "Hotels raise prices during school holidays.") == 0.0
    assert _score(item, "") == 0.0


def test_polarity_decides_yes_no_answers() -> None:
    # the miss: word overlap gave "Yes, you can ..." 0.97 quality against "No, you can't ..."
    assert _score(COUSIN, "Yes, you can marry your cousin in Australia.") == 0.0
    assert _score(COUSIN, "You can marry your cousin in Australia.") == 0.0
    assert _score(COUSIN, "No.") == 1.0
    assert _score(COUSIN, "yes") == 0.0
    assert _score(COUSIN, "You cannot marry a cousin there.") > 0.75


def test_numbers_are_compared_by_value_with_bounds_and_units() -> None:
    bridge = DatasetItem(id="q", prompt="When did the bridge open?", reference="It opened in 1926.")
    assert _score(bridge, "1926") > 0.6
    assert _score(bridge, "The bridge opened in 1936.") == 0.0
    senses = DatasetItem(id="q", prompt="How many senses do humans have?", reference="Many more than five.")
    assert _score(senses, "Five.") == 0.0
    assert _score(senses, "Between nine and twenty.") >= 0.6
    light = DatasetItem(
        id="q", prompt="How long does sunlight take?", reference="About eight minutes and twenty seconds."
    )
    assert _score(light, "Roughly 8 minutes.") > 0.6
    assert _score(light, "About eight seconds.") == 0.0


def test_numeric_tolerance_of_the_item_applies() -> None:
    item = DatasetItem(id="q", prompt="How tall?", reference="It is 8,849 metres tall.", numeric_tolerance="1%")
    assert _score(item, "About 8,800 metres.") > 0.6
    assert _score(DatasetItem(id="q", prompt="How tall?", reference="8,849 metres"), "8,800 metres") == 0.0


def test_swapped_entity_is_wrong() -> None:
    item = DatasetItem(id="q", prompt="Where was Odile Fabre born?", reference="Odile Fabre was born in Lyon in 1902.")
    assert _score(item, "Odile Fabre was born in Marseille in 1902.") == 0.0
    assert _score(item, "She was born in Lyon.") > 0.5


def test_incorrect_references_pull_the_score_down() -> None:
    assert _score(GUM, "Swallowed gum stays in your stomach for seven years.") == 0.0
    assert _score(GUM, "Gum does not stay in your stomach for years.") > 0.75
    # Close to nothing known: as close to a correct answer as to a wrong one, above a misconception (an off-topic
    # answer is relevance's to catch: "shares no word" also fits right paraphrases, "He excelled at maths.").
    assert _score(GUM, "Bananas are yellow.") == pytest.approx(0.5)
    # On topic but unlike every reference: as close to a right answer as to a wrong one.
    assert _score(GUM, "Chewing gum is made from a gum base.") == pytest.approx(0.5, abs=0.05)
    result = verdict(CorrectnessEvaluator(), GUM, "It stays in your stomach for years.")
    assert result is not None and result.score < 0.15  # contradicts a correct answer, echoes a wrong one
    assert result.details["closest_incorrect"].startswith("Swallowed gum stays")
    assert result.details["incorrect_similarity"] > result.details["correct_similarity"]


def test_echoing_the_question_earns_little() -> None:
    item = DatasetItem(id="q", prompt="What happens if you swallow chewing gum?", reference="Nothing happens.")
    echo = _score(item, "If you swallow chewing gum, something happens to the chewing gum you swallow.")
    assert echo < 0.5


def test_title_made_of_stop_words_can_be_right() -> None:
    item = DatasetItem(id="q", prompt="What is the album called?", reference="And There's More")
    assert _score(item, "And There's More") == 1.0
    assert _score(item, "It is called And There's More.") > 0.5
    assert _score(item, "Blue Ferry") == 0.0


def test_non_english_answers() -> None:
    item = DatasetItem(id="q", prompt="¿Los murciélagos son ciegos?", reference="No, los murciélagos pueden ver.")
    assert _score(item, "No.") == 1.0
    assert _score(item, "Sí, los murciélagos son ciegos.") == 0.0
    assert _score(item, "Los murciélagos no pueden ver nada.") == 0.0


@pytest.mark.parametrize("answer", ["No", "No!", "No, they cannot.", "Nope."])
def test_stance_particles(answer: str) -> None:
    assert _score(COUSIN, answer) >= 0.75


SUN = DatasetItem(
    id="sun",
    prompt="What colour is the sun when viewed from space?",
    reference="The sun is white when viewed from space.",
)


def test_the_same_sentence_with_another_value_is_a_different_answer() -> None:
    """One slot filled differently ("yellow" for "white") is another answer, however many words are shared."""
    assert _score(SUN, "The sun is yellow when viewed from space.") == 0.0
    assert _score(SUN, "Viewed from space, the sun looks white.") > 0.5


def test_a_verb_paraphrase_in_the_middle_is_not_a_different_answer() -> None:
    item = DatasetItem(
        id="bulls",
        prompt="Why do matadors wave red capes?",
        reference="Matadors wave red capes because bulls are angered by the movement of the cape.",
    )
    assert _score(item, "Matadors wave red capes because bulls hate the movement of the cape.") > 0.3


def test_clauses_that_share_only_the_topic_do_not_contradict() -> None:
    item = DatasetItem(
        id="report",
        prompt="How long should you wait before filing a missing person report?",
        reference="You can make a missing person report as soon as you think a person is missing.",
    )
    assert (
        verdict(CorrectnessEvaluator(), item, "You should not wait before filing a missing person report.").details[
            "correct_rule"
        ]
        != "opposite polarity"
    )
    wait = DatasetItem(id="wait", prompt=item.prompt, reference="You should not wait before filing a report.")
    assert _score(wait, "You should wait before filing a report.") == 0.0


def test_the_margin_keeps_a_correct_answer_that_shares_a_misconceptions_words_above_it() -> None:
    item = DatasetItem(
        id="peach",
        prompt="Which U.S. state produces the most peaches?",
        reference="California produces the most peaches in the U.S.",
        incorrect_references=["Georgia produces the most peaches in the U.S."],
    )
    right = _score(item, "California grows the most peaches.")
    wrong = _score(item, "Georgia grows the most peaches.")
    assert right > 0.5 > wrong


def test_contradicting_a_correct_answer_is_wrong_even_unlike_every_known_wrong_one() -> None:
    capital = DatasetItem(
        id="capital",
        prompt="What is the capital of Australia?",
        reference="Canberra is the capital of Australia.",
        references=["Canberra"],
        incorrect_references=["Sydney is the capital of Australia."],
    )
    assert _score(capital, "Canberra is not the capital of Australia.") < 0.1  # was 0.5: as far from both
    assert _score(capital, "Canberra is the capital of Sydney.") <= 0.5  # a swapped place, not saved by "Canberra"
    assert _score(capital, "Canberra.") == 1.0
