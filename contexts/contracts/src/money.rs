//! Whole Korean won, the only currency Petal charges in.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in whole Korean won (₩). The won has no minor unit in use.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct Won(pub i64);

impl fmt::Display for Won {
    /// `₩59,000`, the way Korean shops print prices.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}₩{grouped}")
    }
}

#[cfg(test)]
mod tests {
    use super::Won;

    #[test]
    fn won_is_printed_with_thousands_separators() {
        assert_eq!(Won(0).to_string(), "₩0");
        assert_eq!(Won(900).to_string(), "₩900");
        assert_eq!(Won(59_000).to_string(), "₩59,000");
        assert_eq!(Won(1_250_000).to_string(), "₩1,250,000");
        assert_eq!(Won(-3_000).to_string(), "-₩3,000");
    }
}
