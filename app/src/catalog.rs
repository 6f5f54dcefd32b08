//! The catalog page: every flower with its picture, price and availability, and a search box
//! that filters the list in the browser once the page is hydrated.

use crate::i18n::{tr, use_lang, Lang};
use contracts::Won;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// A flower as the storefront shows it (from the view context's productInfos).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flower {
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    pub description_ko: String,
    pub description_en: String,
    pub price_won: i64,
    pub available: i32,
    pub picture: String,
}

/// Stock at or below this is shown as "only n left".
pub const FEW_LEFT: i32 = 3;

impl Flower {
    /// Whether a search for `query` (already lowercased and trimmed) should show this flower.
    pub fn matches(&self, query: &str) -> bool {
        query.is_empty()
            || [
                &self.name_ko,
                &self.name_en,
                &self.description_ko,
                &self.description_en,
            ]
            .iter()
            .any(|text| text.to_lowercase().contains(query))
    }

    /// The availability as a CSS class: `in-stock`, `few-left` or `sold-out` (the words are in
    /// `availability_text`).
    pub fn availability_class(&self) -> &'static str {
        match self.available {
            n if n <= 0 => "sold-out",
            n if n <= FEW_LEFT => "few-left",
            _ => "in-stock",
        }
    }

    pub fn price(&self) -> String {
        Won(self.price_won).to_string()
    }
}

/// The catalog for a page, loaded again whenever stock or a price changes while it is open
/// (the live stream's product nudges), so the page never needs a reload.
pub fn live_catalog() -> Resource<Result<Vec<Flower>, ServerFnError>> {
    let flowers = Resource::new(|| (), |_| catalog());
    let live = crate::live::use_live();
    Effect::new(move |seen: Option<u64>| {
        let now = live.products.get();
        if seen.is_some_and(|seen| seen != now) {
            flowers.refetch();
        }
        now
    });
    flowers
}

/// The whole catalog, from the productInfos read model.
#[server(prefix = "/fn", endpoint = "catalog", input = GetUrl)]
pub async fn catalog() -> Result<Vec<Flower>, ServerFnError> {
    ssr::catalog().await
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::Flower;
    use leptos::prelude::*;

    pub async fn catalog() -> Result<Vec<Flower>, ServerFnError> {
        let read_models = use_context::<view::ReadModels>()
            .ok_or_else(|| ServerFnError::new("the catalog is not available on this server"))?;
        let infos = read_models.catalog().await.map_err(|error| {
            tracing::error!(%error, "reading productInfos failed");
            ServerFnError::new("the catalog could not be loaded; please try again shortly")
        })?;
        Ok(infos
            .into_iter()
            .map(|info| Flower {
                slug: info.slug,
                name_ko: info.name_ko,
                name_en: info.name_en,
                description_ko: info.description_ko,
                description_en: info.description_en,
                price_won: info.price_won,
                available: info.available,
                picture: info.picture,
            })
            .collect())
    }
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let flowers = live_catalog();
    let (query, set_query) = signal(String::new());
    let normalized = Memo::new(move |_| query.get().trim().to_lowercase());

    view! {
        <Title text=crate::i18n::now("꽃 둘러보기", "Flowers") />
        <section class="catalog" aria-labelledby="catalog-title">
            <div class="catalog-head">
                <h1 id="catalog-title">{tr("오늘의 꽃", "Today's flowers")}</h1>
                <div class="search">
                    <label for="flower-search">{tr("꽃 찾기", "Search")}</label>
                    <input
                        id="flower-search"
                        type="search"
                        placeholder=tr("장미, 튤립…", "rose, tulip…")
                        autocomplete="off"
                        prop:value=query
                        on:input=move |ev| set_query.set(event_target_value(&ev))
                    />
                </div>
            </div>
            <Transition fallback=|| view! { <p class="loading">{tr("꽃을 불러오는 중…", "Loading flowers…")}</p> }>
                {move || Suspend::new(async move {
                    match flowers.await {
                        Ok(list) => view! { <FlowerGrid flowers=list query=normalized /> }.into_any(),
                        Err(_) => {
                            // Not a page to keep or index: the next visit tries again.
                            #[cfg(feature = "ssr")]
                            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                                response.set_status(http::StatusCode::SERVICE_UNAVAILABLE);
                            }
                            view! {
                            <p class="error" role="alert">
                                {tr("꽃 목록을 불러오지 못했어요. 잠시 후 새로고침해 주세요.",
                                    "We could not load the flowers; please refresh in a moment.")}
                            </p>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn FlowerGrid(flowers: Vec<Flower>, query: Memo<String>) -> impl IntoView {
    let lang = use_lang();
    let total = flowers.len();
    let shown = {
        let flowers = flowers.clone();
        move || flowers.iter().filter(|f| f.matches(&query.get())).count()
    };
    let empty = {
        let shown = shown.clone();
        move || shown() == 0
    };
    view! {
        <p class="result-count" aria-live="polite">
            {move || {
                let n = shown();
                match (n == total, lang.get()) {
                    (true, Lang::Ko) => format!("꽃 {total}종"),
                    (true, Lang::En) => format!("{total} flowers"),
                    (false, Lang::Ko) => format!("검색 결과 {n}종"),
                    (false, Lang::En) => format!("{n} of {total} flowers"),
                }
            }}
        </p>
        <ul class="flower-grid">
            {flowers
                .into_iter()
                .map(|flower| {
                    let hidden = {
                        let flower = flower.clone();
                        move || !flower.matches(&query.get())
                    };
                    view! { <FlowerCard flower hidden /> }
                })
                .collect_view()}
        </ul>
        <p class="no-results" hidden=move || !empty()>
            {tr("찾는 꽃이 없어요. 다른 이름으로 찾아보세요.", "No flowers match; try another name.")}
        </p>
    }
}

#[component]
fn FlowerCard(flower: Flower, hidden: impl Fn() -> bool + Send + Sync + 'static) -> impl IntoView {
    let lang = use_lang();
    let availability_class = flower.availability_class();
    let available = flower.available;
    let href = format!("/flower/{}", flower.slug);
    let f = flower.clone();
    let name = move || flower_name(&f, lang.get());
    let f = flower.clone();
    let other_name = move || match lang.get() {
        Lang::Ko => f.name_en.clone(),
        Lang::En => f.name_ko.clone(),
    };
    let f = flower.clone();
    let description = move || match lang.get() {
        Lang::Ko => f.description_ko.clone(),
        Lang::En => f.description_en.clone(),
    };
    view! {
        <li class="flower-card" data-slug=flower.slug.clone() hidden=hidden>
            <a href=href.clone() tabindex="-1" aria-hidden="true">
                <img src=flower.picture.clone() alt="" width="240" height="240" loading="lazy" />
            </a>
            <div class="flower-body">
                <h2 class="flower-name"><a href=href>{name}</a></h2>
                <p class="flower-name-en">{other_name}</p>
                <p class="flower-description">{description}</p>
                <p class="flower-price">{flower.price()}</p>
                <p class=format!("availability {availability_class}")>
                    {move || availability_text(available, lang.get())}
                </p>
            </div>
        </li>
    }
}

/// The flower called `slug` in the catalog.
pub fn find(flowers: Vec<Flower>, slug: &str) -> Option<Flower> {
    flowers.into_iter().find(|f| f.slug == slug)
}

/// A flower's name in `lang`.
pub fn flower_name(flower: &Flower, lang: Lang) -> String {
    match lang {
        Lang::Ko => flower.name_ko.clone(),
        Lang::En => flower.name_en.clone(),
    }
}

/// How much of a flower is left, in words.
pub fn availability_text(available: i32, lang: Lang) -> String {
    match (available, lang) {
        (n, Lang::Ko) if n <= 0 => "품절".into(),
        (n, Lang::En) if n <= 0 => "Sold out".into(),
        (n, Lang::Ko) if n <= FEW_LEFT => format!("{n}개 남음"),
        (n, Lang::En) if n <= FEW_LEFT => format!("Only {n} left"),
        (n, Lang::Ko) => format!("재고 {n}개"),
        (n, Lang::En) => format!("{n} in stock"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rose(available: i32) -> Flower {
        Flower {
            slug: "red-rose-bouquet".into(),
            name_ko: "빨간 장미 꽃다발".into(),
            name_en: "Red Rose Bouquet".into(),
            description_ko: "장미 스무 송이".into(),
            description_en: "Twenty roses".into(),
            price_won: 69_000,
            available,
            picture: "/flowers/red-rose-bouquet.svg".into(),
        }
    }

    #[test]
    fn search_matches_korean_and_english_names() {
        assert!(rose(5).matches("장미"));
        assert!(rose(5).matches("rose"));
        assert!(rose(5).matches(""));
        assert!(!rose(5).matches("튤립"));
    }

    #[test]
    fn availability_warns_when_few_are_left_and_when_sold_out() {
        assert_eq!(rose(12).availability_class(), "in-stock");
        assert_eq!(rose(2).availability_class(), "few-left");
        assert_eq!(rose(0).availability_class(), "sold-out");
        use crate::i18n::Lang;
        assert_eq!(availability_text(2, Lang::Ko), "2개 남음");
        assert_eq!(availability_text(2, Lang::En), "Only 2 left");
        assert_eq!(availability_text(0, Lang::En), "Sold out");
    }

    #[test]
    fn prices_are_in_won_with_separators() {
        assert_eq!(rose(1).price(), "₩69,000");
    }
}
