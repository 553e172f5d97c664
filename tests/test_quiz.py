"""Quiz versions: question choice and order (studykit.quiz)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from studykit.quiz import _spread_facts


@dataclass(frozen=True)
class Q:
    fact: str
    n: int


def reference_spread(questions):
    """The rule, written the slow and obvious way: take the earliest question on another fact."""
    rest, out = list(questions), []
    while rest:
        last = out[-1].fact if out else None
        out.append(rest.pop(next((i for i, q in enumerate(rest) if q.fact != last), 0)))
    return out


@given(st.lists(st.sampled_from("abcd"), max_size=30))
def test_spreading_facts_is_the_rule_in_linear_time(facts):
    questions = [Q(f, i) for i, f in enumerate(facts)]
    assert _spread_facts(questions) == reference_spread(questions)


def test_spreading_a_large_set_is_linear():
    questions = [Q(str(i // 3), i) for i in range(300_000)]  # runs of three questions per fact
    spread = _spread_facts(questions)
    assert sorted(q.n for q in spread) == list(range(300_000))
    assert sum(1 for a, b in pairwise(spread) if a.fact == b.fact) <= 2
