"""Pairing of chart marks with the printed names that label them, by cost, with a certainty.

Used by both pie readers (`raster_pie`, `vector`): each computes its own cost of a name for a
sector from its own geometry; the pairing and the certainty rule are this one function.
"""

from __future__ import annotations


def pair_by_cost(costs: dict[tuple[int, int], float], margin: float) -> list[tuple[int, int, float]]:
    """Pair marks with names globally, cheapest pair first, and say how certain each pair is.

    `costs` maps (mark index, name index) to the cost of that name for that mark (lower is
    better; pairs that cannot be are absent). Greedy in ascending cost, each mark and each name
    used at most once, so a mark cannot take a name that fits another mark better.
    Certainty of a chosen pair: (cheapest rival cost - its cost) / `margin`, clipped to 0-1,
    where a rival is any other pair sharing exactly one of its mark or its name; 1 when there is
    no rival. Returns [(mark index, name index, certainty)] in the order chosen (ascending cost).
    """
    chosen: list[tuple[int, int, float]] = []
    taken_marks: set[int] = set()
    taken_names: set[int] = set()
    for (i, j), cost in sorted(costs.items(), key=lambda kv: kv[1]):
        if i in taken_marks or j in taken_names:
            continue
        taken_marks.add(i)
        taken_names.add(j)
        rivals = [c for (i2, j2), c in costs.items() if (i2 == i) != (j2 == j)]
        gap = min(rivals) - cost if rivals else margin
        chosen.append((i, j, min(1.0, max(0.0, gap / margin))))
    return chosen
