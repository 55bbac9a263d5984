//! Customer lifetime value and the per-customer scores that segments use, from a fitted BG/NBD
//! and Gamma-Gamma pair.
//!
//! The lifetime value follows the discounted-cash-flow approach of the lifetimes package
//! (`customer_lifetime_value`): the horizon is cut into months, and each month contributes the
//! expected purchases in that month times the expected order value, discounted to today:
//!
//! `CLV = Σ_{i=1..months} m̂ · (E[X(i·f)] − E[X((i−1)·f)]) / (1 + d)^i`
//!
//! where `E[X(t)]` is the BG/NBD conditional expectation given the customer's history, `m̂` the
//! Gamma-Gamma expected order value, `f` the number of caller time units per month (4.345 for
//! weeks, 30 for days, as in lifetimes) and `d` the monthly discount rate.

use super::bgnbd::resolve_threads;
use super::{AnalyticsError, BgNbd, GammaGamma, RfmInput};

/// Time units per month when summaries are in weeks (the lifetimes convention).
pub const WEEKS_PER_MONTH: f64 = 4.345;
/// Time units per month when summaries are in days (the lifetimes convention).
pub const DAYS_PER_MONTH: f64 = 30.0;

/// The rate at which future revenue is discounted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DiscountRate {
    /// Rate per month, e.g. `0.01` for 1 %.
    Monthly(f64),
    /// Rate per year, converted to the equivalent monthly rate `(1 + D)^(1/12) − 1`.
    Annual(f64),
}

impl DiscountRate {
    /// The equivalent monthly rate.
    pub fn monthly(self) -> f64 {
        match self {
            DiscountRate::Monthly(d) => d,
            DiscountRate::Annual(d) => (1.0 + d).powf(1.0 / 12.0) - 1.0,
        }
    }
}

/// How to score customers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvOptions {
    /// Length of the CLV horizon in months.
    pub months: u32,
    pub discount: DiscountRate,
    /// Caller time units per month: [`WEEKS_PER_MONTH`] or [`DAYS_PER_MONTH`].
    pub time_units_per_month: f64,
    /// Threads to score with (0 = all cores).
    pub threads: usize,
}

impl ClvOptions {
    fn check(&self) -> Result<(), AnalyticsError> {
        let monthly = self.discount.monthly();
        if !monthly.is_finite() || monthly <= -1.0 {
            return Err(AnalyticsError::InvalidOption {
                option: "discount rate",
                value: monthly,
                rule: "a finite rate above -100 %",
            });
        }
        if !self.time_units_per_month.is_finite() || self.time_units_per_month <= 0.0 {
            return Err(AnalyticsError::InvalidOption {
                option: "time_units_per_month",
                value: self.time_units_per_month,
                rule: "a positive number (4.345 for weeks, 30 for days)",
            });
        }
        Ok(())
    }
}

/// Forecasts for one customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerScore {
    pub p_alive: f64,
    /// `1 − p_alive`.
    pub churn_risk: f64,
    /// Expected purchases over the whole horizon (`months · time_units_per_month`).
    pub expected_purchases: f64,
    /// Gamma-Gamma expected order value.
    pub expected_order_value: f64,
    /// Discounted expected revenue over the horizon.
    pub clv: f64,
}

/// Scores one customer; `index` only names the customer in errors.
pub fn score_customer(
    bg: &BgNbd,
    gg: &GammaGamma,
    c: &RfmInput,
    options: &ClvOptions,
    index: usize,
) -> Result<CustomerScore, AnalyticsError> {
    options.check()?;
    c.check_frequency(index)?;
    let forecast = forecast(bg, c, options)?;
    Ok(forecast.score(bg, gg, c))
}

/// Scores every customer, in input order.
///
/// The purchase forecast factors into `p_alive(x, t_x, T)` times the purchases of an active
/// customer, which depends on `(x, T)` only; that part (the costly one, with 2F1 per month) is
/// computed once per distinct `(x, T)`, split across `options.threads` threads. `p_alive` and the
/// order value are closed forms computed per customer.
pub fn score_customers(
    bg: &BgNbd,
    gg: &GammaGamma,
    customers: &[RfmInput],
    options: &ClvOptions,
) -> Result<Vec<CustomerScore>, AnalyticsError> {
    options.check()?;
    for (i, c) in customers.iter().enumerate() {
        c.check_frequency(i)?;
    }
    let key = |c: &RfmInput| ((c.x + 0.0).to_bits(), (c.t + 0.0).to_bits());
    let mut order: Vec<u32> = (0..customers.len() as u32).collect();
    order.sort_unstable_by_key(|&i| key(&customers[i as usize]));
    // `slot[i]` is the index of customer i's `(x, T)` among the distinct ones.
    let mut slot = vec![0u32; customers.len()];
    let mut distinct: Vec<RfmInput> = Vec::new();
    let mut previous = None;
    for &i in &order {
        let c = &customers[i as usize];
        if previous != Some(key(c)) {
            previous = Some(key(c));
            distinct.push(*c);
        }
        slot[i as usize] = (distinct.len() - 1) as u32;
    }
    let forecasts = forecast_all(bg, &distinct, options)?;
    Ok(customers
        .iter()
        .zip(&slot)
        .map(|(c, &s)| forecasts[s as usize].score(bg, gg, c))
        .collect())
}

/// What BG/NBD predicts over the CLV horizon for a customer with a given `(x, T)` who is still
/// active; multiplied by `p_alive` it is the forecast of a customer with that history.
#[derive(Debug, Clone, Copy)]
struct Forecast {
    /// Expected purchases over the whole horizon.
    purchases: f64,
    /// Expected purchases per month, each discounted to today, summed.
    discounted_purchases: f64,
}

impl Forecast {
    fn score(&self, bg: &BgNbd, gg: &GammaGamma, c: &RfmInput) -> CustomerScore {
        let order_value = gg.expected_average_value(c.x, c.monetary);
        let p_alive = bg.p_alive(c.x, c.t_x, c.t);
        CustomerScore {
            p_alive,
            churn_risk: 1.0 - p_alive,
            expected_purchases: p_alive * self.purchases,
            expected_order_value: order_value,
            clv: order_value * p_alive * self.discounted_purchases,
        }
    }
}

fn forecast(bg: &BgNbd, c: &RfmInput, options: &ClvOptions) -> Result<Forecast, AnalyticsError> {
    let per_month = options.time_units_per_month;
    let discount = 1.0 + options.discount.monthly();
    let (mut previous, mut discounted, mut factor) = (0.0, 0.0, 1.0);
    for month in 1..=options.months {
        let cumulative = bg.expected_if_alive(f64::from(month) * per_month, c.x, c.t)?;
        factor /= discount;
        discounted += (cumulative - previous) * factor;
        previous = cumulative;
    }
    Ok(Forecast {
        purchases: previous,
        discounted_purchases: discounted,
    })
}

/// Forecasts for every (already validated) summary, split across threads.
fn forecast_all(
    bg: &BgNbd,
    summaries: &[RfmInput],
    options: &ClvOptions,
) -> Result<Vec<Forecast>, AnalyticsError> {
    let threads = resolve_threads(options.threads).max(1);
    let chunk = summaries.len().div_ceil(threads).max(1);
    let parts: Vec<Result<Vec<Forecast>, AnalyticsError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = summaries
            .chunks(chunk)
            .map(|slice| {
                scope.spawn(move || slice.iter().map(|c| forecast(bg, c, options)).collect())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(AnalyticsError::Degenerate {
                        model: "scoring",
                        reason: "a scoring thread panicked".into(),
                    })
                })
            })
            .collect()
    });
    let mut forecasts = Vec::with_capacity(summaries.len());
    for part in parts {
        forecasts.extend(part?);
    }
    Ok(forecasts)
}
