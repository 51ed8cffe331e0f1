// schema/pg_catalog: the catalog the index advisor reads, loaded from the shared PostgreSQL 15.
// Each test works in a database of its own, so other tests' tables never show up.
#include "schema/pg_catalog.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/fixtures/free_port.h"
#include "tests/fixtures/pg_client.h"
#include "tests/fixtures/pg_server.h"
#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

using schema::PgCatalog;
using schema::PgColumn;
using schema::PgColumnStats;
using schema::PgIndex;
using schema::PgTable;

class PgCatalogTest : public ProxyTest {
 protected:
  void SetUp() override {
    ProxyTest::SetUp();
    db_ = unique_name("pgcat");
    pg().exec("CREATE DATABASE " + db_);
  }
  void TearDown() override {
    try {
      pg().exec("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "drop database: " << e.what();
    }
    ProxyTest::TearDown();
  }
  void exec(const std::string& sql) { pg().exec(sql, db_); }
  std::string value(const std::string& sql) { return pg().query_value(sql, db_); }
  int64_t number(const std::string& sql) { return std::stoll(value(sql)); }

  std::string db_;
};

const PgIndex* index_named(const PgTable& t, const std::string& name) {
  for (const PgIndex& ix : t.indexes) {
    if (ix.name == name) return &ix;
  }
  return nullptr;
}

const PgColumnStats* stats_of(const PgTable& t, const std::string& column) {
  for (const PgColumnStats& s : t.stats) {
    if (s.column == column && !s.inherited) return &s;
  }
  return nullptr;
}

std::string keys_of(const std::vector<schema::PgIndexColumn>& cols) {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : ",") + std::string(c.expression ? "expr:" : "") + c.name;
  return out;
}

std::string columns_of(const PgTable& t) {
  std::string out;
  for (const PgColumn& c : t.columns) {
    out += (out.empty() ? "" : "; ") + std::to_string(c.attnum) + " " + c.name + " " + c.type +
           (c.not_null ? " NOT NULL" : "");
  }
  return out;
}

TEST_F(PgCatalogTest, LoadsTablesColumnsIndexesStatisticsAndSizes) {
  exec("CREATE SCHEMA shop");
  exec("CREATE TABLE public.customers (id bigint PRIMARY KEY, email text NOT NULL, legacy int, name text, "
       "region integer NOT NULL)");
  exec("ALTER TABLE customers DROP COLUMN legacy");
  exec("CREATE INDEX customers_email_lower_idx ON customers (lower(email))");
  exec("CREATE UNIQUE INDEX customers_region_name_key ON customers (region, lower(name)) INCLUDE (email)");
  exec("CREATE TABLE shop.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint NOT NULL, "
       "status text, created_at timestamptz NOT NULL, amount numeric(10,2))");
  exec("CREATE INDEX orders_customer_idx ON shop.orders (customer_id)");
  exec("CREATE INDEX orders_status_created_idx ON shop.orders (status, created_at)");
  // A table in another schema with the same name as a public one (find_table by bare name).
  exec("CREATE TABLE shop.customers (id int)");

  // Rows: every 4th customer has no name; orders in id order, 4 statuses.
  exec("INSERT INTO customers SELECT i, 'User' || i || '@Example.com', CASE WHEN i % 4 = 0 THEN NULL "
       "ELSE 'name' || i END, i % 10 FROM generate_series(1, 200) i");
  exec("INSERT INTO shop.orders (customer_id, status, created_at, amount) SELECT i % 200 + 1, "
       "(ARRAY['new','paid','shipped','cancelled'])[i % 4 + 1], "
       "timestamptz '2026-01-01 00:00+00' + i * interval '1 minute', i % 100 FROM generate_series(1, 1000) i");
  // Updates and deletes by sequential scan only, so that no index scan is counted.
  exec("SET enable_indexscan = off; SET enable_bitmapscan = off; "
       "UPDATE shop.orders SET amount = amount + 1 WHERE id <= 50; DELETE FROM shop.orders WHERE id > 990");
  // A failed CREATE UNIQUE INDEX CONCURRENTLY leaves an invalid index behind.
  EXPECT_THROW(exec("CREATE UNIQUE INDEX CONCURRENTLY orders_status_invalid ON shop.orders (status)"), std::exception);
  exec("ANALYZE");

  // Index scans on one connection: 1 on customers_pkey, 2 on the expression index, 3 on
  // orders_customer_idx, 1 on the two-column index. Equality predicates only (a range predicate
  // can make the planner probe an index for the column's actual extremes, which counts as a scan).
  {
    PgConnPtr conn = pg().superuser_connection(db_);
    ASSERT_TRUE(ConnectionOk(conn));
    ASSERT_TRUE(ResultIs(pg_exec(conn, "SET enable_seqscan = off"), PGRES_COMMAND_OK));
    std::vector<std::string> queries = {
        "SELECT * FROM customers WHERE id = 3",
        "SELECT * FROM customers WHERE lower(email) = 'user5@example.com'",
        "SELECT * FROM customers WHERE lower(email) = 'user6@example.com'",
        "SELECT * FROM shop.orders WHERE customer_id = 7",
        "SELECT * FROM shop.orders WHERE customer_id = 8",
        "SELECT * FROM shop.orders WHERE customer_id = 9",
        "SELECT * FROM shop.orders WHERE status = 'paid' AND created_at = timestamptz '2026-01-01 00:01+00'",
    };
    for (const std::string& q : queries) {
      PgResultPtr plan = pg_exec(conn, "EXPLAIN (COSTS OFF) " + q);
      ASSERT_TRUE(ResultIs(plan, PGRES_TUPLES_OK));
      std::string text;
      for (int r = 0; r < PQntuples(plan.get()); ++r) text += std::string(PQgetvalue(plan.get(), r, 0)) + "\n";
      EXPECT_EQ(text.find("Seq Scan"), std::string::npos) << q << "\n" << text;
      ASSERT_TRUE(ResultIs(pg_exec(conn, q), PGRES_TUPLES_OK)) << q;
    }
  }

  // The statistics reach the shared counters when the backend flushes (at the latest when it
  // exits): wait for them.
  PgCatalog cat;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    cat = schema::load_pg_catalog(pg().url("postgres", "postgres", db_));
    const PgTable* o = find_table(cat, "shop.orders");
    const PgTable* c = find_table(cat, "public.customers");
    if ((o != nullptr && c != nullptr && o->idx_scan >= 4 && c->idx_scan >= 3 && o->n_tup_del >= 10 &&
         o->n_tup_ins >= 1000 && c->n_tup_ins >= 200) ||
        std::chrono::steady_clock::now() > deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

  // Database.
  EXPECT_EQ(cat.database, db_);
  EXPECT_EQ(cat.database_bytes, number("SELECT pg_database_size(current_database())"));
  EXPECT_GT(cat.database_bytes, 1'000'000);
  EXPECT_LT(cat.database_bytes, 1'000'000'000);

  // Tables: by schema then name; nothing from system schemas.
  ASSERT_EQ(cat.tables.size(), 3u);
  EXPECT_EQ(cat.tables[0].qualified_name(), "public.customers");
  EXPECT_EQ(cat.tables[1].qualified_name(), "shop.customers");
  EXPECT_EQ(cat.tables[2].qualified_name(), "shop.orders");

  // find_table.
  EXPECT_EQ(find_table(cat, "customers"), &cat.tables[0]);  // bare name: public first
  EXPECT_EQ(find_table(cat, "orders"), &cat.tables[2]);     // the only one of that name
  EXPECT_EQ(find_table(cat, "shop.customers"), &cat.tables[1]);
  EXPECT_EQ(find_table(cat, "public.orders"), nullptr);
  EXPECT_EQ(find_table(cat, "pg_class"), nullptr);
  EXPECT_EQ(find_table(cat, "missing"), nullptr);

  const PgTable& cust = cat.tables[0];
  const PgTable& orders = cat.tables[2];
  EXPECT_EQ(cust.oid, static_cast<uint32_t>(number("SELECT 'public.customers'::regclass::oid")));
  EXPECT_EQ(orders.oid, static_cast<uint32_t>(number("SELECT 'shop.orders'::regclass::oid")));
  EXPECT_EQ(cust.kind, 'r');
  EXPECT_EQ(cust.reltuples, 200);
  EXPECT_EQ(orders.reltuples, 990);
  EXPECT_EQ(cat.tables[1].reltuples, 0);  // analyzed, empty (never analyzed: -1, see below)

  for (const PgTable* t : {&cust, &orders}) {
    SCOPED_TRACE(t->qualified_name());
    const std::string reg = "'" + t->qualified_name() + "'::regclass";
    EXPECT_EQ(t->total_bytes, number("SELECT pg_total_relation_size(" + reg + ")"));
    EXPECT_EQ(t->table_bytes, number("SELECT pg_table_size(" + reg + ")"));
    EXPECT_EQ(t->index_bytes, number("SELECT pg_indexes_size(" + reg + ")"));
    EXPECT_EQ(t->total_bytes, t->table_bytes + t->index_bytes);
    EXPECT_GE(t->table_bytes, 8192);
    int64_t sum = 0;
    int64_t scans = 0;
    for (const PgIndex& ix : t->indexes) {
      sum += ix.size_bytes;
      scans += ix.idx_scan;
      EXPECT_EQ(ix.size_bytes, number("SELECT pg_relation_size('" + t->schema + "." + ix.name + "'::regclass)"));
      if (ix.valid) {
        EXPECT_GE(ix.size_bytes, 16384) << ix.name;  // btree: metapage + at least one leaf
      }
      EXPECT_EQ(ix.size_bytes % 8192, 0) << ix.name;
      EXPECT_EQ(ix.table, t->name);
      EXPECT_EQ(ix.oid, static_cast<uint32_t>(number("SELECT '" + t->schema + "." + ix.name + "'::regclass::oid")));
    }
    EXPECT_EQ(t->index_bytes, sum);
    EXPECT_EQ(t->idx_scan, scans);
    // The counters as PostgreSQL reports them now (they no longer move: nothing else touches
    // this database).
    EXPECT_EQ(t->seq_scan, number("SELECT seq_scan FROM pg_stat_user_tables WHERE relid = " + reg));
  }

  // Usage and write counters.
  EXPECT_EQ(cust.n_tup_ins, 200);
  EXPECT_EQ(cust.n_tup_upd, 0);
  EXPECT_EQ(cust.n_tup_del, 0);
  EXPECT_EQ(cust.idx_scan, 3);
  EXPECT_EQ(orders.n_tup_ins, 1000);
  EXPECT_EQ(orders.n_tup_upd, 50);
  EXPECT_EQ(orders.n_tup_del, 10);
  EXPECT_EQ(orders.idx_scan, 4);
  EXPECT_GE(orders.seq_scan, 2);  // the UPDATE and the DELETE (index builds scan the table too)
  EXPECT_EQ(cat.tables[1].n_tup_ins, 0);
  EXPECT_EQ(cat.tables[1].idx_scan, 0);

  // Columns: by attnum, the dropped one gone (its attnum leaves a gap).
  EXPECT_EQ(columns_of(cust), "1 id bigint NOT NULL; 2 email text NOT NULL; 4 name text; 5 region integer NOT NULL");
  EXPECT_EQ(columns_of(orders),
            "1 id bigint NOT NULL; 2 customer_id bigint NOT NULL; 3 status text; "
            "4 created_at timestamp with time zone NOT NULL; 5 amount numeric(10,2)");

  // Indexes: by name.
  ASSERT_EQ(cust.indexes.size(), 3u);
  EXPECT_EQ(cust.indexes[0].name, "customers_email_lower_idx");
  EXPECT_EQ(cust.indexes[1].name, "customers_pkey");
  EXPECT_EQ(cust.indexes[2].name, "customers_region_name_key");
  ASSERT_EQ(orders.indexes.size(), 4u);
  EXPECT_EQ(orders.indexes[0].name, "orders_customer_idx");
  EXPECT_EQ(orders.indexes[1].name, "orders_pkey");
  EXPECT_EQ(orders.indexes[2].name, "orders_status_created_idx");
  EXPECT_EQ(orders.indexes[3].name, "orders_status_invalid");
  EXPECT_TRUE(cat.tables[1].indexes.empty());

  const PgIndex* pkey = index_named(cust, "customers_pkey");
  ASSERT_NE(pkey, nullptr);
  EXPECT_EQ(pkey->definition, "CREATE UNIQUE INDEX customers_pkey ON public.customers USING btree (id)");
  EXPECT_EQ(keys_of(pkey->columns), "id");
  EXPECT_TRUE(pkey->included.empty());
  EXPECT_TRUE(pkey->unique);
  EXPECT_TRUE(pkey->primary);
  EXPECT_TRUE(pkey->valid);
  EXPECT_EQ(pkey->idx_scan, 1);

  const PgIndex* expr = index_named(cust, "customers_email_lower_idx");
  ASSERT_NE(expr, nullptr);
  EXPECT_EQ(expr->definition, "CREATE INDEX customers_email_lower_idx ON public.customers USING btree (lower(email))");
  EXPECT_EQ(keys_of(expr->columns), "expr:lower(email)");
  EXPECT_FALSE(expr->unique);
  EXPECT_FALSE(expr->primary);
  EXPECT_TRUE(expr->valid);
  EXPECT_EQ(expr->idx_scan, 2);

  const PgIndex* mixed = index_named(cust, "customers_region_name_key");
  ASSERT_NE(mixed, nullptr);
  EXPECT_EQ(mixed->definition,
            "CREATE UNIQUE INDEX customers_region_name_key ON public.customers USING btree (region, lower(name)) "
            "INCLUDE (email)");
  EXPECT_EQ(keys_of(mixed->columns), "region,expr:lower(name)");
  EXPECT_EQ(keys_of(mixed->included), "email");
  EXPECT_TRUE(mixed->unique);
  EXPECT_FALSE(mixed->primary);
  EXPECT_EQ(mixed->idx_scan, 0);

  const PgIndex* by_customer = index_named(orders, "orders_customer_idx");
  ASSERT_NE(by_customer, nullptr);
  EXPECT_EQ(by_customer->definition, "CREATE INDEX orders_customer_idx ON shop.orders USING btree (customer_id)");
  EXPECT_EQ(keys_of(by_customer->columns), "customer_id");
  EXPECT_EQ(by_customer->idx_scan, 3);

  const PgIndex* two = index_named(orders, "orders_status_created_idx");
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->definition,
            "CREATE INDEX orders_status_created_idx ON shop.orders USING btree (status, created_at)");
  EXPECT_EQ(keys_of(two->columns), "status,created_at");
  EXPECT_EQ(two->idx_scan, 1);

  const PgIndex* opk = index_named(orders, "orders_pkey");
  ASSERT_NE(opk, nullptr);
  EXPECT_TRUE(opk->primary);
  EXPECT_EQ(opk->idx_scan, 0);

  const PgIndex* invalid = index_named(orders, "orders_status_invalid");
  ASSERT_NE(invalid, nullptr);
  EXPECT_FALSE(invalid->valid);
  EXPECT_TRUE(invalid->unique);
  EXPECT_EQ(keys_of(invalid->columns), "status");
  EXPECT_EQ(invalid->idx_scan, 0);
  EXPECT_EQ(invalid->size_bytes, 0);  // the build failed before writing anything

  // Column statistics (ANALYZE read every row: these are exact).
  ASSERT_EQ(cust.stats.size(), 4u);
  EXPECT_EQ(cust.stats[0].column, "id");  // by attnum
  EXPECT_EQ(cust.stats[3].column, "region");
  const PgColumnStats* id = stats_of(cust, "id");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->null_frac, 0);
  EXPECT_EQ(id->n_distinct, -1);  // unique
  ASSERT_TRUE(id->correlation.has_value());
  EXPECT_NEAR(*id->correlation, 1.0, 1e-6);  // inserted in order
  EXPECT_EQ(id->avg_width, 8);
  EXPECT_FALSE(id->inherited);
  const PgColumnStats* name = stats_of(cust, "name");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->null_frac, 0.25);
  EXPECT_EQ(name->n_distinct, -0.75);  // 150 distinct of 200 rows
  const PgColumnStats* region = stats_of(cust, "region");
  ASSERT_NE(region, nullptr);
  EXPECT_EQ(region->n_distinct, 10);
  EXPECT_EQ(region->avg_width, 4);
  ASSERT_TRUE(region->correlation.has_value());
  EXPECT_GE(*region->correlation, -1.0);
  EXPECT_LE(*region->correlation, 1.0);
  ASSERT_EQ(orders.stats.size(), 5u);
  const PgColumnStats* status = stats_of(orders, "status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->n_distinct, 4);
  EXPECT_EQ(status->null_frac, 0);
  EXPECT_GT(status->avg_width, 3);
  EXPECT_LT(status->avg_width, 11);
  const PgColumnStats* created = stats_of(orders, "created_at");
  ASSERT_NE(created, nullptr);
  EXPECT_EQ(created->avg_width, 8);
  EXPECT_EQ(created->n_distinct, -1);
  EXPECT_TRUE(cat.tables[1].stats.empty());  // no rows, no statistics
}

TEST_F(PgCatalogTest, AcceptsConninfoAsWellAsUrl) {
  exec("CREATE TABLE t (a int)");
  PgCatalog from_conninfo = schema::load_pg_catalog(pg().conninfo("postgres", "postgres", db_));
  ASSERT_EQ(from_conninfo.tables.size(), 1u);
  EXPECT_EQ(from_conninfo.tables[0].qualified_name(), "public.t");
  EXPECT_EQ(from_conninfo.database, db_);
  EXPECT_EQ(from_conninfo.tables[0].reltuples, -1);  // never analyzed
  ASSERT_EQ(from_conninfo.tables[0].columns.size(), 1u);
  EXPECT_EQ(from_conninfo.tables[0].columns[0].type, "integer");
}

TEST_F(PgCatalogTest, UnreachablePortThrowsNamingHostAndPort) {
  uint16_t port = free_port();
  const std::string url = "postgres://postgres:sekrit@127.0.0.1:" + std::to_string(port) + "/testdb";
  try {
    schema::load_pg_catalog(url);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("cannot connect to 127.0.0.1:" + std::to_string(port)), std::string::npos) << what;
    EXPECT_EQ(what.find("sekrit"), std::string::npos) << what;
  }
}

TEST_F(PgCatalogTest, WrongPasswordAndMissingDatabaseThrow) {
  EXPECT_THROW(schema::load_pg_catalog(pg().url("postgres", "wrong", db_)), std::runtime_error);
  try {
    schema::load_pg_catalog(pg().url("postgres", "postgres", "no_such_db_pgcat"));
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("127.0.0.1:" + std::to_string(pg().port())), std::string::npos) << what;
    EXPECT_NE(what.find("no_such_db_pgcat"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace sluice::testing
