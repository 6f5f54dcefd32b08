//! The shop's two languages: Korean (the default) and English. The language comes from the
//! `petal_lang` cookie, else from the browser's `Accept-Language`; the server renders the page
//! in it and writes it on `<html lang>`, where the browser picks it up when it hydrates. The
//! switch in the header sets the cookie and re-renders in place.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ko,
    En,
}

/// The name of the cookie that remembers the customer's choice.
pub const COOKIE: &str = "petal_lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().get(..2)?.to_ascii_lowercase().as_str() {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language for a request: the cookie's choice, else the first of Korean or English in
    /// `Accept-Language` (by the browser's order), else Korean.
    pub fn negotiate(cookie_header: Option<&str>, accept_language: Option<&str>) -> Self {
        let chosen = cookie_header.and_then(|cookies| {
            cookies
                .split(';')
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(name, _)| *name == COOKIE)
                .and_then(|(_, value)| Lang::parse(value))
        });
        chosen
            .or_else(|| {
                accept_language?
                    .split(',')
                    .find_map(|range| Lang::parse(range.split(';').next()?))
            })
            .unwrap_or_default()
    }

    /// The text in this language.
    pub fn pick<'a>(self, ko: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ko => ko,
            Lang::En => en,
        }
    }

    /// A date the way this language writes it: `2026년 11월 24일 (화)` or `Tue, 24 Nov 2026`.
    /// Written out by hand: chrono's `format` would bring its whole formatting machinery into
    /// the browser bundle.
    pub fn date(self, date: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        let weekday = date.weekday().num_days_from_monday() as usize;
        let month = date.month0() as usize;
        match self {
            Lang::Ko => format!(
                "{}년 {}월 {}일 ({})",
                date.year(),
                month + 1,
                date.day(),
                KO_DAYS[weekday]
            ),
            Lang::En => format!(
                "{}, {} {} {}",
                EN_DAYS[weekday],
                date.day(),
                EN_MONTHS[month],
                date.year()
            ),
        }
    }

    /// A moment in Seoul time: `11월 24일 오후 3:05` or `24 Nov, 3:05 PM`.
    pub fn moment(self, at: chrono::DateTime<chrono::Utc>) -> String {
        use chrono::{Datelike, Timelike};
        // Seoul has kept UTC+9 without daylight saving since 1988.
        let local = at.naive_utc() + chrono::Duration::hours(9);
        let (pm, hour) = local.hour12();
        let minute = local.minute();
        match self {
            Lang::Ko => format!(
                "{}월 {}일 {} {hour}:{minute:02}",
                local.month(),
                local.day(),
                if pm { "오후" } else { "오전" }
            ),
            Lang::En => format!(
                "{} {}, {hour}:{minute:02} {}",
                local.day(),
                EN_MONTHS[local.month0() as usize],
                if pm { "PM" } else { "AM" }
            ),
        }
    }
}

const KO_DAYS: [&str; 7] = ["월", "화", "수", "목", "금", "토", "일"];
const EN_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const EN_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The page's language, shared by every component.
#[derive(Clone, Copy)]
pub struct I18n(pub RwSignal<Lang>);

/// Sets up the language for this render: from the request on the server, from `<html lang>` in
/// the browser.
pub fn provide_i18n() -> I18n {
    #[cfg(feature = "ssr")]
    let lang = use_context::<http::request::Parts>()
        .map(|parts| {
            let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
            Lang::negotiate(
                header(http::header::COOKIE),
                header(http::header::ACCEPT_LANGUAGE),
            )
        })
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let lang = document()
        .document_element()
        .and_then(|html| html.get_attribute("lang"))
        .and_then(|code| Lang::parse(&code))
        .unwrap_or_default();
    let i18n = I18n(RwSignal::new(lang));
    provide_context(i18n);
    i18n
}

/// The current language (call inside a component).
pub fn use_lang() -> RwSignal<Lang> {
    expect_context::<I18n>().0
}

/// Switches the language and remembers it for a year.
pub fn switch_to(lang: Lang) {
    use_lang().set(lang);
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Ok(html) = document().dyn_into::<web_sys::HtmlDocument>() {
            let _ = html.set_cookie(&format!(
                "{COOKIE}={}; path=/; max-age=31536000; samesite=lax",
                lang.code()
            ));
        }
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", lang.code());
        }
    }
}

/// A text in the page's language as it is now, for places that are read once, outside the
/// reactive system (the document title is written into the response after rendering).
pub fn now(ko: &'static str, en: &'static str) -> &'static str {
    use_lang().get_untracked().pick(ko, en)
}

/// A text in both languages that follows the page's language.
pub fn tr(ko: &'static str, en: &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync {
    let lang = use_lang();
    move || lang.get().pick(ko, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_wins_then_the_browser_then_korean() {
        assert_eq!(
            Lang::negotiate(Some("a=b; petal_lang=en"), Some("ko-KR")),
            Lang::En
        );
        assert_eq!(
            Lang::negotiate(None, Some("en-US,en;q=0.9,ko;q=0.8")),
            Lang::En
        );
        assert_eq!(
            Lang::negotiate(None, Some("fr-FR,ko;q=0.5,en;q=0.4")),
            Lang::Ko
        );
        assert_eq!(Lang::negotiate(None, Some("fr-FR")), Lang::Ko);
        assert_eq!(Lang::negotiate(Some("petal_lang=xx"), None), Lang::Ko);
    }

    #[test]
    fn dates_and_times_read_naturally_in_each_language() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(Lang::Ko.date(day), "2026년 11월 24일 (화)");
        assert_eq!(Lang::En.date(day), "Tue, 24 Nov 2026");
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T06:05:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(Lang::Ko.moment(at), "11월 24일 오후 3:05");
        assert_eq!(Lang::En.moment(at), "24 Nov, 3:05 PM");
    }
}
