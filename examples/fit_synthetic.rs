//! Draws a synthetic customer base from the BG/NBD and Gamma-Gamma processes themselves (fixed
//! seed, CDNOW-like parameters, times in weeks at whole-day resolution), then times fitting both
//! models and scoring every customer: `cargo run --release --example fit_synthetic [-- N [THREADS]]`
//! (default 1,000,000 customers, 2 threads).

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use segflow::analytics::{
    score_customers, BgNbd, ClvOptions, DiscountRate, GammaGamma, RfmInput, WEEKS_PER_MONTH,
};
use segflow::generate::sampling::gamma;

const TRUE_BG: BgNbd = BgNbd {
    r: 0.243,
    alpha: 4.414,
    a: 0.793,
    b: 2.426,
};
const TRUE_GG: GammaGamma = GammaGamma {
    p: 6.25,
    q: 3.74,
    v: 15.44,
};
/// Customers joined uniformly over the last two years.
const MAX_AGE_DAYS: u32 = 730;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().map_or(Ok(1_000_000), |s| s.parse())?;
    let threads: usize = args.get(1).map_or(Ok(2), |s| s.parse())?;

    let start = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(20051);
    let customers: Vec<RfmInput> = (0..n).map(|_| draw_customer(&mut rng)).collect();
    let generate = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let bg = BgNbd::fit(&customers, threads)?;
    let bg_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let gg = GammaGamma::fit(&customers, threads)?;
    let gg_seconds = start.elapsed().as_secs_f64();
    let options = ClvOptions {
        months: 12,
        discount: DiscountRate::Annual(0.10),
        time_units_per_month: WEEKS_PER_MONTH,
        threads,
    };
    let start = Instant::now();
    let scores = score_customers(&bg.model, &gg.model, &customers, &options)?;
    let score_seconds = start.elapsed().as_secs_f64();

    let total_clv: f64 = scores.iter().map(|s| s.clv).sum();
    let (m, g) = (bg.model, gg.model);
    println!(
        "customers={n} patterns={} repeat_customers={} generate_seconds={generate:.3}",
        bg.patterns, gg.customers
    );
    println!(
        "bgnbd r={:.4} alpha={:.4} a={:.4} b={:.4} (true {:?}) iterations={} evaluations={} converged={} seconds={bg_seconds:.3}",
        m.r, m.alpha, m.a, m.b, TRUE_BG, bg.diagnostics.iterations, bg.diagnostics.evaluations, bg.diagnostics.converged
    );
    println!(
        "gamma_gamma p={:.4} q={:.4} v={:.4} (true {:?}) iterations={} converged={} seconds={gg_seconds:.3}",
        g.p, g.q, g.v, TRUE_GG, gg.diagnostics.iterations, gg.diagnostics.converged
    );
    println!(
        "score seconds={score_seconds:.3} mean_clv={:.4}",
        total_clv / n as f64
    );
    println!(
        "total seconds={:.3}",
        bg_seconds + gg_seconds + score_seconds
    );
    Ok(())
}

/// One customer's 39-week-style summary drawn from the generative models.
fn draw_customer(rng: &mut ChaCha8Rng) -> RfmInput {
    let age_days = rng.random_range(1..=MAX_AGE_DAYS);
    let age = f64::from(age_days) / 7.0;
    let rate = gamma(rng, TRUE_BG.r) / TRUE_BG.alpha;
    let g1 = gamma(rng, TRUE_BG.a);
    let drop_out = g1 / (g1 + gamma(rng, TRUE_BG.b));
    let (mut x, mut last, mut now) = (0u32, 0.0, 0.0);
    loop {
        now += -(1.0 - rng.random::<f64>()).ln() / rate;
        if now > age {
            break;
        }
        x += 1;
        last = now;
        if rng.random::<f64>() < drop_out {
            break;
        }
    }
    // Orders are stamped with their day, so recency is a whole number of days.
    let t_x = ((last * 7.0).floor() / 7.0).min(age);
    let monetary = if x > 0 {
        let nu = gamma(rng, TRUE_GG.q) / TRUE_GG.v;
        let total = gamma(rng, TRUE_GG.p * f64::from(x)) / nu;
        ((total / f64::from(x)) * 100.0).round().max(1.0) / 100.0
    } else {
        0.0
    };
    RfmInput {
        x: f64::from(x),
        t_x,
        t: age,
        monetary,
    }
}
