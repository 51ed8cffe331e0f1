// optimizer/whatif_coster: planner costs with HypoPG hypothetical indexes, against the shared
// PostgreSQL 15 of the test binary, in a database of this suite's own.
#include "optimizer/whatif_coster.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/fixtures/pg_client.h"
#include "tests/fixtures/pg_server.h"
#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

using optimizer::AdvisedQuery;
using optimizer::IndexDefinition;
using optimizer::WhatIfCoster;

constexpr const char* kUser = "whatif_reader";
constexpr const char* kPassword = "Wh4tIf-s3cret-pw";

class WhatIfCosterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = "whatif_" + std::to_string(getpid());
    PgServer& pg = shared_pg();
    pg.exec("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
    pg.exec("CREATE DATABASE " + db_);
    pg.exec("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + std::string(kUser) +
            "') THEN CREATE ROLE " + kUser + " LOGIN PASSWORD '" + kPassword + "'; END IF; END $$");
    const char* setup[] = {
        "CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, region_id int NOT NULL, name text)",
        "INSERT INTO customers SELECT g, 'user' || g || '@example.com', g % 50, 'name ' || g "
        "FROM generate_series(1, 20000) g",
        "CREATE INDEX customers_email_idx ON customers (email)",
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL, "
        "created_at timestamptz NOT NULL, total numeric(10,2) NOT NULL)",
        "INSERT INTO orders SELECT g, (g * 7919) % 20000 + 1, "
        "CASE WHEN g % 100 = 0 THEN 'refunded' WHEN g % 10 < 3 THEN 'pending' WHEN g % 10 < 6 THEN 'shipped' "
        "ELSE 'delivered' END, "
        "timestamptz '2024-01-01 00:00:00+00' + ((g * 37) % 365) * interval '1 day' + (g % 86400) * interval '1 s', "
        "(g % 1000) / 10.0 FROM generate_series(1, 200000) g",
        "ANALYZE",
        "CREATE EXTENSION IF NOT EXISTS hypopg",
    };
    for (const char* sql : setup) pg.exec(sql, db_);
    pg.exec("GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA public TO " + std::string(kUser), db_);
  }
  static void TearDownTestSuite() {
    try {
      shared_pg().exec("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "drop database: " << e.what();
    }
  }

  static std::string url() { return shared_pg().url(kUser, kPassword, db_); }
  static std::string where() { return "127.0.0.1:" + std::to_string(shared_pg().port()) + "/" + db_; }

  static AdvisedQuery literal_query(const std::string& id, const std::string& text,
                                    std::vector<std::string> tables = {"orders"}) {
    AdvisedQuery q;
    q.id = id;
    q.normalized_text = text;
    q.sample = workload::QuerySample{text, {}, 12.5, 0, false};
    q.calls = 100;
    q.kind = sql::StatementKind::Read;
    q.tables = std::move(tables);
    return q;
  }

  static IndexDefinition index(const std::string& table, std::vector<std::string> columns) {
    IndexDefinition d;
    d.table = table;
    d.columns = std::move(columns);
    return d;
  }

  static std::string db_;
};

std::string WhatIfCosterTest::db_;

TEST_F(WhatIfCosterTest, ReportsVersions) {
  WhatIfCoster coster(url());
  EXPECT_EQ(coster.server_version().substr(0, 3), "15.");
  EXPECT_FALSE(coster.hypopg_version().empty());
  std::printf("[ info     ] PostgreSQL %s, HypoPG %s\n", coster.server_version().c_str(),
              coster.hypopg_version().c_str());
}

TEST_F(WhatIfCosterTest, HypotheticalIndexLowersCostAndIsNamed) {
  WhatIfCoster coster(url());
  const AdvisedQuery q = literal_query("00000000000000a1", "SELECT * FROM orders WHERE customer_id = 4242");
  auto before = coster.cost(q, {});
  ASSERT_TRUE(before) << coster.last_error();
  EXPECT_TRUE(before->used_indexes.empty());

  const std::vector<IndexDefinition> hypo = {index("orders", {"customer_id"})};
  const auto t0 = std::chrono::steady_clock::now();
  auto after = coster.cost(q, hypo);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(after) << coster.last_error();
  EXPECT_LT(after->cost * 10, before->cost) << before->cost << " -> " << after->cost;
  EXPECT_EQ(after->used_indexes, std::vector<std::string>{"public.orders(customer_id)"});
  EXPECT_EQ(coster.stats().whatif_calls, 2u);
  EXPECT_EQ(coster.stats().failures, 0u);

  // Timing of plain what-if calls (index already in place, cache bypassed by new ids).
  const int kCalls = 50;
  const auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i) {
    AdvisedQuery qi = literal_query("t" + std::to_string(i), "SELECT * FROM orders WHERE customer_id = " +
                                                                 std::to_string(100 + i));
    ASSERT_TRUE(coster.cost(qi, hypo)) << coster.last_error();
  }
  const double each =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count() / kCalls;
  std::printf("[ info     ] what-if call: %.2f ms with index creation, %.2f ms each for %d more; cost %.0f -> %.1f\n",
              ms, each, kCalls, before->cost, after->cost);
}

TEST_F(WhatIfCosterTest, RepeatsAndUnrelatedIndexesAreCacheHits) {
  WhatIfCoster coster(url());
  const AdvisedQuery q = literal_query("00000000000000b2", "SELECT * FROM orders WHERE customer_id = 77");
  const IndexDefinition on_orders = index("orders", {"customer_id"});
  const IndexDefinition on_customers = index("customers", {"region_id"});

  const std::vector<IndexDefinition> one = {on_orders};
  auto first = coster.cost(q, one);
  ASSERT_TRUE(first) << coster.last_error();
  EXPECT_EQ(coster.stats().whatif_calls, 1u);
  EXPECT_EQ(coster.stats().cache_hits, 0u);

  auto again = coster.cost(q, one);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->cost, first->cost);
  EXPECT_EQ(again->used_indexes, first->used_indexes);
  EXPECT_EQ(coster.stats().whatif_calls, 1u);
  EXPECT_EQ(coster.stats().cache_hits, 1u);

  // An index on a table the query does not reference cannot change its plan: same cache entry.
  const std::vector<IndexDefinition> both = {on_customers, on_orders};
  auto with_other = coster.cost(q, both);
  ASSERT_TRUE(with_other);
  EXPECT_EQ(with_other->cost, first->cost);
  EXPECT_EQ(coster.stats().whatif_calls, 1u);
  EXPECT_EQ(coster.stats().cache_hits, 2u);

  // A schema-qualified table name matches too; a query with no tables listed sees every index.
  AdvisedQuery qualified = literal_query("00000000000000b3", "SELECT * FROM public.orders WHERE customer_id = 77",
                                         {"public.orders"});
  EXPECT_TRUE(optimizer::references_table(qualified, on_orders));
  EXPECT_FALSE(optimizer::references_table(qualified, on_customers));
  qualified.tables.clear();
  EXPECT_TRUE(optimizer::references_table(qualified, on_customers));
}

TEST_F(WhatIfCosterTest, ParameterizedSampleUsesItsValues) {
  WhatIfCoster coster(url());
  AdvisedQuery q;
  q.id = "00000000000000c3";
  q.normalized_text = "SELECT * FROM orders WHERE customer_id = $1 AND status = $2";
  q.sample = workload::QuerySample{q.normalized_text, {std::string("4242"), std::string("it's")}, 3.0, 0, false};
  q.calls = 10;
  q.tables = {"orders"};
  auto before = coster.cost(q, {});
  ASSERT_TRUE(before) << coster.last_error();
  const std::vector<IndexDefinition> hypo = {index("orders", {"customer_id"})};
  auto after = coster.cost(q, hypo);
  ASSERT_TRUE(after) << coster.last_error();
  EXPECT_LT(after->cost * 10, before->cost);
  EXPECT_EQ(after->used_indexes, std::vector<std::string>{"public.orders(customer_id)"});

  // A NULL parameter is costed too (a custom plan sees "= NULL" and knows it returns nothing).
  q.id = "00000000000000c4";
  q.sample->params = {std::nullopt, std::string("pending")};
  auto with_null = coster.cost(q, hypo);
  ASSERT_TRUE(with_null) << coster.last_error();
  EXPECT_LT(with_null->cost, after->cost);
}

TEST_F(WhatIfCosterTest, QueryWithoutSampleIsCostedWithTheGenericPlan) {
  WhatIfCoster coster(url());
  AdvisedQuery q;
  q.id = "00000000000000d4";
  q.normalized_text = "SELECT id, total FROM orders WHERE status = $1 AND created_at >= $2 AND created_at < $3";
  q.calls = 10;
  q.tables = {"orders"};
  auto before = coster.cost(q, {});
  ASSERT_TRUE(before) << coster.last_error();
  const std::vector<IndexDefinition> hypo = {index("orders", {"status", "created_at"})};
  auto after = coster.cost(q, hypo);
  ASSERT_TRUE(after) << coster.last_error();
  EXPECT_LT(after->cost, before->cost);
  EXPECT_EQ(after->used_indexes, std::vector<std::string>{"public.orders(status,created_at)"});

  // A redacted sample is not used: the normalized text is.
  q.id = "00000000000000d5";
  q.sample = workload::QuerySample{"SELECT broken FROM (", {}, 1.0, 0, true};
  auto redacted = coster.cost(q, hypo);
  ASSERT_TRUE(redacted) << coster.last_error();
  EXPECT_EQ(redacted->cost, after->cost);
}

TEST_F(WhatIfCosterTest, WritesAreCostedNeverRun) {
  WhatIfCoster coster(url());
  AdvisedQuery q = literal_query("00000000000000e5", "UPDATE orders SET status = 'lost' WHERE customer_id = 4242");
  q.kind = sql::StatementKind::Write;
  const std::vector<IndexDefinition> hypo = {index("orders", {"customer_id"})};
  auto before = coster.cost(q, {});
  auto after = coster.cost(q, hypo);
  ASSERT_TRUE(before) << coster.last_error();
  ASSERT_TRUE(after) << coster.last_error();
  EXPECT_LT(after->cost, before->cost);
  // A sample smuggling a second statement is refused, not run.
  AdvisedQuery two = literal_query("00000000000000e6", "SELECT 1; UPDATE orders SET status = 'lost'");
  two.normalized_text.clear();
  EXPECT_FALSE(coster.cost(two, hypo));
  EXPECT_EQ(shared_pg().query_value("SELECT count(*) FROM orders WHERE status = 'lost'", db_), "0");
}

TEST_F(WhatIfCosterTest, BrokenQueryGivesNulloptAndTheConnectionStaysUsable) {
  WhatIfCoster coster(url());
  const AdvisedQuery bad = literal_query("00000000000000f6", "SELECT * FROM no_such_table WHERE x = 1", {"no_such_table"});
  EXPECT_FALSE(coster.cost(bad, {}));
  EXPECT_NE(coster.last_error().find("no_such_table"), std::string::npos) << coster.last_error();
  EXPECT_NE(coster.last_error().find(where()), std::string::npos) << coster.last_error();
  EXPECT_EQ(coster.last_error().find(kPassword), std::string::npos);
  EXPECT_EQ(coster.stats().failures, 1u);

  // Cached as a failure.
  EXPECT_FALSE(coster.cost(bad, {}));
  EXPECT_EQ(coster.stats().failures, 1u);
  EXPECT_EQ(coster.stats().cache_hits, 1u);

  // A parameterized and a generic one that fail, then good ones on the same session.
  AdvisedQuery bad_param;
  bad_param.id = "00000000000000f7";
  bad_param.normalized_text = "SELECT * FROM orders WHERE customer_id = $1";
  bad_param.sample = workload::QuerySample{bad_param.normalized_text, {std::string("not a number")}, 1, 0, false};
  bad_param.tables = {"orders"};
  // The sample fails (invalid bigint); the generic plan of the normalized text still costs it.
  EXPECT_TRUE(coster.cost(bad_param, {})) << coster.last_error();
  AdvisedQuery bad_generic;
  bad_generic.id = "00000000000000f8";
  bad_generic.normalized_text = "SELECT * FROM orders WHERE nope = $1";
  EXPECT_FALSE(coster.cost(bad_generic, {}));
  EXPECT_NE(coster.last_error().find("nope"), std::string::npos) << coster.last_error();

  const std::vector<IndexDefinition> hypo = {index("orders", {"customer_id"})};
  auto good = coster.cost(literal_query("00000000000000f9", "SELECT * FROM orders WHERE customer_id = 1"), hypo);
  ASSERT_TRUE(good) << coster.last_error();
  EXPECT_EQ(good->used_indexes.size(), 1u);

  // A hypothetical index HypoPG refuses fails only the queries on its table.
  const std::vector<IndexDefinition> broken = {index("orders", {"no_such_column"})};
  EXPECT_FALSE(coster.cost(literal_query("00000000000000fa", "SELECT * FROM orders WHERE customer_id = 2"), broken));
  EXPECT_NE(coster.last_error().find("no_such_column"), std::string::npos) << coster.last_error();
  EXPECT_TRUE(coster.cost(literal_query("00000000000000fb", "SELECT * FROM customers WHERE id = 2", {"customers"}),
                          broken));
  EXPECT_EQ(coster.estimated_size_bytes(broken[0]), -1);
}

TEST_F(WhatIfCosterTest, ConnectionFailureNamesTheTargetNotThePassword) {
  const std::string bad_url = shared_pg().url(kUser, "wrong-" + std::string(kPassword), db_);
  try {
    WhatIfCoster coster(bad_url);
    FAIL() << "connected with a wrong password";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(where()), std::string::npos) << msg;
    EXPECT_EQ(msg.find(kPassword), std::string::npos) << msg;
  }
}

TEST_F(WhatIfCosterTest, EstimatesIndexSizes) {
  WhatIfCoster coster(url());
  const int64_t single = coster.estimated_size_bytes(index("orders", {"customer_id"}));
  const int64_t wide = coster.estimated_size_bytes(index("orders", {"status", "created_at"}));
  EXPECT_GT(single, 1'000'000);  // 200k entries of 8 bytes plus overhead
  EXPECT_GT(wide, single);
  EXPECT_EQ(coster.estimated_size_bytes(index("orders", {"customer_id"})), single);  // cached
}

TEST_F(WhatIfCosterTest, OnlyTheWantedIndexesExistAndAllGoAway) {
  const AdvisedQuery by_customer = literal_query("0000000000000101", "SELECT * FROM orders WHERE customer_id = 9");
  const AdvisedQuery by_created = literal_query(
      "0000000000000102", "SELECT id FROM orders WHERE created_at >= '2024-05-01' AND created_at < '2024-05-02'");
  const IndexDefinition a = index("orders", {"customer_id"});
  const IndexDefinition b = index("orders", {"created_at"});
  {
    WhatIfCoster coster(url());
    const std::vector<IndexDefinition> ab = {a, b};
    auto r1 = coster.cost(by_customer, ab);
    ASSERT_TRUE(r1) << coster.last_error();
    EXPECT_EQ(r1->used_indexes, std::vector<std::string>{a.key()});
    // Dropping a from the wanted set drops it from the session.
    const std::vector<IndexDefinition> only_b = {b};
    auto r2 = coster.cost(by_customer, only_b);
    ASSERT_TRUE(r2);
    EXPECT_TRUE(r2->used_indexes.empty());
    auto r3 = coster.cost(by_created, only_b);
    ASSERT_TRUE(r3) << coster.last_error();
    EXPECT_EQ(r3->used_indexes, std::vector<std::string>{b.key()});
  }
  // Hypothetical indexes live in their backend only; a new session sees none and works.
  PgConnPtr conn = pg_connect(shared_pg().conninfo("postgres", "postgres", db_));
  ASSERT_TRUE(ConnectionOk(conn));
  PgResultPtr r(PQexec(conn.get(), "SELECT count(*) FROM hypopg_list_indexes"));
  ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "0");
  // No what-if session is left behind (a closed backend may take a moment to leave).
  const std::string sessions = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sluice-whatif' "
                               "AND datname = '" + db_ + "'";
  std::string left = shared_pg().query_value(sessions);
  for (int i = 0; i < 100 && left != "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    left = shared_pg().query_value(sessions);
  }
  EXPECT_EQ(left, "0");
}

}  // namespace
}  // namespace sluice::testing
