import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudwarn.text.disguise import TRICKS, attack
from fraudwarn.text.normalize import normalize

SAMPLE = "刷单兼职，加微信 lisa_8866，先垫付后返利，转账到银行卡，日赚500元"


@pytest.mark.parametrize("trick", [*TRICKS, "combined"])
def test_each_trick_changes_the_text_and_normalisation_undoes_it(trick):
    disguised = attack(SAMPLE, [trick], seed=1)
    assert disguised != SAMPLE
    assert normalize(disguised) == normalize(SAMPLE)


def test_attacks_are_deterministic():
    assert attack(SAMPLE, ["combined"], seed=3) == attack(SAMPLE, ["combined"], seed=3)
    assert len({attack(SAMPLE, ["spacing"], seed=s) for s in range(5)}) > 1


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60), st.sampled_from([*TRICKS, "combined"]))
def test_attack_never_raises(text, trick):
    assert isinstance(attack(text, [trick], seed=random.randint(0, 9)), str)
