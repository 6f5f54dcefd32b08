-- Notification owns the messages the shop sends each customer (MariaDB). One message per
-- customer-facing fact: `fact_key` is unique, and the inbox makes redeliveries harmless.
CREATE TABLE messages (
    id          BINARY(16) PRIMARY KEY,
    customer_id BINARY(16) NOT NULL,
    order_id    BINARY(16) NULL,
    fact        VARCHAR(64) NOT NULL,
    fact_key    VARCHAR(120) NOT NULL,
    title_ko    VARCHAR(200) NOT NULL,
    title_en    VARCHAR(200) NOT NULL,
    body_ko     TEXT NOT NULL,
    body_en     TEXT NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    read_at     DATETIME(6) NULL,
    UNIQUE KEY messages_one_per_fact (fact_key),
    KEY messages_by_customer (customer_id, created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Every message this context applied (see messaging::inbox).
CREATE TABLE inbox (
    message_id  BINARY(16) PRIMARY KEY,
    kind        VARCHAR(100) NOT NULL,
    received_at DATETIME(6) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
