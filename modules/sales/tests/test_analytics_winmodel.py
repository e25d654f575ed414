"""The naive Bayes win model and the AUC, against figures worked out by hand (no database)."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from modules.sales.analytics.winmodel import amount_band, amount_cuts, auc, train

CHANNEL_ONLY = ("channel",)
#: 3 won (web, web, field), 4 lost (web, field, field, field)
SAMPLES = [
    {"channel": "web", "won": True}, {"channel": "web", "won": True}, {"channel": "field", "won": True},
    {"channel": "web", "won": False}, {"channel": "field", "won": False}, {"channel": "field", "won": False},
    {"channel": "field", "won": False},
]


def test_laplace_smoothed_naive_bayes_matches_the_hand_computation() -> None:
    model = train(SAMPLES, features=CHANNEL_ONLY)
    assert (model.won, model.lost) == (3, 4)
    assert model.counts == {"channel": {"web": [2, 1], "field": [1, 3]}}
    # K = 2 values + 1 unseen = 3; P(web|won) = 3/6, P(web|lost) = 2/7; prior odds (3+1)/(4+1) = 4/5
    # odds(web) = 4/5 * (3/6) / (2/7) = 7/5  -> P = 7/12
    assert model.predict({"channel": "web"}) == pytest.approx(float(Fraction(7, 12)))
    # odds(field) = 4/5 * (2/6) / (4/7) = 7/15 -> P = 7/22
    assert model.predict({"channel": "field"}) == pytest.approx(float(Fraction(7, 22)))
    # never seen: 4/5 * (1/6) / (1/7) = 14/15 -> P = 14/29
    assert model.predict({"channel": "mobile"}) == pytest.approx(float(Fraction(14, 29)))


def test_features_multiply_independently() -> None:
    samples = [dict(s, tier="gold" if i % 2 else "standard") for i, s in enumerate(SAMPLES)]
    model = train(samples, features=("channel", "tier"))
    # tier: gold at indexes 1,3,5 -> won 1 (idx1), lost 2 (idx3, idx5); standard: won 2, lost 2
    assert model.counts["tier"] == {"standard": [2, 2], "gold": [1, 2]}
    # odds(web, gold) = 4/5 * (3/6)/(2/7) * (2/6)/(3/7) = 7/5 * 7/9 = 49/45
    assert model.predict({"channel": "web", "tier": "gold"}) == pytest.approx(49 / 94)


def test_missing_values_are_a_value_of_their_own() -> None:
    model = train([{"source": None, "won": True}, {"source": "fair", "won": False}], features=("source",))
    assert model.counts["source"] == {"": [1, 0], "fair": [0, 1]}
    assert model.predict({"source": None}) > 0.5 > model.predict({"source": "fair"})


def test_amount_bands_are_quantiles_of_the_training_amounts() -> None:
    amounts = [Decimal(n) for n in range(1, 11)]
    cuts = amount_cuts(amounts, 5)
    assert cuts == [Decimal(3), Decimal(5), Decimal(7), Decimal(9)]
    assert [amount_band(Decimal(x), cuts) for x in ("1", "2.99", "3", "8.50", "9", "1000")] == \
        ["0", "0", "1", "3", "4", "4"]
    assert amount_band(None, cuts) == ""
    # equal amounts give no empty bands
    assert amount_cuts([Decimal(5)] * 10, 5) == [Decimal(5)]


def test_model_survives_a_json_round_trip() -> None:
    samples = [{"channel": c, "amount": Decimal(a), "won": w}
               for c, a, w in [("web", "100", True), ("web", "900", False), ("field", "5000", True),
                               ("field", "50", False), ("partner", "700", True)]]
    model = train(samples, features=("channel", "amount_band"))
    again = type(model).from_json(json.loads(json.dumps(model.to_json())))
    for sample in samples + [{"channel": "mobile", "amount": Decimal("12")}]:
        assert again.predict(sample) == pytest.approx(model.predict(sample))
    assert again.cuts == model.cuts


def test_top_features_rank_by_strength_and_skip_rare_values() -> None:
    model = train(SAMPLES, features=CHANNEL_ONLY)
    top = model.top_features(min_support=1)
    # |ln(7/4)| = 0.56 for web, |ln(7/12)| = 0.54 for field
    assert [(t["feature"], t["value"]) for t in top] == [("channel", "web"), ("channel", "field")]
    assert top[1]["weight"] < 0 < top[0]["weight"]
    assert top[0]["win_rate"] == pytest.approx(2 / 3)
    assert model.top_features(min_support=5) == []


def test_auc_by_rank_statistic() -> None:
    # the textbook example: 3 of the 4 positive/negative pairs are ordered right
    assert auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == pytest.approx(0.75)
    assert auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auc([0.1, 0.2, 0.9], [True, True, False]) == 0.0
    # ties count half
    assert auc([0.5, 0.5], [True, False]) == 0.5
    assert auc([0.3, 0.5, 0.5, 0.7], [False, True, False, True]) == pytest.approx(0.875)
    assert auc([0.1, 0.2], [True, True]) is None
    with pytest.raises(ValueError):
        auc([0.1], [True, False])


def test_a_model_learns_signal_it_was_given() -> None:
    """Won deals come mostly from partners: the AUC on fresh data of the same kind is well above chance."""
    import random

    rnd = random.Random(4)

    def draw(n: int) -> list[dict[str, object]]:
        rows = []
        for _ in range(n):
            channel = rnd.choice(["partner", "web", "telesales"])
            rate = {"partner": 0.7, "web": 0.3, "telesales": 0.15}[channel]
            rows.append({"channel": channel, "won": rnd.random() < rate})
        return rows

    model = train(draw(2000))
    test = draw(1000)
    score = auc([model.predict(r) for r in test], [bool(r["won"]) for r in test])
    assert score is not None and score > 0.7
