"""The learned win probability: naive Bayes over what is known about an opportunity.

Pure Python, no database: ``train(samples)`` counts, ``WinModel.predict``
scores, ``auc(scores, labels)`` measures. ``learning.py`` reads the samples
from the database and writes the predictions back.

A sample is a mapping of feature name to value plus the label ``won`` (bool):

- ``stage``: the stage reached (for a closed opportunity the stage it was in
  just before it was won or lost; for an open one its current stage),
- ``channel``, ``source``, ``tier`` (the customer's tier), ``owner``,
- ``amount``: a ``Decimal``, turned into a band (quintile of the training
  amounts, so bands hold about as many deals each).

The model is the classic one Odoo's lead scoring uses::

    P(won | x) ∝ P(won) · Π P(x_i | won)

with Laplace smoothing: ``P(v | c) = (n(v, c) + α) / (n(c) + α · K)`` where
``K`` is the number of values the feature took in training plus one for
"never seen". The result is returned as log-odds turned into a probability,
so products of many small numbers never underflow.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

#: the features, in the order the model page lists them
FEATURES = ("stage", "channel", "source", "tier", "amount_band", "owner")
#: number of amount bands (quantiles of the training amounts)
BANDS = 5
#: Laplace smoothing
ALPHA = 1.0
#: a value stands for "not known" (no source, no owner ...)
MISSING = ""


def amount_cuts(amounts: Iterable[Decimal | None], bands: int = BANDS) -> list[Decimal]:
    """The ``bands - 1`` cut points splitting ``amounts`` into bands of about equal size (ascending, distinct)."""
    ordered = sorted(a for a in amounts if a is not None)
    if not ordered:
        return []
    cuts: list[Decimal] = []
    for i in range(1, bands):
        cut = ordered[min(len(ordered) - 1, (len(ordered) * i) // bands)]
        if not cuts or cut > cuts[-1]:
            cuts.append(cut)
    return cuts


def amount_band(amount: Decimal | None, cuts: Sequence[Decimal]) -> str:
    """Band number (``"0"`` lowest) of ``amount``; ``MISSING`` when there is no amount."""
    if amount is None:
        return MISSING
    return str(bisect_right(cuts, amount))


def _key(value: Any) -> str:
    return MISSING if value is None else str(value)


@dataclass
class WinModel:
    """Counts per feature value and class; everything else is derived from them."""

    won: int
    lost: int
    #: feature -> value -> [won count, lost count]
    counts: dict[str, dict[str, list[int]]]
    cuts: list[Decimal] = field(default_factory=list)
    alpha: float = ALPHA
    features: tuple[str, ...] = FEATURES
    _weights: dict[str, tuple[dict[str, float], float]] = field(default_factory=dict, repr=False)

    # -- what a sample looks like to the model ------------------------------------------------

    def values(self, sample: Mapping[str, Any]) -> dict[str, str]:
        """The sample's value of each feature (the amount turned into its band)."""
        found = {}
        for name in self.features:
            if name == "amount_band":
                found[name] = amount_band(sample.get("amount"), self.cuts)
            else:
                found[name] = _key(sample.get(name))
        return found

    def add(self, sample: Mapping[str, Any], won: bool) -> None:
        """Count one closed sample."""
        column = 0 if won else 1
        if won:
            self.won += 1
        else:
            self.lost += 1
        counts = self.counts
        for name, value in self.values(sample).items():
            cell = counts[name].get(value)
            if cell is None:
                cell = counts[name][value] = [0, 0]
            cell[column] += 1
        self._weights.clear()

    # -- scoring -------------------------------------------------------------------------------

    def weight(self, feature: str, value: str) -> float:
        """log P(value | won) - log P(value | lost): how much the value speaks for winning."""
        table, unseen = self._table(feature)
        return table.get(value, unseen)

    def _table(self, feature: str) -> tuple[dict[str, float], float]:
        if feature not in self._weights:
            seen = self.counts.get(feature, {})
            k = len(seen) + 1  # every value seen plus "never seen"
            a = self.alpha
            won_total = self.won + a * k
            lost_total = self.lost + a * k

            def ratio(w: int, lo: int) -> float:
                return math.log((w + a) / won_total) - math.log((lo + a) / lost_total)

            table = {value: ratio(w, lo) for value, (w, lo) in seen.items()}
            self._weights[feature] = (table, ratio(0, 0))
        return self._weights[feature]

    def prior(self) -> float:
        """log P(won) - log P(lost), smoothed like the features."""
        return math.log((self.won + self.alpha) / (self.lost + self.alpha))

    def log_odds(self, sample: Mapping[str, Any]) -> float:
        return self.prior() + sum(self.weight(f, v) for f, v in self.values(sample).items())

    def predict(self, sample: Mapping[str, Any]) -> float:
        """P(won) of ``sample``, between 0 and 1."""
        z = self.log_odds(sample)
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    # -- explaining ------------------------------------------------------------------------------

    def top_features(self, limit: int = 10, min_support: int = 20) -> list[dict[str, Any]]:
        """The feature values that move the prediction most (either way), with their win rate.

        Values seen fewer than ``min_support`` times are left out: a value met
        twice and won twice says little, however large its weight.
        """
        found = []
        for feature in self.features:
            for value, (w, lo) in self.counts.get(feature, {}).items():
                if w + lo < min_support:
                    continue
                found.append({"feature": feature, "value": value, "weight": self.weight(feature, value),
                              "won": w, "lost": lo, "win_rate": w / (w + lo)})
        found.sort(key=lambda item: (-abs(item["weight"]), item["feature"], item["value"]))
        return found[:limit]

    # -- storage ---------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"won": self.won, "lost": self.lost, "alpha": self.alpha, "features": list(self.features),
                "cuts": [str(c) for c in self.cuts], "counts": self.counts}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WinModel:
        return cls(won=int(data["won"]), lost=int(data["lost"]),
                   counts={f: {v: [int(n[0]), int(n[1])] for v, n in values.items()}
                           for f, values in data["counts"].items()},
                   cuts=[Decimal(c) for c in data.get("cuts", [])], alpha=float(data.get("alpha", ALPHA)),
                   features=tuple(data.get("features", FEATURES)))


def train(samples: Iterable[Mapping[str, Any]], *, alpha: float = ALPHA, bands: int = BANDS,
          features: tuple[str, ...] = FEATURES) -> WinModel:
    """Count the closed ``samples`` (each with ``won``) into a model.

    Two passes: the amount bands need the quantiles of all amounts first.
    """
    rows = samples if isinstance(samples, list) else list(samples)
    cuts = amount_cuts((r.get("amount") for r in rows), bands) if "amount_band" in features else []
    model = empty_model(cuts, alpha=alpha, features=features)
    for row in rows:
        model.add(row, bool(row["won"]))
    return model


def empty_model(cuts: Sequence[Decimal] = (), *, alpha: float = ALPHA, features: tuple[str, ...] = FEATURES) -> WinModel:
    """A model without samples, to be fed one at a time with ``add`` (streaming a million rows)."""
    return WinModel(won=0, lost=0, counts={f: {} for f in features}, cuts=list(cuts), alpha=alpha, features=features)


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve by the rank statistic (Mann-Whitney U), ties counted half.

    ``AUC = (R+ - n+ (n+ + 1) / 2) / (n+ · n-)`` where ``R+`` is the sum of
    the (average, for ties) ranks of the positives among all scores. None when
    one of the classes is empty (the AUC is not defined).
    """
    if len(scores) != len(labels):
        raise ValueError("scores and labels differ in length")
    positives = sum(1 for y in labels if y)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    order = sorted(range(len(scores)), key=scores.__getitem__)
    rank_sum = 0.0
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        average = (i + j) / 2 + 1  # ranks are 1-based
        rank_sum += average * sum(1 for k in range(i, j + 1) if labels[order[k]])
        i = j + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
