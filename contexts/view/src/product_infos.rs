//! productInfos: the catalog as customers see it, with what is still available to order.

use contracts::{inventory::ProductChanged, Event};
use messaging::{Envelope, HandleError, Handler};
use sqlx::{PgConnection, PgPool};
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use uuid::Uuid;

/// One product on the storefront.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ProductInfo {
    pub product_id: Uuid,
    pub slug: String,
    pub name_ko: String,
    pub name_en: String,
    pub description_ko: String,
    pub description_en: String,
    pub price_won: i64,
    pub available: i32,
    pub picture: String,
    pub revision: i64,
}

const COLUMNS: &str = "product_id, slug, name_ko, name_en, description_ko, description_en, \
                       price_won, available, picture, revision";

/// Queries over the view context's read models.
#[derive(Clone)]
pub struct ReadModels {
    pool: PgPool,
    /// The catalog as last read, and when: every page shows it, and it rarely changes.
    catalog: Arc<Mutex<Option<CatalogRead>>>,
}

/// The catalog, and when it was read.
type CatalogRead = (Instant, Vec<ProductInfo>);

/// How long a read of the catalog is reused. A change announced by a live nudge drops it at
/// once ([`ReadModels::forget_catalog`]); this bounds staleness when a nudge is lost.
const CATALOG_FRESH_FOR: Duration = Duration::from_secs(1);

impl ReadModels {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            catalog: Arc::default(),
        }
    }

    /// The catalog, from the last read if it is younger than a second.
    pub async fn catalog(&self) -> Result<Vec<ProductInfo>, sqlx::Error> {
        if let Some((read_at, products)) = &*self.catalog.lock().expect("catalog lock") {
            if read_at.elapsed() < CATALOG_FRESH_FOR {
                return Ok(products.clone());
            }
        }
        let products = self.product_infos().await?;
        *self.catalog.lock().expect("catalog lock") = Some((Instant::now(), products.clone()));
        Ok(products)
    }

    /// Drops the reused catalog: a product changed.
    pub fn forget_catalog(&self) {
        *self.catalog.lock().expect("catalog lock") = None;
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The whole catalog, in the order products were first listed.
    pub async fn product_infos(&self) -> Result<Vec<ProductInfo>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM product_infos ORDER BY product_id"
        ))
        .fetch_all(&self.pool)
        .await
    }

    pub async fn product_info(&self, slug: &str) -> Result<Option<ProductInfo>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM product_infos WHERE slug = $1"
        ))
        .bind(slug)
        .fetch_optional(&self.pool)
        .await
    }
}

/// Projects the events the view context subscribes to.
#[derive(Clone, Copy, Debug, Default)]
pub struct Projector;

impl Handler for Projector {
    async fn handle(&self, tx: &mut PgConnection, envelope: &Envelope) -> Result<(), HandleError> {
        match envelope.kind.as_str() {
            ProductChanged::ROUTING_KEY => project_product(tx, &envelope.decode()?).await,
            kind if crate::order_histories::HANDLES.contains(&kind) => {
                crate::order_histories::project(tx, envelope).await
            }
            other => Err(HandleError::Reject(anyhow::anyhow!(
                "the view context does not subscribe to {other}"
            ))),
        }
    }
}

/// Keeps the newest facts of a product. An older revision arriving late changes nothing.
async fn project_product(tx: &mut PgConnection, event: &ProductChanged) -> Result<(), HandleError> {
    sqlx::query(
        "INSERT INTO product_infos (product_id, slug, name_ko, name_en, description_ko,
                                    description_en, price_won, on_hand, available, picture,
                                    revision, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
         ON CONFLICT (product_id) DO UPDATE SET
             slug = EXCLUDED.slug, name_ko = EXCLUDED.name_ko, name_en = EXCLUDED.name_en,
             description_ko = EXCLUDED.description_ko, description_en = EXCLUDED.description_en,
             price_won = EXCLUDED.price_won, on_hand = EXCLUDED.on_hand,
             available = EXCLUDED.available, picture = EXCLUDED.picture,
             revision = EXCLUDED.revision, updated_at = now()
         WHERE product_infos.revision < EXCLUDED.revision",
    )
    .bind(event.product_id)
    .bind(&event.slug)
    .bind(&event.name.ko)
    .bind(&event.name.en)
    .bind(&event.description.ko)
    .bind(&event.description.en)
    .bind(event.price.0)
    .bind(event.on_hand)
    .bind(event.available)
    .bind(&event.picture)
    .bind(event.revision)
    .execute(tx)
    .await?;
    Ok(())
}
