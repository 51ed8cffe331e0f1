-- TPC-H-like data set for the index advisor benchmark (bench/advisor_eval.sh).
-- Eight tables with TPC-H's columns and value distributions, generated with generate_series
-- and a seeded random(), primary keys only (no other index), then VACUUM ANALYZE.
-- psql variable :sf scales it like TPC-H's scale factor (bench/advisor_eval.sh uses 0.15: 225k orders,
-- ~900k lineitems, 220 MB).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT setseed(0.4242) \gset

DROP TABLE IF EXISTS lineitem, orders, partsupp, part, customer, supplier, nation, region CASCADE;
DROP SEQUENCE IF EXISTS orders_key_seq;

CREATE TABLE region (
  r_regionkey integer PRIMARY KEY,
  r_name      text NOT NULL,
  r_comment   text
);
CREATE TABLE nation (
  n_nationkey integer PRIMARY KEY,
  n_name      text NOT NULL,
  n_regionkey integer NOT NULL,
  n_comment   text
);
CREATE TABLE supplier (
  s_suppkey   integer PRIMARY KEY,
  s_name      text NOT NULL,
  s_address   text NOT NULL,
  s_nationkey integer NOT NULL,
  s_phone     text NOT NULL,
  s_acctbal   numeric(12,2) NOT NULL,
  s_comment   text
);
CREATE TABLE customer (
  c_custkey    integer PRIMARY KEY,
  c_name       text NOT NULL,
  c_address    text NOT NULL,
  c_nationkey  integer NOT NULL,
  c_phone      text NOT NULL,
  c_acctbal    numeric(12,2) NOT NULL,
  c_mktsegment text NOT NULL,
  c_comment    text
);
CREATE TABLE part (
  p_partkey     integer PRIMARY KEY,
  p_name        text NOT NULL,
  p_mfgr        text NOT NULL,
  p_brand       text NOT NULL,
  p_type        text NOT NULL,
  p_size        integer NOT NULL,
  p_container   text NOT NULL,
  p_retailprice numeric(12,2) NOT NULL,
  p_comment     text
);
CREATE TABLE partsupp (
  ps_partkey    integer NOT NULL,
  ps_suppkey    integer NOT NULL,
  ps_availqty   integer NOT NULL,
  ps_supplycost numeric(12,2) NOT NULL,
  ps_comment    text,
  PRIMARY KEY (ps_partkey, ps_suppkey)
);
CREATE TABLE orders (
  o_orderkey      bigint PRIMARY KEY,
  o_custkey       integer NOT NULL,
  o_orderstatus   char(1) NOT NULL,
  o_totalprice    numeric(12,2) NOT NULL,
  o_orderdate     date NOT NULL,
  o_orderpriority text NOT NULL,
  o_clerk         text NOT NULL,
  o_shippriority  integer NOT NULL,
  o_comment       text
);
CREATE TABLE lineitem (
  l_orderkey      bigint NOT NULL,
  l_partkey       integer NOT NULL,
  l_suppkey       integer NOT NULL,
  l_linenumber    integer NOT NULL,
  l_quantity      numeric(12,2) NOT NULL,
  l_extendedprice numeric(12,2) NOT NULL,
  l_discount      numeric(12,2) NOT NULL,
  l_tax           numeric(12,2) NOT NULL,
  l_returnflag    char(1) NOT NULL,
  l_linestatus    char(1) NOT NULL,
  l_shipdate      date NOT NULL,
  l_commitdate    date NOT NULL,
  l_receiptdate   date NOT NULL,
  l_shipinstruct  text NOT NULL,
  l_shipmode      text NOT NULL,
  l_comment       text,
  PRIMARY KEY (l_orderkey, l_linenumber)
);

-- Words for comments and names (TPC-H draws them from a grammar; a word list is enough here).
-- Inlined SQL functions over constant arrays, so they cost next to nothing per row.
CREATE FUNCTION pg_temp.word(i bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (string_to_array('furiously carefully quickly slyly blithely ironic final regular special pending '
          'express bold even silent unusual careful deposits requests accounts packages theodolites pinto '
          'beans foxes ideas dependencies instructions platelets asymptotes courts dolphins frays '
          'sauternes warhorses sleep wake are cajole haggle nag use boost affix detect integrate', ' '))[1 + (i % 45)::int]
$$;
CREATE FUNCTION pg_temp.color(i bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (string_to_array('almond antique aquamarine azure beige bisque black blanched blue blush brown '
          'burlywood burnished chartreuse chiffon chocolate coral cornflower cornsilk cream cyan dark deep '
          'dim dodger drab firebrick floral forest frosted gainsboro ghost goldenrod green grey honeydew '
          'hot indian ivory khaki lace lavender lawn lemon light lime linen magenta maroon medium metallic '
          'midnight mint misty moccasin navajo navy olive orange orchid pale papaya peach peru pink plum '
          'powder puff purple red rose rosy royal saddle salmon sandy seashell sienna sky slate smoke snow '
          'spring steel tan thistle tomato turquoise violet wheat white yellow', ' '))[1 + (i % 92)::int]
$$;

INSERT INTO region VALUES
  (0, 'AFRICA', 'lar deposits'), (1, 'AMERICA', 'hs use ironic'), (2, 'ASIA', 'ges thrash'),
  (3, 'EUROPE', 'ly final courts'), (4, 'MIDDLE EAST', 'uickly special accounts');
INSERT INTO nation (n_nationkey, n_name, n_regionkey, n_comment)
SELECT i - 1, name, region, 'nation ' || name
FROM unnest(ARRAY['ALGERIA','ARGENTINA','BRAZIL','CANADA','EGYPT','ETHIOPIA','FRANCE','GERMANY',
                  'INDIA','INDONESIA','IRAN','IRAQ','JAPAN','JORDAN','KENYA','MOROCCO','MOZAMBIQUE',
                  'PERU','CHINA','ROMANIA','SAUDI ARABIA','VIETNAM','RUSSIA','UNITED KINGDOM','UNITED STATES'],
            ARRAY[0,1,1,1,4,0,3,3,2,2,4,4,2,4,0,0,0,1,2,3,4,2,3,3,1]) WITH ORDINALITY AS t(name, region, i);

-- Scale: TPC-H's row counts times :sf.
SELECT greatest(10, round(10000 * :sf))::int AS n_supp,
       greatest(100, round(150000 * :sf))::int AS n_cust,
       greatest(100, round(200000 * :sf))::int AS n_part,
       greatest(1000, round(1500000 * :sf))::int AS n_orders \gset

INSERT INTO supplier
SELECT s, 'Supplier#' || lpad(s::text, 9, '0'),
       md5(s::text), nk,
       (10 + nk)::text || '-' || (100 + floor(random() * 900))::int || '-' || (100 + floor(random() * 900))::int
         || '-' || (1000 + floor(random() * 9000))::int,
       round((-999.99 + random() * 10999.98)::numeric, 2),
       'supplier ' || pg_temp.word(s % 45)
FROM (SELECT s, floor(random() * 25)::int AS nk FROM generate_series(1, :n_supp) s) g;

INSERT INTO customer
SELECT c, 'Customer#' || lpad(c::text, 9, '0'),
       md5(c::text || 'a'), nk,
       (10 + nk)::text || '-' || (100 + floor(random() * 900))::int || '-' || (100 + floor(random() * 900))::int
         || '-' || (1000 + floor(random() * 9000))::int,
       round((-999.99 + random() * 10999.98)::numeric, 2),
       (ARRAY['AUTOMOBILE','BUILDING','FURNITURE','MACHINERY','HOUSEHOLD'])[1 + floor(random() * 5)::int],
       'customer ' || pg_temp.word(c % 45) || ' ' || pg_temp.word((c / 45) % 45)
FROM (SELECT c, floor(random() * 25)::int AS nk FROM generate_series(1, :n_cust) c) g;

INSERT INTO part
SELECT p,
       pg_temp.color(p % 92) || ' ' || pg_temp.color((p / 92) % 92) || ' '
         || pg_temp.color((p * 7) % 92),
       'Manufacturer#' || m,
       'Brand#' || m || (1 + floor(random() * 5))::int,
       (ARRAY['STANDARD','SMALL','MEDIUM','LARGE','ECONOMY','PROMO'])[1 + floor(random() * 6)::int] || ' ' ||
       (ARRAY['ANODIZED','BURNISHED','PLATED','POLISHED','BRUSHED'])[1 + floor(random() * 5)::int] || ' ' ||
       (ARRAY['TIN','NICKEL','BRASS','STEEL','COPPER'])[1 + floor(random() * 5)::int],
       1 + floor(random() * 50)::int,
       (ARRAY['SM','LG','MED','JUMBO','WRAP'])[1 + floor(random() * 5)::int] || ' ' ||
       (ARRAY['CASE','BOX','BAG','JAR','PKG','PACK','CAN','DRUM'])[1 + floor(random() * 8)::int],
       round((90000 + ((p / 10) % 20001) + 100 * (p % 1000)) / 100.0, 2),
       'part ' || pg_temp.word(p % 45)
FROM (SELECT p, 1 + floor(random() * 5)::int AS m FROM generate_series(1, :n_part) p) g;

-- Four suppliers per part, spread as TPC-H does.
INSERT INTO partsupp
SELECT p, ((p + k * (:n_supp / 4 + (p - 1) / :n_supp)) % :n_supp) + 1,
       1 + floor(random() * 9999)::int,
       round((1 + random() * 999)::numeric, 2),
       'partsupp ' || pg_temp.word((p + k) % 45)
FROM generate_series(1, :n_part) p, generate_series(0, 3) k;

-- Orders: dates uniform over 1992-01-01 .. 1998-08-02, customers uniform, 1..7 lines each.
INSERT INTO orders
SELECT o,
       1 + floor(random() * :n_cust)::int,
       'O', 0,
       DATE '1992-01-01' + floor(random() * 2405)::int,
       (ARRAY['1-URGENT','2-HIGH','3-MEDIUM','4-NOT SPECIFIED','5-LOW'])[1 + floor(random() * 5)::int],
       'Clerk#' || lpad((1 + floor(random() * greatest(10, round(1000 * :sf))))::int::text, 9, '0'),
       0,
       'order ' || pg_temp.word(o % 45) || ' ' || pg_temp.word((o / 45) % 45)
FROM generate_series(1, :n_orders) o;

INSERT INTO lineitem
SELECT o.o_orderkey, l.partkey,
       ((l.partkey + l.k * (:n_supp / 4 + (l.partkey - 1) / :n_supp)) % :n_supp) + 1,
       l.n, l.qty,
       round(l.qty * (90000 + ((l.partkey / 10) % 20001) + 100 * (l.partkey % 1000)) / 100.0, 2),
       l.disc, l.tax,
       CASE WHEN o.o_orderdate + l.ship + l.recv <= DATE '1995-06-17'
            THEN (ARRAY['R','A'])[1 + floor(random() * 2)::int] ELSE 'N' END,
       CASE WHEN o.o_orderdate + l.ship > DATE '1995-06-17' THEN 'O' ELSE 'F' END,
       o.o_orderdate + l.ship,
       o.o_orderdate + l.commit_days,
       o.o_orderdate + l.ship + l.recv,
       (ARRAY['DELIVER IN PERSON','COLLECT COD','NONE','TAKE BACK RETURN'])[1 + floor(random() * 4)::int],
       (ARRAY['REG AIR','AIR','RAIL','SHIP','TRUCK','MAIL','FOB'])[1 + floor(random() * 7)::int],
       pg_temp.word((o.o_orderkey + l.n) % 45) || ' ' || pg_temp.word(l.n * 3)
FROM orders o
CROSS JOIN LATERAL (
  SELECT n,
         1 + floor(random() * :n_part)::int + 0 * o.o_orderkey AS partkey,
         floor(random() * 4)::int AS k,
         (1 + floor(random() * 50))::numeric AS qty,
         (floor(random() * 11)::numeric / 100) AS disc,
         (floor(random() * 9)::numeric / 100) AS tax,
         1 + floor(random() * 121)::int AS ship,
         30 + floor(random() * 61)::int AS commit_days,
         1 + floor(random() * 30)::int AS recv
  FROM generate_series(1, 1 + floor(random() * 7)::int + 0 * o.o_orderkey::int) n
) l;

-- Order totals and status from their lines, as TPC-H defines them.
UPDATE orders o SET o_totalprice = t.total,
                    o_orderstatus = CASE WHEN t.open = t.lines THEN 'O' WHEN t.open = 0 THEN 'F' ELSE 'P' END
FROM (SELECT l_orderkey, round(sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)), 2) AS total,
             count(*) AS lines, count(*) FILTER (WHERE l_linestatus = 'O') AS open
      FROM lineitem GROUP BY l_orderkey) t
WHERE t.l_orderkey = o.o_orderkey;

-- New orders written by the benchmark's INSERT statements take keys from a sequence.
SELECT max(o_orderkey) + 1 AS next_order FROM orders \gset
CREATE SEQUENCE orders_key_seq START :next_order;
ALTER TABLE orders ALTER COLUMN o_orderkey SET DEFAULT nextval('orders_key_seq');

VACUUM ANALYZE;
SELECT (SELECT count(*) FROM lineitem) AS lineitems, (SELECT count(*) FROM orders) AS orders,
       pg_size_pretty(pg_database_size(current_database())) AS size;
