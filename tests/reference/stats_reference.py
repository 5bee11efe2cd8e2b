"""Reference values for tests/stats_sequential.rs, computed without the Rust code under test.

Python 3.11 standard library only; run `python3 tests/reference/stats_reference.py` and paste
its output into the tests. The always-valid figures are computed from their definition, not
from the closed form the Rust code uses: the mixture likelihood ratio is integrated numerically
over the normal mixing distribution (Simpson's rule), the p-value is 1 / ratio at "no
difference", and the interval's ends are found by bisection where the ratio reaches 1 / alpha
(Johari, Koomen, Pekelis & Walsh, Operations Research 2022, section 4). CUPED follows Deng, Xu,
Kohavi & Walker (WSDM 2013), section 3.2, with the `statistics` module's covariance/variance.
"""

import math
import statistics

ALPHA = 0.05
TAU = 0.2


def log_mixture_ratio(diff, v, tau, points=20001):
    """ln of the integral over theta ~ N(0, tau^2) of N(diff; theta, v) / N(diff; 0, v)."""
    span = 12.0 * tau + abs(diff)
    h = 2.0 * span / (points - 1)
    logs = []
    for i in range(points):
        theta = -span + i * h
        log_prior = -theta * theta / (2 * tau * tau) - 0.5 * math.log(2 * math.pi * tau * tau)
        log_lr = (diff * theta - theta * theta / 2) / v
        logs.append(log_prior + log_lr)
    top = max(logs)
    total = 0.0
    for i, lg in enumerate(logs):
        w = 1 if i in (0, points - 1) else (4 if i % 2 else 2)
        total += w * math.exp(lg - top)
    return top + math.log(total * h / 3)


def always_valid(estimate, v, null, tau, alpha):
    p = min(1.0, math.exp(-log_mixture_ratio(estimate - null, v, tau)))

    def end(direction):
        # The ratio grows as theta0 moves away from the estimate: bisect for 1/alpha.
        inside, outside = 0.0, math.sqrt(v)
        while log_mixture_ratio(outside, v, tau) < math.log(1 / alpha):
            outside *= 2
        for _ in range(60):
            mid = (inside + outside) / 2
            if log_mixture_ratio(mid, v, tau) < math.log(1 / alpha):
                inside = mid
            else:
                outside = mid
        return estimate + direction * (inside + outside) / 2

    return end(-1), end(1), p


print("normal_mixture (estimate, variance, null, tau, alpha) -> low, high, p")
for case in [(0.5, 0.04, 0.0, 0.3, 0.05), (-0.02, 0.0001, 0.0, 0.05, 0.05), (2.0, 0.25, 0.5, 1.0, 0.1)]:
    low, high, p = always_valid(*case)
    print(case, "->", f"{low:.12f}, {high:.12f}, {p:.12f}")

print("lift (control, variant) -> low, high, p")
for control, variant in [((100, 1000), (120, 1000)), ((1200, 10000), (1290, 10000)),
                         ((300, 10000), (390, 10000)), ((30, 400), (20, 410))]:
    (xc, nc), (xv, nv) = control, variant
    ratio = (xv / nv) / (xc / nc)
    v = (1 - xv / nv) / xv + (1 - xc / nc) / xc  # Katz: var ln(p_v / p_c)
    low, high, p = always_valid(math.log(ratio), v, 0.0, TAU, ALPHA)
    print(control, variant, "->", f"{math.exp(low) - 1:.12f}, {math.exp(high) - 1:.12f}, {p:.12f}")

print("cuped -> theta, control mean, variant mean, control var, variant var, diff, low, high, reduction")
control = [(0.0, 1.0), (12.5, 10.0), (3.0, 2.0), (0.0, 0.0), (40.0, 35.0), (8.0, 9.5),
           (0.0, 3.0), (22.0, 18.0), (5.5, 4.0), (0.0, 0.5), (15.0, 11.0), (2.0, 0.0)]
variant = [(1.0, 0.0), (16.0, 11.0), (4.5, 2.5), (0.0, 1.0), (47.0, 38.0), (10.0, 7.0),
           (2.0, 2.0), (25.0, 20.0), (6.0, 3.5), (0.5, 0.0), (19.0, 13.0), (3.0, 1.5), (9.0, 6.0)]
pooled = control + variant
theta = statistics.covariance([y for y, _ in pooled], [x for _, x in pooled]) / statistics.variance(
    [x for _, x in pooled])
mean_x = statistics.fmean(x for _, x in pooled)


def arm(rows):
    adjusted = [y - theta * (x - mean_x) for y, x in rows]
    raw = [y for y, _ in rows]
    return (statistics.fmean(adjusted), statistics.variance(adjusted) / len(rows),
            statistics.variance(raw) / len(rows))


(mc, vc, rc), (mv, vv, rv) = arm(control), arm(variant)
z = statistics.NormalDist().inv_cdf(0.975)
half = z * math.sqrt(vc + vv)
print(", ".join(f"{x:.12f}" for x in (theta, mc, mv, vc, vv, mv - mc, mv - mc - half, mv - mc + half,
                                       1 - (vc + vv) / (rc + rv))))
