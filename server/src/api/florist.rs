//! The florist's day (staff only): find an order by its short number, the recipient's phone
//! or the customer's email; a day at a glance; what the coming days' orders need.

use super::{accounts::Staff, ApiError, ApiState, QueryParams};
use axum::{extract::State, Json};
use chrono::NaiveDate;
use contracts::{
    display,
    florist::{DaySummary, Preparation, MAX_DAYS_SHOWN},
};
use serde::Deserialize;
use view::{OrderHistory, OrderQuery};

/// Today in Seoul, where the shop is.
pub fn seoul_today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Seoul)
        .date_naive()
}

/// A `YYYY-MM-DD` query parameter between the years 2000 and 2100 (the shop's calendar, well
/// inside what the databases store), or today in Seoul when it is absent.
pub fn day_or_today(field: &str, raw: Option<&str>) -> Result<NaiveDate, ApiError> {
    use chrono::Datelike;
    let Some(raw) = raw else {
        return Ok(seoul_today());
    };
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|day| (2000..=2100).contains(&day.year()))
        .ok_or_else(|| {
            ApiError::field(
                field,
                "invalid",
                "give a date as YYYY-MM-DD, between the years 2000 and 2100",
            )
        })
}

#[derive(Deserialize)]
pub struct FindQuery {
    /// An order number (`B1E11036`), a phone number or an email address.
    q: String,
}

/// `GET /api/orders?q=…`: the orders a search names, newest first (staff).
pub async fn find_orders(
    _staff: Staff,
    State(state): State<ApiState>,
    QueryParams(query): QueryParams<FindQuery>,
) -> Result<Json<Vec<OrderHistory>>, ApiError> {
    let raw = query.q.trim();
    let search = if raw.chars().count() > 254 {
        None
    } else if let Some(digits) = display::parse_short_number(raw) {
        Some(OrderQuery::ShortNumber(digits))
    } else if raw.contains('@') {
        Some(OrderQuery::Customers(
            state.accounts.customers_with_email(raw).await?,
        ))
    } else {
        display::phone_digits(raw)
            .filter(|digits| (9..=11).contains(&digits.len()))
            .map(OrderQuery::Phone)
    };
    let search = search.ok_or_else(|| {
        ApiError::field(
            "q",
            "invalid",
            "search by an order number (8 letters and digits, like B1E11036), the \
             recipient's phone number, or the customer's email address",
        )
    })?;
    Ok(Json(state.read_models.find_orders(&search).await?))
}

#[derive(Deserialize)]
pub struct DayQuery {
    /// `YYYY-MM-DD`; today in Seoul if absent.
    day: Option<String>,
}

/// `GET /api/daySummary?day=2026-11-25`: a day at a glance (staff).
pub async fn day_summary(
    _staff: Staff,
    State(state): State<ApiState>,
    QueryParams(query): QueryParams<DayQuery>,
) -> Result<Json<DaySummary>, ApiError> {
    let day = day_or_today("day", query.day.as_deref())?;
    Ok(Json(state.read_models.day_summary(day).await?))
}

#[derive(Deserialize)]
pub struct PreparationQuery {
    /// First delivery day, `YYYY-MM-DD`; today in Seoul if absent.
    from: Option<String>,
    /// How many days, 1 to 14; 3 if absent.
    days: Option<u32>,
}

/// `GET /api/preparation?from=…&days=3`: per delivery day, the flowers its paid orders need
/// against the stock, with a restock suggestion where it falls short (staff).
pub async fn preparation(
    _staff: Staff,
    State(state): State<ApiState>,
    QueryParams(query): QueryParams<PreparationQuery>,
) -> Result<Json<Vec<Preparation>>, ApiError> {
    let from = day_or_today("from", query.from.as_deref())?;
    let days = query.days.unwrap_or(3);
    if !(1..=MAX_DAYS_SHOWN).contains(&days) {
        return Err(ApiError::field(
            "days",
            "invalid",
            format!("give 1 to {MAX_DAYS_SHOWN} days"),
        ));
    }
    Ok(Json(state.read_models.preparation(from, days).await?))
}
