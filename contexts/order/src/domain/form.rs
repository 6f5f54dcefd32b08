//! What a valid order is: the order form read field by field into an [`OrderRequest`] (every
//! problem named at once), phone numbers, and the delivery [`Calendar`].

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use contracts::order::{Recipient, TimeWindow};
use contracts::rules::{first_delivery_day, last_delivery_day, PREPARATION_HOURS};
use contracts::rules::{MAX_CARD_MESSAGE, MAX_DAYS_AHEAD, MAX_LINES, MAX_QUANTITY};
use serde::Serialize;

/// One thing wrong with the input, named by field, with what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    /// Stable code for translations: `required`, `too_long`, `invalid`, `past`, …
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// What the customer asked for, before it is checked.
#[derive(Clone, Debug, Default)]
pub struct OrderForm {
    pub lines: Vec<(String, i64)>,
    pub recipient_name: String,
    pub recipient_phone: String,
    pub address: String,
    pub delivery_date: String,
    pub window: String,
    pub card_message: Option<String>,
}

/// A checked order request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRequest {
    pub lines: Vec<(String, i32)>,
    pub recipient: Recipient,
    pub address: String,
    pub delivery_date: NaiveDate,
    pub window: TimeWindow,
    pub card_message: Option<String>,
}

/// When same-day delivery stops being offered, and "now" in the shop's time zone.
#[derive(Clone, Copy, Debug)]
pub struct Calendar {
    /// Local (Asia/Seoul) time the order is placed.
    pub now: NaiveDateTime,
    /// Same-day orders are taken before this hour.
    pub same_day_cutoff_hour: u32,
}

impl OrderForm {
    /// Checks every field and reports every problem at once.
    pub fn parse(&self, calendar: Calendar) -> Result<OrderRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        // No database stores NUL, and no control character is meant for the florist or the
        // courier: refused before anything is reserved. Card messages may break lines.
        let texts = [
            ("recipient_name", self.recipient_name.as_str(), false),
            ("recipient_phone", self.recipient_phone.as_str(), false),
            ("address", self.address.as_str(), false),
            ("delivery_date", self.delivery_date.as_str(), false),
            ("window", self.window.as_str(), false),
            (
                "card_message",
                self.card_message.as_deref().unwrap_or(""),
                true,
            ),
        ];
        let slugs = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, (slug, _))| (format!("lines[{i}].slug"), slug.as_str(), false));
        for (field, text, line_breaks) in texts
            .into_iter()
            .map(|(field, text, breaks)| (field.to_owned(), text, breaks))
            .chain(slugs)
        {
            if has_control_character(text, line_breaks) {
                errors.push(FieldError::new(
                    field,
                    "control_character",
                    "remove the invisible control characters from this text",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        if self.lines.is_empty() {
            errors.push(FieldError::new(
                "lines",
                "required",
                "choose at least one flower",
            ));
        } else if self.lines.len() > MAX_LINES {
            errors.push(FieldError::new(
                "lines",
                "too_many",
                format!("an order holds at most {MAX_LINES} different flowers"),
            ));
        }
        let mut lines = Vec::with_capacity(self.lines.len());
        for (i, (slug, quantity)) in self.lines.iter().enumerate() {
            if slug.trim().is_empty() {
                errors.push(FieldError::new(
                    format!("lines[{i}].slug"),
                    "required",
                    "say which flower",
                ));
            } else if self.lines[..i].iter().any(|(s, _)| s.trim() == slug.trim()) {
                // One line per flower, or the per-flower cap means nothing.
                errors.push(FieldError::new(
                    format!("lines[{i}].slug"),
                    "duplicate",
                    "this flower is already in the order; change its quantity instead",
                ));
            }
            match i32::try_from(*quantity) {
                Ok(q) if (1..=MAX_QUANTITY).contains(&q) => lines.push((slug.trim().to_owned(), q)),
                _ => errors.push(FieldError::new(
                    format!("lines[{i}].quantity"),
                    "out_of_range",
                    format!("order 1 to {MAX_QUANTITY} of each flower"),
                )),
            }
        }

        let name = self.recipient_name.trim();
        if name.is_empty() {
            errors.push(FieldError::new(
                "recipient_name",
                "required",
                "write who receives the flowers",
            ));
        } else if name.chars().count() > 30 {
            errors.push(FieldError::new(
                "recipient_name",
                "too_long",
                "use at most 30 characters for the name",
            ));
        }
        let phone = parse_phone(&self.recipient_phone);
        if phone.is_none() {
            errors.push(FieldError::new(
                "recipient_phone",
                "invalid",
                "write a Korean mobile number, like 010-1234-5678",
            ));
        }
        let address = self.address.trim();
        if address.chars().count() < 5 {
            errors.push(FieldError::new(
                "address",
                "required",
                "write the full delivery address",
            ));
        } else if address.chars().count() > 200 {
            errors.push(FieldError::new(
                "address",
                "too_long",
                "use at most 200 characters for the address",
            ));
        }
        let window = self.window.trim().parse::<TimeWindow>().ok();
        if window.is_none() {
            errors.push(FieldError::new(
                "window",
                "invalid",
                "choose morning, afternoon or evening",
            ));
        }
        let date = NaiveDate::parse_from_str(self.delivery_date.trim(), "%Y-%m-%d").ok();
        match (date, window) {
            (None, _) => errors.push(FieldError::new(
                "delivery_date",
                "invalid",
                "choose a delivery date (YYYY-MM-DD)",
            )),
            (Some(date), Some(window)) => {
                if let Err(error) = calendar.check(date, window) {
                    errors.push(error);
                }
            }
            (Some(_), None) => {}
        }
        let card_message = self
            .card_message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty());
        if card_message.is_some_and(|m| m.chars().count() > MAX_CARD_MESSAGE) {
            errors.push(FieldError::new(
                "card_message",
                "too_long",
                format!("keep the card message to {MAX_CARD_MESSAGE} characters"),
            ));
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(OrderRequest {
            lines,
            recipient: Recipient {
                name: name.to_owned(),
                phone: phone.expect("checked above"),
            },
            address: address.to_owned(),
            delivery_date: date.expect("checked above"),
            window: window.expect("checked above"),
            card_message: card_message.map(str::to_owned),
        })
    }
}

/// Whether `text` holds a character that is not meant to be read: a control character (NUL,
/// escape, …; line breaks aside if allowed) or a bidirectional embedding, override or isolate,
/// which reorders what a florist or courier sees (an address that reads differently than it is).
pub fn has_control_character(text: &str, line_breaks: bool) -> bool {
    text.chars()
        .any(|c| is_hidden(c) && !(line_breaks && matches!(c, '\n' | '\r' | '\t')))
}

/// A control character or a bidirectional formatting character (U+202A–U+202E,
/// U+2066–U+2069). The one definition the API's JSON reader uses too.
pub fn is_hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A Korean mobile number as digits (`01012345678`), from any usual spelling of it.
pub fn parse_phone(raw: &str) -> Option<String> {
    let digits = contracts::display::phone_digits(raw)?;
    let valid = (10..=11).contains(&digits.len())
        && digits.starts_with("01")
        && matches!(
            digits.as_bytes()[2],
            b'0' | b'1' | b'6' | b'7' | b'8' | b'9'
        );
    valid.then_some(digits)
}

impl Calendar {
    /// The first day an order can still be delivered: today before the cut-off, else tomorrow.
    pub fn first_day(&self) -> NaiveDate {
        first_delivery_day(self.now, self.same_day_cutoff_hour)
    }

    /// The last day an order can be placed for.
    pub fn last_day(&self) -> NaiveDate {
        last_delivery_day(self.now)
    }

    /// Whether flowers can arrive on `date` in `window`, seen from now.
    pub fn check(&self, date: NaiveDate, window: TimeWindow) -> Result<(), FieldError> {
        let today = self.now.date();
        if date < today {
            return Err(FieldError::new(
                "delivery_date",
                "past",
                "that date has passed; choose today or later",
            ));
        }
        if date > self.last_day() {
            return Err(FieldError::new(
                "delivery_date",
                "too_far",
                format!("we take orders up to {MAX_DAYS_AHEAD} days ahead"),
            ));
        }
        if date == today {
            let hour = self.now.hour();
            if hour >= self.same_day_cutoff_hour {
                return Err(FieldError::new(
                    "delivery_date",
                    "same_day_closed",
                    format!(
                        "same-day orders close at {}:00; choose tomorrow or later",
                        self.same_day_cutoff_hour
                    ),
                ));
            }
            // Time to prepare: the window must still be open by then.
            if hour + PREPARATION_HOURS >= window.hours().1 {
                return Err(FieldError::new(
                    "window",
                    "too_soon",
                    "this window is too soon for today; choose a later one",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-24 10:30 in Seoul, same-day orders until 14:00.
    fn calendar_at(hour: u32, minute: u32) -> Calendar {
        Calendar {
            now: NaiveDate::from_ymd_opt(2026, 11, 24)
                .unwrap()
                .and_hms_opt(hour, minute, 0)
                .unwrap(),
            same_day_cutoff_hour: 14,
        }
    }

    fn form() -> OrderForm {
        OrderForm {
            lines: vec![("red-rose-bouquet".into(), 1)],
            recipient_name: "김하늘".into(),
            recipient_phone: "010-1234-5678".into(),
            address: "서울특별시 마포구 양화로 45, 3층".into(),
            delivery_date: "2026-11-25".into(),
            window: "afternoon".into(),
            card_message: Some("생일 축하해!".into()),
        }
    }

    fn fields(result: Result<OrderRequest, Vec<FieldError>>) -> Vec<(String, &'static str)> {
        result
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn given_a_complete_form_then_the_order_request_is_accepted() {
        let request = form().parse(calendar_at(10, 30)).unwrap();
        assert_eq!(request.recipient.phone, "01012345678");
        assert_eq!(request.window, TimeWindow::Afternoon);
        assert_eq!(request.lines, vec![("red-rose-bouquet".to_owned(), 1)]);
    }

    #[test]
    fn given_control_characters_then_their_fields_are_refused_before_anything_else() {
        let bad = OrderForm {
            lines: vec![("red-rose\u{0}".into(), 1)],
            recipient_name: "a\u{0}".into(),
            address: "서울특별시\n마포구 양화로 45".into(),
            card_message: Some("생일 축하해!\n사랑해".into()),
            ..form()
        };
        assert_eq!(
            fields(bad.parse(calendar_at(10, 0))),
            vec![
                ("recipient_name".into(), "control_character"),
                ("address".into(), "control_character"),
                ("lines[0].slug".into(), "control_character"),
            ],
            "a card message may break lines; an address line may not"
        );
    }

    #[test]
    fn given_bidi_overrides_then_the_text_is_refused() {
        let bad = OrderForm {
            address: "서울특별시 마포구 \u{202E}54 로화양".into(),
            recipient_name: "김\u{2066}하늘\u{2069}".into(),
            ..form()
        };
        assert_eq!(
            fields(bad.parse(calendar_at(10, 0))),
            vec![
                ("recipient_name".into(), "control_character"),
                ("address".into(), "control_character"),
            ]
        );
    }

    #[test]
    fn given_one_flower_on_two_lines_then_the_second_is_refused() {
        let bad = OrderForm {
            lines: vec![
                ("red-rose-bouquet".into(), 20),
                ("pink-tulips".into(), 1),
                (" red-rose-bouquet".into(), 20),
            ],
            ..form()
        };
        assert_eq!(
            fields(bad.parse(calendar_at(10, 0))),
            vec![("lines[2].slug".into(), "duplicate")]
        );
    }

    #[test]
    fn given_several_problems_then_every_field_is_named_at_once() {
        let bad = OrderForm {
            lines: vec![("red-rose-bouquet".into(), 0)],
            recipient_name: " ".into(),
            recipient_phone: "02-123-4567".into(),
            address: "서울".into(),
            delivery_date: "tomorrow".into(),
            window: "night".into(),
            card_message: Some("♥".repeat(151)),
        };
        assert_eq!(
            fields(bad.parse(calendar_at(10, 0))),
            vec![
                ("lines[0].quantity".into(), "out_of_range"),
                ("recipient_name".into(), "required"),
                ("recipient_phone".into(), "invalid"),
                ("address".into(), "required"),
                ("window".into(), "invalid"),
                ("delivery_date".into(), "invalid"),
                ("card_message".into(), "too_long"),
            ]
        );
    }

    #[test]
    fn phone_numbers_are_read_in_their_usual_spellings() {
        assert_eq!(parse_phone("010-1234-5678").as_deref(), Some("01012345678"));
        assert_eq!(parse_phone("011 234 5678").as_deref(), Some("0112345678"));
        assert_eq!(parse_phone("02-1234-5678"), None);
        assert_eq!(parse_phone("010-1234-567a"), None);
    }

    #[test]
    fn given_a_date_in_the_past_then_refused() {
        let mut past = form();
        past.delivery_date = "2026-11-23".into();
        assert_eq!(
            fields(past.parse(calendar_at(10, 0))),
            vec![("delivery_date".into(), "past")]
        );
    }

    #[test]
    fn given_a_date_too_far_ahead_then_refused() {
        let mut far = form();
        far.delivery_date = "2026-12-25".into();
        assert_eq!(
            fields(far.parse(calendar_at(10, 0))),
            vec![("delivery_date".into(), "too_far")]
        );
    }

    #[test]
    fn given_same_day_before_the_cutoff_then_a_window_far_enough_ahead_is_accepted() {
        let mut today = form();
        today.delivery_date = "2026-11-24".into();
        today.window = "evening".into();
        assert!(today.parse(calendar_at(13, 59)).is_ok());
        today.window = "afternoon".into();
        assert!(today.parse(calendar_at(10, 0)).is_ok());
        today.window = "morning".into();
        assert_eq!(
            fields(today.parse(calendar_at(10, 0))),
            vec![("window".into(), "too_soon")]
        );
    }

    #[test]
    fn given_same_day_after_the_cutoff_then_refused() {
        let mut today = form();
        today.delivery_date = "2026-11-24".into();
        today.window = "evening".into();
        assert_eq!(
            fields(today.parse(calendar_at(14, 0))),
            vec![("delivery_date".into(), "same_day_closed")]
        );
    }
}
