//! Exact integer arithmetic on decimal mantissas, wider than 128 bits.
//!
//! A `Decimal` mantissa has 96 bits, so the product of two of them needs up to 192. rust_decimal
//! rounds such a product back to 28 significant digits before the caller can round it to a
//! currency's minor unit, which can round twice and land on the wrong side of a midpoint.
//! Decision: multiply and divide the mantissas here exactly (four 64-bit limbs), and decide the
//! final rounding once, from the exact remainder. Private to the crate.

use crate::rounding::RoundingMode;
use rust_decimal::Decimal;

/// An unsigned 256-bit integer as little-endian 64-bit limbs.
pub(crate) type U256 = [u64; 4];

/// The largest magnitude a `Decimal` mantissa can hold: 2^96 - 1.
pub(crate) const MAX_MANTISSA: u128 = (1u128 << 96) - 1;

/// `a * b`, exactly.
pub(crate) fn mul_u128(a: u128, b: u128) -> U256 {
    let a = [a as u64, (a >> 64) as u64];
    let b = [b as u64, (b >> 64) as u64];
    let mut out = [0u64; 4];
    for (i, &ai) in a.iter().enumerate() {
        let mut carry: u128 = 0;
        for (j, &bj) in b.iter().enumerate() {
            // Fits: (2^64-1)^2 + 2*(2^64-1) = 2^128 - 1.
            let current = u128::from(ai) * u128::from(bj) + u128::from(out[i + j]) + carry;
            out[i + j] = current as u64;
            carry = current >> 64;
        }
        out[i + 2] = carry as u64;
    }
    out
}

/// `n * small`, or `None` when the result needs more than 256 bits.
fn mul_small(n: &U256, small: u64) -> Option<U256> {
    let mut out = [0u64; 4];
    let mut carry: u128 = 0;
    for (slot, &limb) in out.iter_mut().zip(n.iter()) {
        let current = u128::from(limb) * u128::from(small) + carry;
        *slot = current as u64;
        carry = current >> 64;
    }
    if carry == 0 { Some(out) } else { None }
}

/// Divides in place by a non-zero `small`; returns the remainder.
fn div_small(n: &mut U256, small: u64) -> u64 {
    let divisor = u128::from(small);
    let mut remainder: u128 = 0;
    for limb in n.iter_mut().rev() {
        let current = (remainder << 64) | u128::from(*limb);
        *limb = (current / divisor) as u64;
        remainder = current % divisor;
    }
    remainder as u64
}

/// The value as a `u128` if it fits.
fn to_u128(n: &U256) -> Option<u128> {
    if n[2] == 0 && n[3] == 0 {
        Some(u128::from(n[0]) | (u128::from(n[1]) << 64))
    } else {
        None
    }
}

fn is_zero(n: &U256) -> bool {
    n.iter().all(|&limb| limb == 0)
}

/// `10^exp`, or `None` past 256 bits.
pub(crate) fn pow10(exp: u32) -> Option<U256> {
    let mut out: U256 = [1, 0, 0, 0];
    for _ in 0..exp {
        out = mul_small(&out, 10)?;
    }
    Some(out)
}

/// `n / d` and `n % d` for `0 < d < 2^127`, by binary long division. The quotient is returned
/// only if it fits in a `u128`.
pub(crate) fn div_rem_u128(n: &U256, d: u128) -> Option<(u128, u128)> {
    if d == 0 || d > i128::MAX as u128 {
        return None;
    }
    let mut quotient: U256 = [0; 4];
    let mut remainder: u128 = 0;
    for bit in (0..256).rev() {
        let limb = bit / 64;
        let offset = bit % 64;
        // remainder < d < 2^127, so the shift cannot lose a bit.
        remainder = (remainder << 1) | u128::from((n[limb] >> offset) & 1);
        if remainder >= d {
            remainder -= d;
            quotient[limb] |= 1 << offset;
        }
    }
    to_u128(&quotient).map(|q| (q, remainder))
}

/// What rounding drops, relative to half of one unit in the last kept place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dropped {
    Nothing,
    BelowHalf,
    Half,
    AboveHalf,
}

impl Dropped {
    /// Classifies a remainder `r` of a division by `d`.
    pub(crate) fn from_remainder(r: u128, d: u128) -> Dropped {
        if r == 0 {
            return Dropped::Nothing;
        }
        // Compare r with d/2 without overflow: r vs d - r.
        match r.cmp(&(d - r)) {
            std::cmp::Ordering::Less => Dropped::BelowHalf,
            std::cmp::Ordering::Equal => Dropped::Half,
            std::cmp::Ordering::Greater => Dropped::AboveHalf,
        }
    }
}

/// Whether a truncated magnitude must grow by one unit under `mode`.
pub(crate) fn rounds_away(
    mode: RoundingMode,
    negative: bool,
    truncated_is_odd: bool,
    dropped: Dropped,
) -> bool {
    if dropped == Dropped::Nothing {
        return false;
    }
    match mode {
        RoundingMode::TowardZero => false,
        RoundingMode::AwayFromZero => true,
        RoundingMode::Floor => negative,
        RoundingMode::Ceiling => !negative,
        RoundingMode::HalfUp => matches!(dropped, Dropped::Half | Dropped::AboveHalf),
        RoundingMode::HalfDown => dropped == Dropped::AboveHalf,
        RoundingMode::HalfEven => match dropped {
            Dropped::AboveHalf => true,
            Dropped::Half => truncated_is_odd,
            Dropped::BelowHalf | Dropped::Nothing => false,
        },
    }
}

/// The exact product of two decimals: a sign, a 192-bit magnitude and a scale up to 56.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Product {
    negative: bool,
    magnitude: U256,
    scale: u32,
}

impl Product {
    pub(crate) fn of(a: Decimal, b: Decimal) -> Product {
        let magnitude = mul_u128(a.mantissa().unsigned_abs(), b.mantissa().unsigned_abs());
        Product {
            negative: !is_zero(&magnitude) && (a.is_sign_negative() != b.is_sign_negative()),
            magnitude,
            scale: a.scale() + b.scale(),
        }
    }

    /// The signed mantissa of the product at `scale` decimal places, rounded once by `mode`;
    /// `None` if it does not fit in a `Decimal` mantissa.
    pub(crate) fn round_to_scale(self, scale: u32, mode: RoundingMode) -> Option<i128> {
        let mut magnitude = self.magnitude;
        if scale >= self.scale {
            for _ in self.scale..scale {
                magnitude = mul_small(&magnitude, 10)?;
            }
            return self.signed(&magnitude);
        }
        // Drop digits one by one: the last one dropped decides against half, the earlier ones
        // only say whether anything below it was non-zero.
        let mut sticky = false;
        let mut last = 0u64;
        for _ in scale..self.scale {
            sticky |= last != 0;
            last = div_small(&mut magnitude, 10);
        }
        let dropped = match (last, sticky) {
            (0, false) => Dropped::Nothing,
            (5, false) => Dropped::Half,
            (digit, _) if digit >= 5 => Dropped::AboveHalf,
            _ => Dropped::BelowHalf,
        };
        let truncated = to_u128(&magnitude)?;
        let rounded = if rounds_away(mode, self.negative, truncated % 2 == 1, dropped) {
            truncated.checked_add(1)?
        } else {
            truncated
        };
        self.signed(&[rounded as u64, (rounded >> 64) as u64, 0, 0])
    }

    /// The product as a `Decimal` if it is representable exactly (at most 28 decimal places
    /// once trailing zeros are dropped, and a 96-bit mantissa).
    pub(crate) fn to_exact_decimal(self) -> Option<Decimal> {
        let mut magnitude = self.magnitude;
        let mut scale = self.scale;
        while scale > 0 {
            let mut shorter = magnitude;
            if div_small(&mut shorter, 10) != 0 {
                break;
            }
            magnitude = shorter;
            scale -= 1;
        }
        let mantissa = self.signed(&magnitude)?;
        Decimal::try_from_i128_with_scale(mantissa, scale).ok()
    }

    fn signed(&self, magnitude: &U256) -> Option<i128> {
        let value = to_u128(magnitude).filter(|&v| v <= MAX_MANTISSA)?;
        // value <= 2^96 - 1, so the cast cannot wrap.
        let value = value as i128;
        Some(if self.negative { -value } else { value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn product_of_the_largest_mantissas_is_exact() {
        let p = mul_u128(MAX_MANTISSA, MAX_MANTISSA);
        // (2^96-1)^2 = 2^192 - 2^97 + 1
        assert_eq!(p, [1, 0xFFFF_FFFE_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 0]);
    }

    #[test]
    fn rounding_a_product_decides_once_not_twice() {
        // 0.125000...0001 (29 places) must round up to 0.13 under HalfDown; rounding it to
        // 28 places first would make it a tie and round down.
        let a = dec!(0.1250000000000000000000000001);
        let product = Product::of(a, dec!(1.0));
        assert_eq!(product.round_to_scale(2, RoundingMode::HalfDown), Some(13));
        assert_eq!(product.round_to_scale(2, RoundingMode::HalfEven), Some(13));
        let tie = Product::of(dec!(0.125), dec!(1));
        assert_eq!(tie.round_to_scale(2, RoundingMode::HalfDown), Some(12));
        assert_eq!(tie.round_to_scale(2, RoundingMode::HalfEven), Some(12));
        assert_eq!(tie.round_to_scale(2, RoundingMode::HalfUp), Some(13));
    }

    #[test]
    fn negative_zero_products_are_plain_zero() {
        let product = Product::of(dec!(-0.00), dec!(3));
        assert_eq!(product.round_to_scale(2, RoundingMode::Floor), Some(0));
        assert_eq!(
            product.to_exact_decimal().map(|d| d.is_sign_negative()),
            Some(false)
        );
    }

    #[test]
    fn long_division_matches_u128_division() {
        let (q, r) = div_rem_u128(&[1000, 0, 0, 0], 7).unwrap();
        assert_eq!((q, r), (142, 6));
        assert!(div_rem_u128(&[1, 0, 0, 0], 0).is_none());
        assert!(
            div_rem_u128(&pow10(60).unwrap(), 3).is_none(),
            "quotient > u128 is refused"
        );
    }

    proptest! {
        #[test]
        fn mul_then_divide_round_trips(a in 0..=MAX_MANTISSA, b in 1..=MAX_MANTISSA) {
            let product = mul_u128(a, b);
            prop_assert_eq!(div_rem_u128(&product, b), Some((a, 0)));
        }

        #[test]
        fn wide_rounding_agrees_with_rust_decimal_when_the_product_is_representable(
            a in any::<i64>(), a_scale in 0u32..=10, b in any::<i32>(), b_scale in 0u32..=10,
            target in 0u32..=4, mode in crate::rounding::tests::any_mode(),
        ) {
            let a = Decimal::new(a, a_scale);
            let b = Decimal::new(i64::from(b), b_scale);
            let product = Product::of(a, b);
            let exact = product.to_exact_decimal();
            prop_assert_eq!(exact, a.checked_mul(b), "i64 x i32 products are representable");
            let exact = exact.unwrap();
            let expected = exact.round_dp_with_strategy(target, mode.to_strategy());
            match product.round_to_scale(target, mode) {
                Some(got) => prop_assert_eq!(Decimal::from_i128_with_scale(got, target), expected),
                None => {
                    // Only allowed when the rounded value has no room for `target` places.
                    let widened = 10i128
                        .pow(target.saturating_sub(expected.scale()))
                        .checked_mul(expected.mantissa());
                    prop_assert!(widened.is_none_or(|m| m.unsigned_abs() > MAX_MANTISSA));
                }
            }
        }
    }
}
