-- The demo's sample application: a small shop (customers, products, orders, order items) with
-- realistic data and some indexes missing, so the advisor has something real to find.
-- Loaded directly into PostgreSQL by scripts/demo.sh; the application's traffic (shop_*.pgbench)
-- then goes through Sluice.
SET client_min_messages = warning;
DROP TABLE IF EXISTS order_items, orders, products, customers CASCADE;

CREATE TABLE customers (
  id         bigint PRIMARY KEY,
  email      text NOT NULL,
  name       text NOT NULL,
  country    text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE products (
  id       bigint PRIMARY KEY,
  sku      text NOT NULL UNIQUE,
  name     text NOT NULL,
  category int NOT NULL,
  price    numeric(10, 2) NOT NULL
);

CREATE TABLE orders (
  id          bigserial PRIMARY KEY,
  customer_id bigint NOT NULL,
  status      text NOT NULL,
  total       numeric(12, 2) NOT NULL,
  created_at  timestamptz NOT NULL
);

CREATE TABLE order_items (
  id         bigserial PRIMARY KEY,
  order_id   bigint NOT NULL,
  line       int NOT NULL,
  product_id bigint NOT NULL,
  quantity   int NOT NULL,
  price      numeric(10, 2) NOT NULL
);

INSERT INTO customers
SELECT g, 'user' || g || '@example.com', 'Customer ' || g,
       (ARRAY['DE', 'FR', 'US', 'GB', 'JP', 'BR', 'IN', 'NL'])[1 + g % 8],
       now() - (g % 1000) * interval '1 day'
FROM generate_series(1, 50000) g;

INSERT INTO products
SELECT g, 'SKU-' || lpad(g::text, 6, '0'), 'Product ' || g, g % 200, round((5 + (g * 37 % 995))::numeric, 2)
FROM generate_series(1, 5000) g;

INSERT INTO orders (customer_id, status, total, created_at)
SELECT 1 + (g::bigint * 7919) % 50000,
       CASE WHEN g % 50 = 0 THEN 'pending' WHEN g % 50 = 1 THEN 'cancelled' ELSE 'shipped' END,
       round((10 + (g * 13 % 490))::numeric, 2),
       now() - (g % 720) * interval '1 hour' - (g % 3600) * interval '1 second'
FROM generate_series(1, 300000) g;

INSERT INTO order_items (order_id, line, product_id, quantity, price)
SELECT o.id, l, 1 + (o.id * 31 + l * 17) % 5000, 1 + (o.id + l) % 3, round((5 + (o.id * l % 95))::numeric, 2)
FROM orders o, generate_series(1, 3) l;

-- Indexes the team already has: one is never used, one is covered by another.
CREATE INDEX orders_total_idx ON orders (total);
CREATE INDEX products_category_idx ON products (category);
CREATE INDEX products_category_name_idx ON products (category, name);

VACUUM ANALYZE customers, products, orders, order_items;
