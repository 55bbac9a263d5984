//! Deterministic A/B assignment: a customer's variant in a split depends only on the workflow,
//! the split step, the customer and the run, so re-running the engine never reassigns anyone.

use super::definition::Variant;

/// FNV-1a, 64 bit: stable across Rust versions and platforms, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Mixes the bits so that nearby inputs (consecutive customer ids) spread evenly.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// The variant of `customer` in run `run` at split `step` of `workflow`, by weight. `variants`
/// is never empty for a checked workflow.
pub fn assign<'v>(
    workflow: &str,
    step: &str,
    customer: i64,
    run: i64,
    variants: &'v [Variant],
) -> &'v Variant {
    let total: u64 = variants
        .iter()
        .map(|v| u64::from(v.weight))
        .sum::<u64>()
        .max(1);
    let key = format!("{workflow}/{step}/{customer}/{run}");
    let mut point = mix(fnv1a(key.as_bytes())) % total;
    for v in variants {
        let w = u64::from(v.weight);
        if point < w {
            return v;
        }
        point -= w;
    }
    &variants[variants.len() - 1]
}
