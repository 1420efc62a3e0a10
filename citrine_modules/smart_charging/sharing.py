"""How a site's grid connection limit is shared among its running transactions (pure).

The rule, per phase, in amperes:

1. Every transaction gets an equal share, except that none gets more than its EVSE can take
   (its cap, from the device model's ``EVSE.Power`` maxLimit at 230 V and the EVSE's supply
   phases, else 3); what a capped EVSE cannot use is shared among the others (max-min
   fairness, "water filling").
2. An EV cannot charge below ``MINIMUM_AMPS`` (IEC 61851: 6 A). When the limit cannot give
   every transaction that much, the transactions that started first keep charging with an
   equal share of at least the minimum and the newest are paused (share 0) until a
   transaction ends. An EVSE whose maximum is below the minimum gets nothing.
3. Shares are rounded down to 0.1 A, so their sum never exceeds the limit.

Every transaction is counted as loading all three phases (the worst case: the CSMS does not
know which phase a single-phase EV uses).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

MINIMUM_AMPS = 6.0

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Demand(Generic[K]):
    key: K
    cap: float | None = None  # the most its EVSE can take; None: unknown


def _water_fill(limit: float, demands: Sequence[Demand[K]]) -> dict[K, float]:
    shares: dict[K, float] = {}
    remaining = limit
    ordered = sorted(demands, key=lambda item: math.inf if item.cap is None else item.cap)
    for index, demand in enumerate(ordered):
        fair = remaining / (len(ordered) - index)
        given = fair if demand.cap is None else min(demand.cap, fair)
        shares[demand.key] = given
        remaining -= given
    return shares


def share_limit(limit: float, demands: Sequence[Demand[K]]) -> dict[K, float]:
    """Each demand's share of ``limit``; ``demands`` oldest first. An EVSE whose maximum is
    below the minimum can never charge and gets nothing."""
    result = {item.key: 0.0 for item in demands}
    able = [item for item in demands if item.cap is None or item.cap >= MINIMUM_AMPS]
    for count in range(len(able), 0, -1):
        shares = _water_fill(limit, able[:count])
        if all(value >= MINIMUM_AMPS for value in shares.values()):
            result.update(
                {key: math.floor(value * 10 + 1e-9) / 10 for key, value in shares.items()}
            )
            return result
    return result  # not even one transaction can have the minimum: all wait
