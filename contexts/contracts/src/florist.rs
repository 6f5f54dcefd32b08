//! What the florist's pages read, shared by the server that answers and the pages that show
//! it: a day at a glance, what to prepare for the coming days, and the shop's staff.

use crate::Localized;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One day in the shop (a Seoul calendar day): how many orders reached each step that day,
/// and the money that moved. Read from the order timelines, so it follows them live.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DaySummary {
    pub day: NaiveDate,
    pub placed: i64,
    pub paid: i64,
    /// Declined payments: the order will not be delivered.
    pub declined: i64,
    pub cancelled: i64,
    pub refunded: i64,
    pub delivered: i64,
    /// What the orders paid that day came to.
    pub paid_won: i64,
    /// What was given back that day.
    pub refunded_won: i64,
    /// `paid_won - refunded_won`.
    pub revenue_won: i64,
}

/// One flower that a day's confirmed orders need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FlowerNeed {
    pub slug: String,
    pub name: Localized,
    /// Stems (or bunches) the day's paid orders that have not left the shop use. They are
    /// already counted off `on_hand`: paying takes them off the shelf's books.
    pub needed: i64,
    /// How many orders they are for.
    pub orders: i64,
    /// Not yet sold to anyone.
    pub on_hand: i64,
    /// Of that, not set aside for an unpaid order either: what customers can still order.
    pub available: i64,
    /// How many to buy so that what is left to sell covers another day like this one
    /// (`needed - available`, when that is more than nothing).
    pub restock: i64,
}

/// What the florist prepares for one delivery day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Preparation {
    pub day: NaiveDate,
    pub flowers: Vec<FlowerNeed>,
}

impl FlowerNeed {
    /// The restock suggestion for `needed` against `available`.
    pub fn restock_for(needed: i64, available: i64) -> i64 {
        (needed - available).max(0)
    }
}

/// A staff account as the staff page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StaffMember {
    pub email: String,
    pub name: String,
    /// Who added them; `None` for the account from the shop's configuration.
    pub added_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// How many days the florist's pages look ahead at most.
pub const MAX_DAYS_SHOWN: u32 = 14;
