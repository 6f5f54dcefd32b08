//! What the API says is wrong with a form, shown next to the field, in the customer's language.
//! The API names each problem with a stable code; Korean words for the codes live here, and
//! English uses the API's own message.

use crate::{
    client::Failure,
    i18n::{use_lang, Lang},
};
use contracts::order::FieldProblem;
use leptos::prelude::*;

/// Korean for a problem the API reported, by field and code.
pub fn korean(problem: &FieldProblem) -> String {
    let field = problem.field.split('[').next().unwrap_or_default();
    let text = match (field, problem.code.as_str()) {
        ("email", "taken") => "이미 쓰이는 이메일이에요. 다른 이메일을 적어 주세요.",
        ("q", _) => "주문 번호(예: B1E11036), 받는 분 전화번호, 또는 고객 이메일로 찾아 주세요.",
        ("days", _) => "1일에서 14일 사이로 골라 주세요.",
        ("day" | "from", _) => "날짜를 2026-11-25처럼 적어 주세요.",
        ("email", "email_taken") => "이미 가입된 이메일이에요. 로그인해 주세요.",
        ("email", _) => "이메일 주소를 확인해 주세요 (예: name@example.com).",
        ("name", _) => "이름을 적어 주세요 (40자 이내).",
        ("password", _) => "비밀번호는 10자 이상으로 정해 주세요.",
        ("current_password", _) => "지금 비밀번호가 맞지 않아요.",
        ("new_password", _) => "새 비밀번호는 10자 이상, 128자 이하로 정해 주세요.",
        ("lines", "out_of_stock") => "남은 수량보다 많이 주문하셨어요.",
        ("lines", "unknown_product") => "지금은 팔지 않는 꽃이에요.",
        ("lines", _) => "수량은 1개에서 20개 사이로 골라 주세요.",
        ("recipient_name", "too_long") => "받는 분 이름은 30자 이내로 적어 주세요.",
        ("recipient_name", _) => "받는 분 이름을 적어 주세요.",
        ("recipient_phone", _) => "휴대전화 번호를 010-1234-5678처럼 적어 주세요.",
        ("address", "too_long") => "주소는 200자 이내로 적어 주세요.",
        ("address", _) => "배달받을 주소를 모두 적어 주세요.",
        ("delivery_date", "past") => "지난 날짜예요. 오늘 이후로 골라 주세요.",
        ("delivery_date", "too_far") => "너무 먼 날짜예요. 30일 이내로 골라 주세요.",
        ("delivery_date", "same_day_closed") => {
            "오늘 배달 주문은 마감됐어요. 내일 이후로 골라 주세요."
        }
        ("delivery_date", _) => "배달 날짜를 골라 주세요.",
        ("window", "too_soon") => {
            "오늘은 이 시간대에 배달할 수 없어요. 더 늦은 시간을 골라 주세요."
        }
        ("window", _) => "배달 시간대를 골라 주세요.",
        ("card_message", _) => "카드 메시지가 너무 길어요.",
        ("card_number", _) => {
            "카드 번호를 확인해 주세요. 시험용 카드 4242 4242 4242 4242를 쓸 수 있어요."
        }
        ("card_expiry", _) => "유효기간을 MM/YY로 적어 주세요 (지나지 않은 날짜).",
        ("card_cvc", _) => "카드 뒷면의 숫자 3자리를 적어 주세요.",
        ("quantity", _) => "수량을 1 이상의 숫자로 적어 주세요.",
        ("reason", _) => "이유를 적어 주세요 (200자 이내).",
        ("price_won", _) => "가격은 100원에서 1,000만 원 사이로 적어 주세요.",
        ("slug", "taken") => "이미 있는 주소 이름이에요. 다른 이름을 정해 주세요.",
        ("slug", _) => "영문 소문자, 숫자, 하이픈으로 적어 주세요 (예: red-roses).",
        ("picture", _) => "그림을 골라 주세요.",
        ("photo", _) => "512KB 이하의 PNG나 JPEG 사진을 올려 주세요.",
        _ => return problem.message.clone(),
    };
    if problem.code == "out_of_stock" {
        // The API's sentence carries the numbers (how many are left).
        format!("{text} ({})", problem.message)
    } else {
        text.to_owned()
    }
}

/// A problem in the page's language.
pub fn in_lang(lang: Lang, problem: &FieldProblem) -> String {
    match lang {
        Lang::Ko => korean(problem),
        Lang::En => problem.message.clone(),
    }
}

/// The problem with `field` (or any field starting with it, like `lines[0].quantity`), if the
/// last attempt had one; linked to the input by `id="{field}-error"`.
#[component]
pub fn FieldError(failure: RwSignal<Option<Failure>>, field: &'static str) -> impl IntoView {
    let lang = use_lang();
    move || {
        failure.get().and_then(|failure| {
            let problem = failure
                .fields
                .iter()
                .find(|p| p.field == field || p.field.starts_with(&format!("{field}[")))?
                .clone();
            Some(view! {
                <p class="field-error" id=format!("{field}-error") role="alert">
                    {in_lang(lang.get(), &problem)}
                </p>
            })
        })
    }
}

/// What went wrong, for the part of the form that is not one field, in the page's language.
pub fn general_failure(failure: &Failure, lang: Lang) -> String {
    match (failure.status, lang) {
        (429, Lang::Ko) => match failure.retry_after {
            Some(seconds) => format!("시도가 너무 많았어요. {seconds}초 뒤에 다시 해 주세요."),
            None => "시도가 너무 많았어요. 잠시 후 다시 해 주세요.".to_owned(),
        },
        (401, Lang::Ko) => "로그인이 끝났어요. 다시 로그인해 주세요.".to_owned(),
        (_, Lang::Ko) => "잠시 후 다시 시도해 주세요.".to_owned(),
        (_, Lang::En) => failure.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_attempts_read_in_korean_with_the_wait() {
        let failure = Failure {
            status: 429,
            error: "too_many_requests".into(),
            message: "too many attempts; try again in 42 seconds".into(),
            retry_after: Some(42),
            ..Failure::default()
        };
        assert!(general_failure(&failure, Lang::Ko).contains("42초"));
        assert_eq!(general_failure(&failure, Lang::En), failure.message);
    }

    fn problem(field: &str, code: &str) -> FieldProblem {
        FieldProblem {
            field: field.into(),
            code: code.into(),
            message: "only 1 of Pink Tulips (pink-tulips) left; you asked for 3".into(),
        }
    }

    #[test]
    fn every_checkout_problem_reads_in_korean() {
        assert!(korean(&problem("delivery_date", "past")).contains("지난 날짜"));
        assert!(korean(&problem("lines[0].quantity", "out_of_range")).contains("수량"));
        let stock = korean(&problem("lines", "out_of_stock"));
        assert!(stock.contains("남은 수량") && stock.contains("only 1"));
        // Something new from the API still says something.
        assert_eq!(
            korean(&problem("mystery", "odd")),
            problem("x", "y").message
        );
    }
}
