//! The staff's side of the catalog: stock levels, a product's history, restocking, changing a
//! price and adding a flower, answered over RPC (`inventory.catalog`). Every change is recorded
//! with who made it and why, and published as a `ProductChanged` in the same transaction.

use crate::{
    domain::{self, NewProduct, Photo, PriceChange, ProductError, ProductInput, Restock},
    store::{insert, publish, PRODUCT_COLUMNS},
    Inventory, Product, RestockError,
};
use base64::Engine;
use contracts::{
    inventory::{CatalogCommand, CatalogReply, HistoryEntry, StockLevel},
    Localized, Won,
};
use sqlx::Row;

impl From<&Product> for StockLevel {
    fn from(product: &Product) -> Self {
        Self {
            slug: product.slug.clone(),
            name: Localized {
                ko: product.name_ko.clone(),
                en: product.name_en.clone(),
            },
            price: Won(product.price_won),
            on_hand: product.on_hand,
            reserved: product.reserved,
            available: product.available(),
            picture: product.picture.clone(),
            low_stock: product.available() <= domain::LOW_STOCK,
        }
    }
}

impl From<ProductError> for CatalogReply {
    fn from(error: ProductError) -> Self {
        CatalogReply::Invalid {
            field: error.field,
            message: error.problem,
        }
    }
}

impl Inventory {
    /// Carries out one staff command; bad input becomes [`CatalogReply::Invalid`].
    pub async fn catalog(
        &self,
        command: &CatalogCommand,
        actor: &str,
    ) -> Result<CatalogReply, sqlx::Error> {
        let changed = |p: Product| CatalogReply::Changed {
            product: StockLevel::from(&p),
        };
        Ok(match command {
            CatalogCommand::List => CatalogReply::Products {
                products: self
                    .products()
                    .await?
                    .iter()
                    .map(StockLevel::from)
                    .collect(),
            },
            CatalogCommand::History { slug } => match self.product(slug).await? {
                None => CatalogReply::UnknownProduct,
                Some(product) => CatalogReply::History {
                    entries: self.history(&product).await?,
                },
            },
            CatalogCommand::Restock {
                slug,
                quantity,
                reason,
                request_id,
            } => match Restock::parse(*quantity, reason) {
                Err(error) => error.into(),
                Ok(restock) => match self.restock(slug, &restock, actor, *request_id).await {
                    Ok(product) => changed(product),
                    Err(RestockError::UnknownProduct(_)) => CatalogReply::UnknownProduct,
                    Err(error @ RestockError::TooMuchStock) => CatalogReply::Invalid {
                        field: "quantity".into(),
                        message: error.to_string(),
                    },
                    Err(RestockError::Database(error)) => return Err(error),
                },
            },
            CatalogCommand::ChangePrice {
                slug,
                price_won,
                reason,
            } => match PriceChange::parse(*price_won, reason) {
                Err(error) => error.into(),
                Ok(change) => match self.change_price(slug, &change, actor).await? {
                    Some(product) => changed(product),
                    None => CatalogReply::UnknownProduct,
                },
            },
            CatalogCommand::Add {
                slug,
                name,
                description,
                price_won,
                on_hand,
                picture,
                photo,
            } => {
                let parsed = NewProduct::parse(&ProductInput {
                    slug: slug.clone(),
                    name: name.clone(),
                    description: description.clone(),
                    price_won: *price_won,
                    on_hand: *on_hand,
                })
                .and_then(|product| match photo {
                    Some(photo) => {
                        let photo = Photo::parse_data_url(photo)?;
                        let path = format!("/pictures/{}", product.slug);
                        Ok((product, path, Some(photo)))
                    }
                    None => Ok((product, domain::picture(picture)?, None)),
                });
                match parsed {
                    Err(error) => error.into(),
                    Ok((product, picture, photo)) => {
                        match self.add(&product, &picture, photo.as_ref(), actor).await? {
                            Some(product) => changed(product),
                            None => CatalogReply::Taken,
                        }
                    }
                }
            }
            CatalogCommand::Photo { slug } => match self.photo(slug).await? {
                Some((content_type, bytes)) => CatalogReply::Photo {
                    content_type,
                    data_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
                },
                None => CatalogReply::UnknownProduct,
            },
        })
    }

    /// Sets a new price, records the old and new price with the reason, and publishes it.
    pub async fn change_price(
        &self,
        slug: &str,
        change: &PriceChange,
        actor: &str,
    ) -> Result<Option<Product>, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        let before: Option<i64> =
            sqlx::query_scalar("SELECT price_won FROM products WHERE slug = $1 FOR UPDATE")
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(before) = before else {
            return Ok(None);
        };
        let product: Product = sqlx::query_as(&format!(
            "UPDATE products SET price_won = $2, revision = revision + 1, updated_at = now()
             WHERE slug = $1 RETURNING {PRODUCT_COLUMNS}"
        ))
        .bind(slug)
        .bind(change.price.0)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO price_changes (product_id, price_before, price_after, reason, actor)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(product.id)
        .bind(before)
        .bind(change.price.0)
        .bind(&change.reason)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        publish(&mut tx, &product).await?;
        tx.commit().await?;
        Ok(Some(product))
    }

    /// Adds one product with the chosen picture (and its uploaded photo); `None` if its slug
    /// is taken.
    pub async fn add(
        &self,
        product: &NewProduct,
        picture: &str,
        photo: Option<&Photo>,
        actor: &str,
    ) -> Result<Option<Product>, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        let inserted = insert(&mut tx, product, picture, actor).await?;
        if let (Some(product), Some(photo)) = (&inserted, photo) {
            sqlx::query(
                "INSERT INTO product_photos (product_id, content_type, bytes) VALUES ($1, $2, $3)",
            )
            .bind(product.id)
            .bind(photo.content_type)
            .bind(&photo.bytes)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// A product's uploaded photo: its content type and bytes.
    pub async fn photo(&self, slug: &str) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
        sqlx::query_as(
            "SELECT f.content_type, f.bytes FROM product_photos f
             JOIN products p ON p.id = f.product_id WHERE p.slug = $1",
        )
        .bind(slug)
        .fetch_optional(self.pool())
        .await
    }

    /// Stock movements and price changes of one product, newest first (the latest 200).
    pub async fn history(&self, product: &Product) -> Result<Vec<HistoryEntry>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT at, actor, reason, delta, on_hand_after, NULL::BIGINT AS price_before,
                    NULL::BIGINT AS price_after, order_id
             FROM stock_movements WHERE product_id = $1
             UNION ALL
             SELECT at, actor, reason, NULL, NULL, price_before, price_after, NULL
             FROM price_changes WHERE product_id = $1
             ORDER BY at DESC LIMIT 200",
        )
        .bind(product.id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HistoryEntry {
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    reason: row.try_get("reason")?,
                    stock_delta: row.try_get("delta")?,
                    on_hand_after: row.try_get("on_hand_after")?,
                    price_before: row.try_get::<Option<i64>, _>("price_before")?.map(Won),
                    price_after: row.try_get::<Option<i64>, _>("price_after")?.map(Won),
                    order_id: row.try_get("order_id")?,
                })
            })
            .collect()
    }
}
