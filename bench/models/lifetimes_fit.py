"""Fits BG/NBD and Gamma-Gamma with the Python lifetimes package on the CDNOW fixture and prints
the parameters and fit times in the same format as examples/fit_cdnow.rs.

Usage: python lifetimes_fit.py FIXTURE.csv [--reference]
With --reference it also prints the per-customer values that tests/analytics_models.rs checks.
"""
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import pandas as pd  # noqa: E402
from lifetimes import BetaGeoFitter, GammaGammaFitter  # noqa: E402

data = pd.read_csv(sys.argv[1], index_col=0)
data.columns = ["frequency", "recency", "T", "monetary_value"]

start = time.perf_counter()
bg = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
bg_seconds = time.perf_counter() - start
p = bg.params_
print(f"bgnbd r={p['r']:.6f} alpha={p['alpha']:.6f} a={p['a']:.6f} b={p['b']:.6f} seconds={bg_seconds:.6f}")

repeat = data[data["frequency"] > 0]
start = time.perf_counter()
gg = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
gg_seconds = time.perf_counter() - start
g = gg.params_
print(f"gamma_gamma p={g['p']:.6f} q={g['q']:.6f} v={g['v']:.6f} seconds={gg_seconds:.6f}")

if "--reference" in sys.argv:
    clv = gg.customer_lifetime_value(
        bg, data["frequency"], data["recency"], data["T"], data["monetary_value"],
        time=12, discount_rate=0.01, freq="W",
    )
    print("(id, x, t_x, T, monetary, p_alive, E[X(39)], order value, CLV 12 months at 1 %/month)")
    for i in [1, 2, 3, 18, 33, 100, 1500, 2357, 1516, 157, 1901, 10]:
        x, tx, T, m = data.loc[i]
        print((i, x, tx, T, m,
               float(bg.conditional_probability_alive(x, tx, T)[0]),
               float(bg.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T)),
               float(gg.conditional_expected_average_profit(x, m)),
               float(clv.loc[i])))
