//! `GET /pictures/{slug}`: the photos staff upload for flowers, served from this web instance's
//! memory. Whether a flower has a photo comes from the view's catalog (already in memory for
//! the pages); the bytes are asked of inventory once per product revision, never per request,
//! so a flood of photo requests never reaches the queue that reservations share. Each answer
//! carries an ETag: a browser that has the photo hears 304.

use super::{orders::ask, ApiError, ApiState, PathParams};
use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use contracts::inventory::{CatalogCommand, CatalogReply, CatalogRequest};
use std::{
    collections::HashMap,
    hash::{Hash, Hasher},
    sync::{Arc, Mutex},
};

/// One photo as served: its type, bytes and entity tag, for the product revision it came with.
struct Photo {
    revision: i64,
    content_type: String,
    bytes: axum::body::Bytes,
    etag: String,
}

/// The photos this instance has served, by slug (a handful: one per flower with a photo).
#[derive(Clone, Default)]
pub struct Photos(Arc<Mutex<HashMap<String, Arc<Photo>>>>);

impl Photos {
    fn get(&self, slug: &str, revision: i64) -> Option<Arc<Photo>> {
        let photos = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        photos
            .get(slug)
            .filter(|photo| photo.revision == revision)
            .cloned()
    }

    fn keep(&self, slug: String, photo: Arc<Photo>) {
        let mut photos = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        photos.insert(slug, photo);
    }
}

/// A strong entity tag for `bytes` (a 64-bit digest: tells versions of one photo apart).
fn entity_tag(bytes: &[u8]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("\"{:016x}\"", hasher.finish())
}

/// Whether the client's `If-None-Match` names `etag`.
fn unchanged(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == etag
        })
}

pub async fn photo(
    State(state): State<ApiState>,
    PathParams(slug): PathParams<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let address = format!("/pictures/{slug}");
    let Some(product) = state
        .read_models
        .catalog()
        .await?
        .into_iter()
        .find(|product| product.slug == slug && product.picture == address)
    else {
        return Err(ApiError::not_found("picture"));
    };
    let photo = match state.photos.get(&slug, product.revision) {
        Some(photo) => photo,
        None => {
            let photo = Arc::new(fetch(&state, &slug, product.revision).await?);
            state.photos.keep(slug, photo.clone());
            photo
        }
    };
    let common = [
        (header::ETAG, photo.etag.clone()),
        (header::CACHE_CONTROL, "public, max-age=300".into()),
    ];
    if unchanged(&headers, &photo.etag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    Ok((
        common,
        [
            (header::CONTENT_TYPE, photo.content_type.clone()),
            // Only ever an image: never sniffed or run as anything else.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".into(),
            ),
        ],
        photo.bytes.clone(),
    )
        .into_response())
}

/// The photo of `slug` from inventory.
async fn fetch(state: &ApiState, slug: &str, revision: i64) -> Result<Photo, ApiError> {
    use base64::Engine;
    let request = CatalogRequest {
        actor: "storefront".into(),
        command: CatalogCommand::Photo {
            slug: slug.to_owned(),
        },
    };
    let reply: CatalogReply = ask(state, &request).await?;
    let CatalogReply::Photo {
        content_type,
        data_base64,
    } = reply
    else {
        return Err(ApiError::not_found("picture"));
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data_base64)
        .map_err(ApiError::internal)?;
    Ok(Photo {
        revision,
        content_type,
        etag: entity_tag(&bytes),
        bytes: bytes.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_with_the_photo_is_told_it_is_unchanged() {
        let etag = entity_tag(b"\x89PNG");
        assert_ne!(etag, entity_tag(b"\x89PNH"));
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, value.parse().unwrap());
            headers
        };
        assert!(unchanged(&with(&etag), &etag));
        assert!(unchanged(&with(&format!("\"x\", W/{etag}")), &etag));
        assert!(unchanged(&with("*"), &etag));
        assert!(!unchanged(&with("\"0000\""), &etag));
        assert!(!unchanged(&HeaderMap::new(), &etag));
    }
}
