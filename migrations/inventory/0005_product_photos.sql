-- Photos staff upload for a flower (PNG or JPEG, at most 512 KB), served at /pictures/<slug>.
CREATE TABLE product_photos (
    product_id   UUID PRIMARY KEY REFERENCES products (id),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    bytes        BYTEA NOT NULL CHECK (octet_length(bytes) <= 524288),
    uploaded_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
