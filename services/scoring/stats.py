"""Rank statistics for the evidence report: Spearman's rho with a t-test p-value, and a median.

The evidence report relates pillar scores to outcomes across a tenant's reps. Tenants have
tens to thousands of reps, so this is small data: pure standard library, no numpy/scipy.

Decisions
---------
* **Ties** get the average of the ranks they span (rank 1 = smallest). Rho is then the Pearson
  correlation of the two rank vectors, which is exact with ties (the shortcut
  ``1 - 6·Σd²/(n(n²-1))`` is only exact without ties).
* **p-value**: two-sided, from Student's t with ``n - 2`` degrees of freedom,
  ``t = r·sqrt((n - 2)/(1 - r²))``; ``p = I_{df/(df+t²)}(df/2, 1/2)`` where ``I`` is the
  regularized incomplete beta function, evaluated with the Numerical Recipes continued fraction
  (``betacf``, modified Lentz). This is the usual large-sample approximation; for n < 10 it is
  rough (an exact permutation test would be better) but it is what readers of the report expect.
* ``|rho| == 1`` gives ``p = 0.0``.
* ``rho`` and ``p_value`` are ``None`` when ``n < 3`` (no degrees of freedom) or either side is
  constant (rank correlation undefined); ``n`` is always reported so the reader sees how many
  reps stand behind a figure.
* Mismatched lengths and non-finite values (NaN, inf) raise ``ValueError``: they are caller bugs,
  and NaN would silently corrupt the sort.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

_EPS = 1e-15
_FPMIN = 1e-300
_MAX_ITERATIONS = 10_000  # betacf needs O(sqrt(max(a, b))) iterations; n = 10^6 reps is fine


@dataclass(frozen=True)
class Correlation:
    rho: float | None  # None when n < 3 or a side is constant
    p_value: float | None
    n: int


def average_ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks in input order; tied values share the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        shared = (start + end) / 2 + 1  # mean of the 1-based ranks start+1 .. end+1
        for k in range(start, end + 1):
            ranks[order[k]] = shared
        start = end + 1
    return ranks


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (Numerical Recipes, modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _FPMIN else _FPMIN)
    h = d
    for m in range(1, _MAX_ITERATIONS + 1):
        m2 = 2 * m
        even = m * (b - m) * x / ((qam + m2) * (a + m2))
        odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        for aa in (even, odd):  # one even and one odd step of the fraction per iteration
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _FPMIN else _FPMIN)
            c = 1.0 + aa / c
            c = c if abs(c) > _FPMIN else _FPMIN
            delta = d * c
            h *= delta
        if abs(delta - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"betacf did not converge for a={a}, b={b}, x={x}")


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if a <= 0 or b <= 0:
        raise ValueError("a and b must be positive")
    if not 0.0 <= x <= 1.0:
        raise ValueError("x must be in [0, 1]")
    if x in (0.0, 1.0):
        return x
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def student_t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with ``df`` degrees of freedom."""
    if df <= 0:
        raise ValueError("df must be positive")
    if math.isinf(t):
        return 0.0
    return min(1.0, max(0.0, regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t))))


def correlation_p_value(r: float, n: int) -> float:
    """Two-sided p-value of a correlation ``r`` over ``n`` pairs (t-test, n - 2 df)."""
    if n < 3:
        raise ValueError("need at least 3 pairs")
    if abs(r) >= 1.0:
        return 0.0
    t = r * math.sqrt((n - 2) / (1.0 - r * r))
    return student_t_two_sided_p(t, n - 2)


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def spearman(xs: Sequence[float], ys: Sequence[float]) -> Correlation:
    """Spearman rank correlation of paired samples with a two-sided t-test p-value."""
    if len(xs) != len(ys):
        raise ValueError(f"xs and ys differ in length ({len(xs)} != {len(ys)})")
    if not all(math.isfinite(v) for v in (*xs, *ys)):
        raise ValueError("values must be finite numbers")
    n = len(xs)
    if n < 3:
        return Correlation(rho=None, p_value=None, n=n)
    rho = _pearson(average_ranks(xs), average_ranks(ys))
    if rho is None:
        return Correlation(rho=None, p_value=None, n=n)
    return Correlation(rho=rho, p_value=correlation_p_value(rho, n), n=n)


def median(values: Sequence[float]) -> float | None:
    """Median (mean of the middle two for an even count); ``None`` for no values."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    return float(ordered[mid]) if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0
