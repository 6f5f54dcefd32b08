//! Inventory's rules, free of I/O: what a valid product and a valid restock are.
//!
//! Input is parsed once at the edge into types that cannot hold a bad value; each error names
//! the field and says what to fix.

use contracts::{Localized, Won};
use serde::Deserialize;
use std::fmt;

/// A product's stable, URL-safe name: lowercase letters, digits and single hyphens.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slug(String);

/// Stock counted in whole items, never negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity(i32);

/// A product the shop starts selling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProduct {
    pub slug: Slug,
    pub name: Localized,
    pub description: Localized,
    pub price: Won,
    pub on_hand: Quantity,
}

/// Stock arriving from the wholesaler, with the reason recorded in the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restock {
    pub quantity: Quantity,
    pub reason: String,
}

/// A field of product input that is not acceptable, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ProductError {
    pub field: String,
    pub problem: String,
}

impl ProductError {
    fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// The most a single product may hold; beyond that a typo is more likely than a delivery.
pub const MAX_STOCK: i32 = 100_000;
/// The most a single product may cost, in won.
pub const MAX_PRICE_WON: i64 = 10_000_000;

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, ProductError> {
        let valid = (2..=60).contains(&raw.len())
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !raw.starts_with('-')
            && !raw.ends_with('-')
            && !raw.contains("--");
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ProductError::new(
                "slug",
                "use 2 to 60 lowercase letters, digits and single hyphens, like \"red-rose-bouquet\"",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where the product's picture is served from.
    pub fn picture(&self) -> String {
        format!("/flowers/{}.svg", self.0)
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Quantity {
    /// Stock on hand: zero or more, up to [`MAX_STOCK`].
    pub fn stock(field: &str, value: i64) -> Result<Self, ProductError> {
        match i32::try_from(value) {
            Ok(v) if (0..=MAX_STOCK).contains(&v) => Ok(Self(v)),
            _ => Err(ProductError::new(
                field,
                format!("must be a whole number from 0 to {MAX_STOCK}"),
            )),
        }
    }

    /// An amount that changes stock: at least one item.
    pub fn positive(field: &str, value: i64) -> Result<Self, ProductError> {
        match i32::try_from(value) {
            Ok(v) if (1..=MAX_STOCK).contains(&v) => Ok(Self(v)),
            _ => Err(ProductError::new(
                field,
                format!("must be a whole number from 1 to {MAX_STOCK}"),
            )),
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

fn price(value: i64) -> Result<Won, ProductError> {
    if (100..=MAX_PRICE_WON).contains(&value) {
        Ok(Won(value))
    } else {
        Err(ProductError::new(
            "price_won",
            format!("must be whole won from 100 to {MAX_PRICE_WON}"),
        ))
    }
}

fn text(field: &str, value: &str, max_chars: usize) -> Result<String, ProductError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ProductError::new(field, "must not be empty"));
    }
    if value.chars().count() > max_chars {
        return Err(ProductError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(value.to_owned())
}

fn localized(field: &str, value: &Localized, max_chars: usize) -> Result<Localized, ProductError> {
    Ok(Localized {
        ko: text(&format!("{field}.ko"), &value.ko, max_chars)?,
        en: text(&format!("{field}.en"), &value.en, max_chars)?,
    })
}

/// Product input as it arrives (catalog file, API body) before it is checked.
#[derive(Clone, Debug, Deserialize)]
pub struct ProductInput {
    pub slug: String,
    pub name: Localized,
    pub description: Localized,
    pub price_won: i64,
    pub on_hand: i64,
}

impl NewProduct {
    pub fn parse(input: &ProductInput) -> Result<Self, ProductError> {
        Ok(Self {
            slug: Slug::parse(&input.slug)?,
            name: localized("name", &input.name, 40)?,
            description: localized("description", &input.description, 300)?,
            price: price(input.price_won)?,
            on_hand: Quantity::stock("on_hand", input.on_hand)?,
        })
    }
}

impl Restock {
    pub fn parse(quantity: i64, reason: &str) -> Result<Self, ProductError> {
        Ok(Self {
            quantity: Quantity::positive("quantity", quantity)?,
            reason: text("reason", reason, 200)?,
        })
    }
}

/// A new price, with the reason recorded in the product's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceChange {
    pub price: Won,
    pub reason: String,
}

impl PriceChange {
    pub fn parse(price_won: i64, reason: &str) -> Result<Self, ProductError> {
        Ok(Self {
            price: price(price_won)?,
            reason: text("reason", reason, 200)?,
        })
    }
}

/// At or below this many items available, staff see the product flagged to reorder.
pub const LOW_STOCK: i32 = 3;

/// A picture staff choose for a new flower: one of the drawings served under `/flowers/`.
pub fn picture(raw: &str) -> Result<String, ProductError> {
    let name = raw
        .strip_prefix("/flowers/")
        .and_then(|rest| rest.strip_suffix(".svg"));
    match name {
        Some(name) if Slug::parse(name).is_ok() => Ok(raw.to_owned()),
        _ => Err(ProductError::new(
            "picture",
            "choose one of the shop's drawings, like \"/flowers/red-roses.svg\"",
        )),
    }
}

/// A photo staff upload for a flower, as a `data:` URL from the browser. Pictures are served
/// from the shop's own address, so only PNG and JPEG are taken, recognised by their first
/// bytes whatever the upload claims (an SVG could carry a script).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Photo {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The largest photo, in bytes.
pub const MAX_PHOTO_BYTES: usize = 512 * 1024;

impl Photo {
    pub fn parse_data_url(raw: &str) -> Result<Self, ProductError> {
        use base64::Engine;
        let problem =
            || ProductError::new("photo", "upload a PNG or JPEG picture of at most 512 KB");
        let (_, data) = raw.split_once(";base64,").ok_or_else(problem)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|_| problem())?;
        if bytes.is_empty() || bytes.len() > MAX_PHOTO_BYTES {
            return Err(problem());
        }
        let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else {
            return Err(problem());
        };
        Ok(Self {
            content_type,
            bytes,
        })
    }
}

/// Parses a catalog file (a JSON array of products); an error names the entry at fault.
pub fn parse_catalog(json: &str) -> Result<Vec<NewProduct>, ProductError> {
    let inputs: Vec<ProductInput> = serde_json::from_str(json)
        .map_err(|e| ProductError::new("catalog", format!("is not a list of products: {e}")))?;
    let mut products = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        let product = NewProduct::parse(input).map_err(|e| ProductError {
            field: format!("catalog[{index}].{}", e.field),
            problem: e.problem,
        })?;
        if products.iter().any(|p: &NewProduct| p.slug == product.slug) {
            return Err(ProductError::new(
                format!("catalog[{index}].slug"),
                format!(
                    "\"{}\" appears twice; each product needs its own",
                    product.slug
                ),
            ));
        }
        products.push(product);
    }
    Ok(products)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ProductInput {
        ProductInput {
            slug: "red-rose-bouquet".into(),
            name: Localized {
                ko: "빨간 장미 꽃다발".into(),
                en: "Red Rose Bouquet".into(),
            },
            description: Localized {
                ko: "장미 스무 송이".into(),
                en: "Twenty roses".into(),
            },
            price_won: 69_000,
            on_hand: 12,
        }
    }

    fn field_of(input: ProductInput) -> String {
        NewProduct::parse(&input).unwrap_err().field
    }

    #[test]
    fn a_well_formed_product_is_accepted() {
        let product = NewProduct::parse(&input()).unwrap();
        assert_eq!(product.slug.as_str(), "red-rose-bouquet");
        assert_eq!(product.price, Won(69_000));
        assert_eq!(product.on_hand.get(), 12);
        assert_eq!(product.slug.picture(), "/flowers/red-rose-bouquet.svg");
    }

    #[test]
    fn names_and_descriptions_are_trimmed() {
        let mut raw = input();
        raw.name.en = "  Red Rose Bouquet \n".into();
        assert_eq!(NewProduct::parse(&raw).unwrap().name.en, "Red Rose Bouquet");
    }

    #[test]
    fn slugs_must_be_url_safe() {
        for bad in [
            "",
            "a",
            "Red-Roses",
            "red roses",
            "-roses",
            "roses-",
            "red--roses",
            "장미",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Slug::parse("roses-2026").is_ok());
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut raw = input();
        raw.price_won = 0;
        assert_eq!(field_of(raw), "price_won");

        let mut raw = input();
        raw.on_hand = -1;
        assert_eq!(field_of(raw), "on_hand");

        let mut raw = input();
        raw.name.ko = "   ".into();
        assert_eq!(field_of(raw), "name.ko");

        let mut raw = input();
        raw.description.en = "x".repeat(301);
        assert_eq!(field_of(raw), "description.en");
    }

    #[test]
    fn a_restock_adds_at_least_one_item_and_says_why() {
        assert_eq!(
            Restock::parse(5, "Monday delivery").unwrap().quantity.get(),
            5
        );
        assert_eq!(Restock::parse(0, "x").unwrap_err().field, "quantity");
        assert_eq!(Restock::parse(-3, "x").unwrap_err().field, "quantity");
        assert_eq!(Restock::parse(5, "  ").unwrap_err().field, "reason");
        assert_eq!(
            Restock::parse(i64::from(MAX_STOCK) + 1, "x")
                .unwrap_err()
                .field,
            "quantity"
        );
    }

    #[test]
    fn a_price_change_needs_a_sane_price_and_a_reason() {
        assert_eq!(
            PriceChange::parse(52_000, "spring prices").unwrap().price,
            Won(52_000)
        );
        assert_eq!(PriceChange::parse(50, "x").unwrap_err().field, "price_won");
        assert_eq!(PriceChange::parse(52_000, "").unwrap_err().field, "reason");
    }

    #[test]
    fn a_picture_is_one_of_the_shop_drawings() {
        assert!(picture("/flowers/red-roses.svg").is_ok());
        for bad in [
            "red-roses.svg",
            "/flowers/../secret.svg",
            "https://evil.example/x.svg",
            "/flowers/Red.svg",
            "/flowers/red-roses.png",
        ] {
            assert_eq!(picture(bad).unwrap_err().field, "picture", "{bad}");
        }
    }

    #[test]
    fn a_photo_is_a_small_png_or_jpeg_whatever_it_claims_to_be() {
        use base64::Engine;
        let url = |bytes: &[u8], claimed: &str| {
            format!(
                "data:{claimed};base64,{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            )
        };
        let png = b"\x89PNG\r\n\x1a\nrest of the picture";
        assert_eq!(
            Photo::parse_data_url(&url(png, "image/png"))
                .unwrap()
                .content_type,
            "image/png"
        );
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        assert_eq!(
            Photo::parse_data_url(&url(&jpeg, "image/png"))
                .unwrap()
                .content_type,
            "image/jpeg"
        );
        let svg = b"<svg onload=alert(1)></svg>";
        assert_eq!(
            Photo::parse_data_url(&url(svg, "image/png"))
                .unwrap_err()
                .field,
            "photo"
        );
        let huge = [png.as_slice(), &vec![0; MAX_PHOTO_BYTES]].concat();
        assert!(Photo::parse_data_url(&url(&huge, "image/png")).is_err());
        assert!(Photo::parse_data_url("data:image/png;base64,***").is_err());
        assert!(Photo::parse_data_url("not a data url").is_err());
    }

    #[test]
    fn the_demo_catalog_holds_at_least_twelve_distinct_products() {
        let catalog = crate::demo_catalog();
        assert!(catalog.len() >= 12, "only {} products", catalog.len());
        assert!(catalog.iter().all(|p| p.on_hand.get() > 0));
    }

    #[test]
    fn every_demo_product_has_its_own_picture() {
        let pictures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../public");
        for product in crate::demo_catalog() {
            let path = pictures.join(product.slug.picture().trim_start_matches('/'));
            let svg = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(svg.starts_with("<svg"), "{} is not an SVG", path.display());
        }
    }

    #[test]
    fn a_catalog_entry_at_fault_is_named_by_position() {
        let json = r#"[{"slug":"ok-one","name":{"ko":"가","en":"A"},"description":{"ko":"가","en":"A"},"price_won":1000,"on_hand":1},
                      {"slug":"ok-one","name":{"ko":"가","en":"A"},"description":{"ko":"가","en":"A"},"price_won":1000,"on_hand":1}]"#;
        assert_eq!(parse_catalog(json).unwrap_err().field, "catalog[1].slug");
        assert_eq!(parse_catalog("{}").unwrap_err().field, "catalog");
    }
}
