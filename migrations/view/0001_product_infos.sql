-- The storefront's catalog read model, projected from inventory.product_changed.
CREATE TABLE product_infos (
    product_id     UUID PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    name_ko        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    description_ko TEXT NOT NULL,
    description_en TEXT NOT NULL,
    price_won      BIGINT NOT NULL,
    on_hand        INTEGER NOT NULL,
    available      INTEGER NOT NULL,
    picture        TEXT NOT NULL,
    revision       BIGINT NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every message this context applied, recorded in the same transaction (see messaging::consumer).
CREATE TABLE inbox (
    message_id  UUID PRIMARY KEY,
    kind        TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
