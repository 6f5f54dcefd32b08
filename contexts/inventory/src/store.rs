//! Inventory's database: products, the stock audit trail and the outbox, changed together in
//! one transaction so a product change and its `ProductChanged` event never part ways.

use crate::domain::{NewProduct, Restock};
use contracts::{inventory::ProductChanged, Localized, Won};
use messaging::outbox;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A product as inventory knows it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Product {
    pub id: Uuid,
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    pub description_ko: String,
    pub description_en: String,
    pub price_won: i64,
    pub on_hand: i32,
    pub reserved: i32,
    pub picture: String,
    pub revision: i64,
}

impl Product {
    /// What customers may still order.
    pub fn available(&self) -> i32 {
        self.on_hand - self.reserved
    }

    /// The fact published about this product.
    pub fn changed(&self) -> ProductChanged {
        ProductChanged {
            product_id: self.id,
            slug: self.slug.clone(),
            name: Localized {
                ko: self.name_ko.clone(),
                en: self.name_en.clone(),
            },
            description: Localized {
                ko: self.description_ko.clone(),
                en: self.description_en.clone(),
            },
            price: Won(self.price_won),
            on_hand: self.on_hand,
            available: self.available(),
            picture: self.picture.clone(),
            revision: self.revision,
        }
    }
}

/// Why a restock did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RestockError {
    #[error("there is no product \"{0}\"")]
    UnknownProduct(String),
    #[error("the stock would exceed {max} items", max = crate::domain::MAX_STOCK)]
    TooMuchStock,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub(crate) const PRODUCT_COLUMNS: &str = "id, slug, name_ko, name_en, description_ko, \
                               description_en, price_won, on_hand, reserved, picture, revision";

/// The inventory context's operations on its database.
#[derive(Clone)]
pub struct Inventory {
    pool: PgPool,
}

impl Inventory {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Adds the products whose slug is not known yet and publishes each of them; products that
    /// already exist are left as they are, so running it on every start adds nothing twice.
    /// Returns how many products were added.
    #[tracing::instrument(skip_all, fields(offered = products.len()))]
    pub async fn add_missing(
        &self,
        products: &[NewProduct],
        actor: &str,
    ) -> Result<usize, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let mut added = 0;
        for product in products {
            if insert(&mut tx, product, &product.slug.picture(), actor)
                .await?
                .is_some()
            {
                added += 1;
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Adds arriving stock to a product, records why, and publishes the new availability.
    #[tracing::instrument(skip(self, restock), fields(quantity = restock.quantity.get()))]
    /// Adds arriving stock. With a `request_id`, the same request sent again (a retry after a
    /// lost reply) changes nothing and answers with the product as it is.
    pub async fn restock(
        &self,
        slug: &str,
        restock: &Restock,
        actor: &str,
        request_id: Option<Uuid>,
    ) -> Result<Product, RestockError> {
        let mut tx = self.pool.begin().await?;
        if let Some(request_id) = request_id {
            let first_time = sqlx::query(
                "INSERT INTO restock_requests (request_id, slug, quantity) VALUES ($1, $2, $3)
                 ON CONFLICT (request_id) DO NOTHING",
            )
            .bind(request_id)
            .bind(slug)
            .bind(restock.quantity.get())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !first_time {
                drop(tx);
                return self
                    .product(slug)
                    .await?
                    .ok_or_else(|| RestockError::UnknownProduct(slug.to_owned()));
            }
        }
        let product: Option<Product> = sqlx::query_as(&format!(
            "UPDATE products
             SET on_hand = on_hand + $2, revision = revision + 1, updated_at = now()
             WHERE slug = $1 AND on_hand + $2 <= $3
             RETURNING {PRODUCT_COLUMNS}"
        ))
        .bind(slug)
        .bind(restock.quantity.get())
        .bind(crate::domain::MAX_STOCK)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(product) = product else {
            return Err(match self.product(slug).await? {
                Some(_) => RestockError::TooMuchStock,
                None => RestockError::UnknownProduct(slug.to_owned()),
            });
        };
        record_movement(
            &mut tx,
            &product,
            restock.quantity.get(),
            &restock.reason,
            actor,
        )
        .await?;
        publish(&mut tx, &product).await?;
        tx.commit().await?;
        Ok(product)
    }

    pub async fn product(&self, slug: &str) -> Result<Option<Product>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE slug = $1"
        ))
        .bind(slug)
        .fetch_optional(&self.pool)
        .await
    }

    pub async fn products(&self) -> Result<Vec<Product>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products ORDER BY created_at, slug"
        ))
        .fetch_all(&self.pool)
        .await
    }
}

/// Adds a product with its first stock recorded and published; `None` if the slug is taken.
pub(crate) async fn insert(
    tx: &mut PgConnection,
    product: &NewProduct,
    picture: &str,
    actor: &str,
) -> Result<Option<Product>, sqlx::Error> {
    let inserted: Option<Product> = sqlx::query_as(&format!(
        "INSERT INTO products (id, slug, name_ko, name_en, description_ko, description_en,
                               price_won, on_hand, picture)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (slug) DO NOTHING
         RETURNING {PRODUCT_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(product.slug.as_str())
    .bind(&product.name.ko)
    .bind(&product.name.en)
    .bind(&product.description.ko)
    .bind(&product.description.en)
    .bind(product.price.0)
    .bind(product.on_hand.get())
    .bind(picture)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(inserted) = &inserted {
        record_movement(tx, inserted, inserted.on_hand, "first stock", actor).await?;
        publish(tx, inserted).await?;
    }
    Ok(inserted)
}

/// Records a change of stock on hand in the audit trail.
pub(crate) async fn record_movement(
    tx: &mut PgConnection,
    product: &Product,
    delta: i32,
    reason: &str,
    actor: &str,
) -> Result<(), sqlx::Error> {
    record_order_movement(tx, product, delta, reason, actor, None).await
}

pub(crate) async fn record_order_movement(
    tx: &mut PgConnection,
    product: &Product,
    delta: i32,
    reason: &str,
    actor: &str,
    order_id: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO stock_movements (product_id, delta, on_hand_after, reason, actor, order_id)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(product.id)
    .bind(delta)
    .bind(product.on_hand)
    .bind(reason)
    .bind(actor)
    .bind(order_id)
    .execute(tx)
    .await?;
    Ok(())
}

/// Stages the product's new facts in the outbox.
pub(crate) async fn publish(tx: &mut PgConnection, product: &Product) -> Result<(), sqlx::Error> {
    outbox::stage_event(tx, &product.changed(), product.id).await
}
