"""Spearman rho, its p-value and the incomplete beta behind it, checked against hand computations
and against an independent method (Simpson integration of the Student-t density)."""

from __future__ import annotations

import math

import pytest

from services.scoring.stats import (
    Correlation,
    average_ranks,
    correlation_p_value,
    median,
    regularized_incomplete_beta,
    spearman,
    student_t_two_sided_p,
)


def _t_density(x: float, df: float) -> float:
    norm = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))
    return norm * math.pow(1 + x * x / df, -(df + 1) / 2)


def _simpson_two_sided_p(t: float, df: float, intervals: int = 4000) -> float:
    """Independent check: p = 1 - 2 * integral_0^|t| f(x) dx, composite Simpson rule."""
    h = abs(t) / intervals
    total = _t_density(0.0, df) + _t_density(abs(t), df)
    total += sum((4 if k % 2 else 2) * _t_density(k * h, df) for k in range(1, intervals))
    return 1.0 - 2.0 * total * h / 3.0


def _simpson_correlation_p(r: float, n: int) -> float:
    return _simpson_two_sided_p(r * math.sqrt((n - 2) / (1 - r * r)), n - 2)


# --- rho ------------------------------------------------------------------------------------------


def test_perfectly_monotone_is_one() -> None:
    result = spearman([1, 2, 3, 4, 5, 6], [1, 4, 9, 16, 25, 36])  # monotone, not linear
    assert result == Correlation(rho=1.0, p_value=0.0, n=6)


def test_reversed_is_minus_one() -> None:
    result = spearman([1, 2, 3, 4, 5], [50, 40, 30, 20, 10])
    assert result.rho == pytest.approx(-1.0) and result.p_value == 0.0 and result.n == 5


def test_small_example_with_ties_by_hand() -> None:
    # x = 10, 20, 20, 30, 40 -> ranks 1, 2.5, 2.5, 4, 5 (the two 20s share ranks 2 and 3)
    # y =  1,  3,  2,  5,  4 -> ranks 1, 3,   2,   5, 4
    # both rank means are 3; deviations dx = -2, -0.5, -0.5, 1, 2 and dy = -2, 0, -1, 2, 1
    # sum dx*dy = 4 + 0 + 0.5 + 2 + 2 = 8.5; sum dx^2 = 9.5; sum dy^2 = 10
    # rho = 8.5 / sqrt(9.5 * 10) = 8.5 / sqrt(95) = 0.872082
    # (the no-ties shortcut 1 - 6*sum d^2/(n(n^2-1)) = 1 - 6*1.5/120 = 0.925 would be wrong)
    result = spearman([10, 20, 20, 30, 40], [1, 3, 2, 5, 4])
    assert result.rho == pytest.approx(8.5 / math.sqrt(95), abs=1e-12)
    assert result.rho == pytest.approx(0.872082, abs=1e-6)
    # t = rho * sqrt(3 / (1 - rho^2)) = 3.0866 on 3 df
    assert result.p_value == pytest.approx(_simpson_correlation_p(8.5 / math.sqrt(95), 5), abs=1e-6)
    assert result.p_value == pytest.approx(0.0539, abs=1e-4)


def test_textbook_example_without_ties() -> None:
    # Wikipedia "Spearman's rank correlation coefficient": IQ vs hours of TV per week.
    # sum d^2 = 194, rho = 1 - 6*194/(10*99) = -29/165 = -0.175758, p = 0.627188
    iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110]
    tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17]
    result = spearman(iq, tv)
    assert result.rho == pytest.approx(-29 / 165, abs=1e-12)
    assert result.p_value == pytest.approx(0.627188, abs=1e-6)
    assert result.p_value == pytest.approx(_simpson_correlation_p(-29 / 165, 10), abs=1e-6)


def test_n10_rho_0_6485_p_0_0425() -> None:
    # y ranks 5,1,4,3,9,2,6,7,10,8 against 1..10: d^2 = 16,1,1,1,16,16,1,1,1,4 -> sum 58
    # rho = 1 - 6*58/990 = 0.648485; t = 2.4093 on 8 df; p = 0.0425
    result = spearman(list(range(1, 11)), [5, 1, 4, 3, 9, 2, 6, 7, 10, 8])
    assert result.rho == pytest.approx(1 - 6 * 58 / 990, abs=1e-12)
    assert result.p_value == pytest.approx(0.0425, abs=1e-4)
    assert correlation_p_value(0.6485, 10) == pytest.approx(0.0425, abs=1e-4)
    assert correlation_p_value(0.6485, 10) == pytest.approx(_simpson_correlation_p(0.6485, 10), abs=1e-7)


def test_symmetric_and_invariant_under_monotone_transform() -> None:
    xs, ys = [3.0, 1.5, 8.0, 2.0, 9.5, 4.0, 4.0], [2.0, 2.0, 7.0, 1.0, 6.0, 3.0, 5.0]
    a = spearman(xs, ys)
    assert spearman(ys, xs) == a
    assert spearman([math.exp(x) for x in xs], ys).rho == pytest.approx(a.rho)


@pytest.mark.parametrize(
    ("xs", "ys"),
    [([1, 2, 3, 4], [5, 5, 5, 5]), ([7, 7, 7], [1, 2, 3]), ([1, 2], [2, 1]), ([], []), ([1], [1])],
)
def test_undefined_cases_give_none(xs: list[float], ys: list[float]) -> None:
    result = spearman(xs, ys)
    assert result.rho is None and result.p_value is None and result.n == len(xs)


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="length"):
        spearman([1, 2, 3], [1, 2])


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_values_raise(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        spearman([1.0, 2.0, bad], [1.0, 2.0, 3.0])


def test_average_ranks() -> None:
    assert average_ranks([30, 10, 20, 10, 10]) == [5.0, 2.0, 4.0, 2.0, 2.0]
    assert average_ranks([]) == []


def test_many_reps_converges() -> None:
    n = 5000
    xs = [float(i) for i in range(n)]
    ys = [float((i * 7919) % n) for i in range(n)]  # a scrambled permutation
    result = spearman(xs, ys)
    assert result.rho is not None and result.p_value is not None
    assert 0.0 <= result.p_value <= 1.0
    assert result.p_value == pytest.approx(correlation_p_value(result.rho, n))


# --- p-values against independent references -----------------------------------------------------


@pytest.mark.parametrize(
    ("t", "df", "p"),
    [(2.306, 8, 0.05), (2.228, 10, 0.05), (2.086, 20, 0.05), (3.169, 10, 0.01), (2.845, 20, 0.01)],
)
def test_t_table_critical_values(t: float, df: float, p: float) -> None:
    # Printed two-sided critical values (3 decimals) of Student's t tables.
    assert student_t_two_sided_p(t, df) == pytest.approx(p, abs=3e-4)


@pytest.mark.parametrize("t", [0.0, 0.3, 1.0, 2.5, 7.0])
def test_closed_forms_for_one_and_two_df(t: float) -> None:
    # df = 1 is the Cauchy distribution; df = 2 has P(|T| >= t) = 1 - t / sqrt(2 + t^2).
    assert student_t_two_sided_p(t, 1) == pytest.approx(1 - 2 * math.atan(t) / math.pi, abs=1e-12)
    assert student_t_two_sided_p(t, 2) == pytest.approx(1 - t / math.sqrt(2 + t * t), abs=1e-12)


@pytest.mark.parametrize(("t", "df"), [(0.5, 3), (1.7, 5), (2.4093, 8), (3.0, 15), (-1.2, 27), (4.5, 60)])
def test_t_p_value_matches_simpson_integration(t: float, df: float) -> None:
    assert student_t_two_sided_p(t, df) == pytest.approx(_simpson_two_sided_p(t, df), abs=1e-8)


@pytest.mark.parametrize(("a", "b", "x"), [(1, 1, 0.3), (2.5, 1, 0.6), (1, 4, 0.2), (3, 7, 0.9), (0.5, 0.5, 0.1)])
def test_incomplete_beta_identities(a: float, b: float, x: float) -> None:
    ib = regularized_incomplete_beta
    assert ib(a, b, x) == pytest.approx(1 - ib(b, a, 1 - x), abs=1e-12)  # symmetry
    if b == 1:
        assert ib(a, 1, x) == pytest.approx(x**a, abs=1e-12)
    if a == 1:
        assert ib(1, b, x) == pytest.approx(1 - (1 - x) ** b, abs=1e-12)
    if a == b == 0.5:  # arcsine distribution
        assert ib(0.5, 0.5, x) == pytest.approx(2 / math.pi * math.asin(math.sqrt(x)), abs=1e-12)
    assert ib(a, b, 0.0) == 0.0 and ib(a, b, 1.0) == 1.0


def test_incomplete_beta_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        regularized_incomplete_beta(0, 1, 0.5)
    with pytest.raises(ValueError):
        regularized_incomplete_beta(1, 1, 1.5)
    with pytest.raises(ValueError):
        correlation_p_value(0.5, 2)


# --- median -------------------------------------------------------------------------------------


def test_median() -> None:
    assert median([5, 1, 3]) == 3.0
    assert median([4, 1, 3, 2]) == 2.5
    assert median([]) is None
