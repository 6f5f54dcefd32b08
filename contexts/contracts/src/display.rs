//! How the shop writes the identifiers people read aloud: an order's short number and a phone
//! number, the same on every page, message and day sheet.

use uuid::Uuid;

/// An order's short number, as customers see it in their messages and staff look it up:
/// the last eight hex digits of its id, upper case (`B1E11036`).
pub fn short_number(order_id: Uuid) -> String {
    order_id.simple().to_string()[24..].to_uppercase()
}

/// A short number as someone typed it (`#b1e11036`, ` B1E1 1036 `), if it is one: eight hex
/// digits, lower case, as they end the id's text form.
pub fn parse_short_number(raw: &str) -> Option<String> {
    let digits: String = raw
        .trim()
        .trim_start_matches('#')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == 8 && digits.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| digits.to_ascii_lowercase())
}

/// A phone number's digits (`01012345678`) from any usual spelling, if it has only digits
/// and the usual separators.
pub fn phone_digits(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '.' | '(' | ')'))
        .collect();
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// A phone number written the Korean way: `010-1234-5678`, `011-234-5678`, `02-123-4567`,
/// `031-123-4567`, `1588-1234`. A number of another shape is shown as it was given.
pub fn phone(raw: &str) -> String {
    let Some(d) = phone_digits(raw) else {
        return raw.to_owned();
    };
    let groups: &[usize] = match (d.len(), d.starts_with("02"), d.starts_with('0')) {
        // Seoul's area code has two digits.
        (9, true, _) => &[2, 3, 4],
        (10, true, _) => &[2, 4, 4],
        // Mobile numbers and the other area codes have three.
        (10, false, true) => &[3, 3, 4],
        (11, false, true) => &[3, 4, 4],
        // Nationwide numbers (1588-1234).
        (8, false, false) if d.starts_with('1') => &[4, 4],
        _ => return raw.to_owned(),
    };
    let mut parts = Vec::with_capacity(groups.len());
    let mut at = 0;
    for len in groups {
        parts.push(&d[at..at + len]);
        at += len;
    }
    parts.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_written_the_korean_way() {
        assert_eq!(phone("01012345678"), "010-1234-5678");
        assert_eq!(phone("010 1234 5678"), "010-1234-5678");
        assert_eq!(phone("0112345678"), "011-234-5678");
        assert_eq!(phone("021234567"), "02-123-4567");
        assert_eq!(phone("0212345678"), "02-1234-5678");
        assert_eq!(phone("0311234567"), "031-123-4567");
        assert_eq!(phone("03112345678"), "031-1234-5678");
        assert_eq!(phone("15881234"), "1588-1234");
    }

    #[test]
    fn a_number_of_another_shape_is_shown_as_given() {
        for raw in [
            "12345",
            "+82 10 1234 5678",
            "010-1234-567a",
            "",
            "0101234567890",
        ] {
            assert_eq!(phone(raw), raw);
        }
    }

    #[test]
    fn a_short_number_is_the_end_of_the_id_and_reads_back() {
        let id: Uuid = "0193a6f2-7c1d-7e54-9a3b-4c2db1e11036".parse().unwrap();
        assert_eq!(short_number(id), "B1E11036");
        for typed in ["B1E11036", "#b1e11036", " b1e1 1036 ", "B1E1-1036"] {
            assert_eq!(
                parse_short_number(typed).as_deref(),
                Some("b1e11036"),
                "{typed}"
            );
            assert!(id
                .to_string()
                .ends_with(&parse_short_number(typed).unwrap()));
        }
        for not in ["B1E1103", "B1E110367", "G1E11036", ""] {
            assert_eq!(parse_short_number(not), None, "{not}");
        }
    }
}
