// optimizer/index_selection: greedy index choice under a budget, costed with HypoPG against the
// shared PostgreSQL 15 of the test binary, in a database of this suite's own. Candidates are
// written by hand here (candidate generation has tests of its own).
#include "optimizer/index_selection.h"
#include "schema/pg_catalog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "optimizer/whatif_coster.h"
#include "tests/fixtures/pg_server.h"
#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

using optimizer::AdvisedQuery;
using optimizer::CandidateSet;
using optimizer::IndexCandidate;
using optimizer::IndexDefinition;
using optimizer::select_indexes;
using optimizer::Selection;
using optimizer::SelectionOptions;
using optimizer::WhatIfCoster;

class IndexSelectionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = "selection_" + std::to_string(getpid());
    PgServer& pg = shared_pg();
    pg.exec("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
    pg.exec("CREATE DATABASE " + db_);
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
        "CREATE TABLE events (id bigint PRIMARY KEY, kind int NOT NULL, payload text)",
        "INSERT INTO events SELECT g, g % 500, 'payload ' || g FROM generate_series(1, 20000) g",
        "ANALYZE",
    };
    for (const char* sql : setup) pg.exec(sql, db_);
  }
  static void TearDownTestSuite() {
    try {
      shared_pg().exec("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "drop database: " << e.what();
    }
  }

  static std::string url() { return shared_pg().url("postgres", "postgres", db_); }

  static AdvisedQuery query(const std::string& id, const std::string& text, uint64_t calls,
                            std::vector<std::string> tables,
                            sql::StatementKind kind = sql::StatementKind::Read, int64_t rows = 0) {
    AdvisedQuery q;
    q.id = id;
    q.normalized_text = text;
    q.sample = workload::QuerySample{text, {}, 5.0, 0, false};
    q.calls = calls;
    q.rows = rows;
    q.kind = kind;
    q.tables = std::move(tables);
    return q;
  }

  static IndexCandidate candidate(const std::string& table, std::vector<std::string> columns,
                                  std::vector<std::size_t> queries) {
    IndexCandidate c;
    c.index.table = table;
    c.index.columns = std::move(columns);
    c.queries = std::move(queries);
    return c;
  }

  static std::vector<std::string> chosen_keys(const Selection& s) {
    std::vector<std::string> out;
    for (const auto& c : s.chosen) out.push_back(c.index.key());
    return out;
  }

  static const optimizer::RejectedCandidate* rejected(const Selection& s, const std::string& key) {
    for (const auto& r : s.rejected) {
      if (r.index.key() == key) return &r;
    }
    return nullptr;
  }

  static std::string describe(const Selection& s) {
    std::string out = "chosen:";
    for (const auto& c : s.chosen) out += "\n  " + c.index.key() + " " + std::to_string(c.size_bytes) + " B: " + c.reason;
    out += "\nrejected:";
    for (const auto& r : s.rejected) out += "\n  " + r.index.key() + ": " + r.reason;
    return out;
  }

  static std::string db_;
};

std::string IndexSelectionTest::db_;

constexpr int64_t kLargeBudget = 1LL << 30;

TEST_F(IndexSelectionTest, PicksTheMissingIndexAndLeavesCoveredQueriesAlone) {
  WhatIfCoster coster(url());
  const std::vector<AdvisedQuery> queries = {
      query("1a2b3c4d5e6f7081", "SELECT * FROM orders WHERE customer_id = 4242", 1200, {"orders"}),
      query("2b3c4d5e6f708192", "SELECT * FROM customers WHERE email = 'user5@example.com'", 500, {"customers"}),
      query("3c4d5e6f708192a3", "SELECT count(*) FROM orders", 3, {"orders"}),
  };
  CandidateSet cands;
  cands.candidates = {candidate("customers", {"email"}, {1}), candidate("orders", {"customer_id"}, {0}),
                      candidate("orders", {"total"}, {0})};
  SelectionOptions opts;
  opts.budget_bytes = kLargeBudget;
  const Selection s = select_indexes(queries, cands, coster, opts);

  ASSERT_EQ(chosen_keys(s), std::vector<std::string>{"public.orders(customer_id)"}) << describe(s);
  const auto& c = s.chosen[0];
  EXPECT_GT(c.size_bytes, 0);
  EXPECT_GT(c.benefit, 0);
  EXPECT_FALSE(c.replaces);
  ASSERT_EQ(c.helps.size(), 1u);
  EXPECT_EQ(c.helps[0].query, 0u);
  EXPECT_LT(c.helps[0].after * 10, c.helps[0].before);
  EXPECT_NE(c.reason.find("helps 1 query (1,200 calls)"), std::string::npos) << c.reason;
  EXPECT_NE(c.reason.find("for q 1a2b3c4d…"), std::string::npos) << c.reason;

  // The query the real index already serves gets no suggestion. (The planner may pick the
  // hypothetical twin of the real index, a few cost units cheaper: too small a gain.)
  const auto* email = rejected(s, "public.customers(email)");
  ASSERT_NE(email, nullptr) << describe(s);
  EXPECT_TRUE(email->reason.find("no query's plan uses it") != std::string::npos ||
              email->reason.find("gain too small") != std::string::npos)
      << email->reason;
  EXPECT_NE(rejected(s, "public.orders(total)"), nullptr) << describe(s);

  EXPECT_EQ(s.used_bytes, c.size_bytes);
  EXPECT_LE(s.used_bytes, s.budget_bytes);
  ASSERT_EQ(s.cost_before.size(), 3u);
  ASSERT_EQ(s.cost_after.size(), 3u);
  EXPECT_LT(s.cost_after[0], s.cost_before[0]);
  EXPECT_DOUBLE_EQ(s.cost_after[1], s.cost_before[1]);
  EXPECT_LT(s.workload_cost_after, s.workload_cost_before);
  EXPECT_EQ(s.uncostable_queries, 0u);
}

TEST_F(IndexSelectionTest, PicksATwoColumnIndexForEqualityPlusRange) {
  WhatIfCoster coster(url());
  const std::vector<AdvisedQuery> queries = {
      query("4d5e6f708192a3b4",
            "SELECT id, total FROM orders WHERE status = 'refunded' AND created_at >= '2024-03-01' "
            "AND created_at < '2024-03-08' ORDER BY created_at",
            800, {"orders"}),
  };
  CandidateSet cands;
  cands.candidates = {candidate("orders", {"created_at"}, {0}), candidate("orders", {"status"}, {0}),
                      candidate("orders", {"status", "created_at"}, {0})};
  SelectionOptions opts;
  opts.budget_bytes = kLargeBudget;
  const Selection s = select_indexes(queries, cands, coster, opts);

  ASSERT_EQ(chosen_keys(s), std::vector<std::string>{"public.orders(status,created_at)"}) << describe(s);
  EXPECT_NE(rejected(s, "public.orders(status)"), nullptr) << describe(s);
  EXPECT_NE(rejected(s, "public.orders(created_at)"), nullptr) << describe(s);
  EXPECT_LT(s.cost_after[0] * 5, s.cost_before[0]) << describe(s);
}

TEST_F(IndexSelectionTest, AWiderIndexReplacesItsPrefix) {
  WhatIfCoster coster(url());
  // Many calls by customer alone, fewer that also sort by date: the single column comes first,
  // then its extension replaces it for the price of the extra bytes.
  const std::vector<AdvisedQuery> queries = {
      query("5e6f708192a3b4c5", "SELECT * FROM orders WHERE customer_id = 4242", 5000, {"orders"}),
      query("6f708192a3b4c5d6",
            "SELECT id FROM orders WHERE customer_id = 4243 AND created_at > '2024-06-01' ORDER BY created_at "
            "LIMIT 5",
            3000, {"orders"}),
  };
  CandidateSet cands;
  cands.candidates = {candidate("orders", {"customer_id"}, {0, 1}),
                      candidate("orders", {"customer_id", "created_at"}, {1})};
  SelectionOptions opts;
  opts.budget_bytes = kLargeBudget;
  const Selection s = select_indexes(queries, cands, coster, opts);
  // Either way only one index on orders is kept, and it is the wider one or the narrow one alone.
  ASSERT_EQ(s.chosen.size(), 1u) << describe(s);
  EXPECT_LE(s.used_bytes, s.budget_bytes);
  if (s.chosen[0].index.columns.size() == 2 && s.chosen[0].replaces) {
    EXPECT_EQ(s.chosen[0].replaces->key(), "public.orders(customer_id)");
    EXPECT_NE(s.chosen[0].reason.find("replaces orders(customer_id)"), std::string::npos) << s.chosen[0].reason;
  }
  std::printf("[ info     ] %s\n", describe(s).c_str());
}

TEST_F(IndexSelectionTest, RespectsTheBudget) {
  WhatIfCoster coster(url());
  const std::vector<AdvisedQuery> queries = {
      query("708192a3b4c5d6e7", "SELECT * FROM orders WHERE customer_id = 4242", 1000, {"orders"}),
      query("8192a3b4c5d6e7f8", "SELECT * FROM customers WHERE region_id = 7 AND name = 'name 7'", 1000,
            {"customers"}),
  };
  CandidateSet cands;
  cands.candidates = {candidate("customers", {"name"}, {1}), candidate("orders", {"customer_id"}, {0})};

  SelectionOptions tiny;
  tiny.budget_bytes = 4096;
  const Selection none = select_indexes(queries, cands, coster, tiny);
  EXPECT_TRUE(none.chosen.empty()) << describe(none);
  EXPECT_EQ(none.used_bytes, 0);
  ASSERT_EQ(none.rejected.size(), 2u) << describe(none);
  for (const auto& r : none.rejected) EXPECT_NE(r.reason.find("over budget"), std::string::npos) << r.reason;

  // Room for the orders index only (it is the larger one): the other cannot join it.
  const int64_t orders_size = coster.estimated_size_bytes(cands.candidates[1].index);
  const int64_t customers_size = coster.estimated_size_bytes(cands.candidates[0].index);
  ASSERT_GT(orders_size, customers_size);
  SelectionOptions fits_one;
  fits_one.budget_bytes = orders_size + customers_size / 2;
  const Selection one = select_indexes(queries, cands, coster, fits_one);
  EXPECT_EQ(one.chosen.size(), 1u) << describe(one);
  EXPECT_LE(one.used_bytes, one.budget_bytes);
  EXPECT_EQ(one.chosen.size() + one.rejected.size(), 2u) << describe(one);

  SelectionOptions both;
  both.budget_bytes = orders_size + customers_size;
  const Selection two = select_indexes(queries, cands, coster, both);
  EXPECT_EQ(two.chosen.size(), 2u) << describe(two);
  EXPECT_EQ(two.used_bytes, orders_size + customers_size);
}

// A knapsack trap for both plain greedy passes: four independent indexes whose gains are set
// through the calls (L 7.5, M1 7.0, M2 6.9, S 3.0 million cost units) and whose sizes are
// given (60, 50, 50, 20 MB) under a 100 MB budget. Per byte takes S, M1 (10.0); by benefit
// takes L, S (10.5); the best pair is M1 + M2 (13.9), which a pass seeded with M1 finds.
TEST_F(IndexSelectionTest, SeededPassesFindTheSetBothGreedyPassesMiss) {
  WhatIfCoster coster(url());
  std::vector<AdvisedQuery> queries = {
      query("e4f5a6071829304a", "SELECT * FROM orders WHERE customer_id = 4242", 1, {"orders"}),
      query("f5a6071829304a5b", "SELECT * FROM orders WHERE total = 42.5", 1, {"orders"}),
      query("a6071829304a5b6c", "SELECT * FROM events WHERE kind = 7", 1, {"events"}),
      query("071829304a5b6c7d", "SELECT * FROM customers WHERE name = 'name 7'", 1, {"customers"}),
  };
  CandidateSet cands;
  cands.candidates = {candidate("orders", {"customer_id"}, {0}), candidate("orders", {"total"}, {1}),
                      candidate("events", {"kind"}, {2}), candidate("customers", {"name"}, {3})};
  const double targets[] = {7.5e6, 7.0e6, 6.9e6, 3.0e6};
  const int64_t mb = 1 << 20;
  const int64_t sizes[] = {60 * mb, 50 * mb, 50 * mb, 20 * mb};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto before = coster.cost(queries[i], {});
    const std::vector<IndexDefinition> one = {cands.candidates[i].index};
    const auto after = coster.cost(queries[i], one);
    ASSERT_TRUE(before && after) << coster.last_error();
    const double saving = before->cost - after->cost;
    ASSERT_GT(saving, 10) << queries[i].normalized_text;
    queries[i].calls = static_cast<uint64_t>(std::llround(targets[i] / saving));
    cands.candidates[i].estimated_size_bytes = sizes[i];
  }
  auto benefit = [](const Selection& s) { return s.workload_cost_before - s.workload_cost_after; };

  SelectionOptions plain;
  plain.budget_bytes = 100 * mb;
  plain.seed_passes = 0;
  const Selection p = select_indexes(queries, cands, coster, plain);
  EXPECT_EQ(chosen_keys(p), (std::vector<std::string>{"public.orders(customer_id)", "public.customers(name)"}))
      << describe(p);
  EXPECT_NEAR(benefit(p), 10.5e6, 0.1e6) << describe(p);

  SelectionOptions seeded = plain;
  seeded.seed_passes = SelectionOptions{}.seed_passes;
  const Selection s = select_indexes(queries, cands, coster, seeded);
  EXPECT_EQ(chosen_keys(s), (std::vector<std::string>{"public.orders(total)", "public.events(kind)"})) << describe(s);
  EXPECT_NEAR(benefit(s), 13.9e6, 0.1e6) << describe(s);
  EXPECT_EQ(s.used_bytes, 100 * mb);
  EXPECT_LE(s.used_bytes, s.budget_bytes);
  const auto* l = rejected(s, "public.orders(customer_id)");
  ASSERT_NE(l, nullptr) << describe(s);
  EXPECT_NE(l->reason.find("over budget"), std::string::npos) << l->reason;

  // With room for everything, every index is taken, seeded passes or not.
  SelectionOptions roomy = seeded;
  roomy.budget_bytes = 200 * mb;
  const Selection r = select_indexes(queries, cands, coster, roomy);
  EXPECT_EQ(r.chosen.size(), 4u) << describe(r);
  roomy.seed_passes = 0;
  EXPECT_EQ(chosen_keys(select_indexes(queries, cands, coster, roomy)), chosen_keys(r));
}

TEST_F(IndexSelectionTest, RejectsAnIndexWhoseWriteUpkeepOutweighsItsGain) {
  WhatIfCoster coster(url());
  const std::vector<AdvisedQuery> queries = {
      query("92a3b4c5d6e7f809", "SELECT * FROM events WHERE kind = 7", 2, {"events"}),
      query("a3b4c5d6e7f8091a", "INSERT INTO events (id, kind, payload) VALUES (999999, 1, 'x')", 1'000'000,
            {"events"}, sql::StatementKind::Write, 1'000'000),
  };
  CandidateSet cands;
  cands.candidates = {candidate("events", {"kind"}, {0})};
  SelectionOptions opts;
  opts.budget_bytes = kLargeBudget;
  const Selection s = select_indexes(queries, cands, coster, opts);
  EXPECT_TRUE(s.chosen.empty()) << describe(s);
  const auto* r = rejected(s, "public.events(kind)");
  ASSERT_NE(r, nullptr) << describe(s);
  EXPECT_NE(r->reason.find("write upkeep"), std::string::npos) << r->reason;
  // The INSERT was costed (EXPLAIN only): the row is not there.
  EXPECT_FALSE(std::isnan(s.cost_before[1]));
  EXPECT_EQ(shared_pg().query_value("SELECT count(*) FROM events WHERE id = 999999", db_), "0");

  // The same read with a rarely written table is worth it.
  std::vector<AdvisedQuery> read_mostly = queries;
  read_mostly[0].calls = 1000;
  read_mostly[1].calls = 10;
  read_mostly[1].rows = 10;
  const Selection t = select_indexes(read_mostly, cands, coster, opts);
  ASSERT_EQ(chosen_keys(t), std::vector<std::string>{"public.events(kind)"}) << describe(t);
  EXPECT_EQ(t.chosen[0].write_rows, 10);
  EXPECT_DOUBLE_EQ(t.chosen[0].maintenance_cost, 10 * opts.maintenance_cost_per_row);
}

TEST_F(IndexSelectionTest, UpdatesOfAnIndexedColumnLoseHotAndPayForEveryIndex) {
  WhatIfCoster coster(url());
  const schema::PgCatalog catalog = schema::load_pg_catalog(url());
  // A frequent UPDATE of status (HOT today: no index has status) beside a rarer read on status.
  std::vector<AdvisedQuery> queries = {
      query("b1c2d3e4f5a60718", "SELECT id FROM orders WHERE status = 'refunded'", 200, {"orders"}),
      query("c2d3e4f5a6071829", "UPDATE orders SET status = 'shipped' WHERE id = 77", 60'000, {"orders"},
            sql::StatementKind::Write, 60'000),
      query("d3e4f5a60718293a", "SELECT id FROM orders WHERE customer_id = 42", 200, {"orders"}),
  };
  queries[1].updated_columns = {"status"};
  CandidateSet cands;
  cands.candidates = {candidate("orders", {"status"}, {0}), candidate("orders", {"customer_id"}, {2})};
  SelectionOptions opts;
  opts.budget_bytes = kLargeBudget;
  opts.catalog = &catalog;
  const Selection s = select_indexes(queries, cands, coster, opts);
  // customer_id is not a set column: the UPDATE stays HOT, the index costs it nothing.
  ASSERT_EQ(chosen_keys(s), std::vector<std::string>{"public.orders(customer_id)"}) << describe(s);
  EXPECT_DOUBLE_EQ(s.chosen[0].maintenance_cost, 0.0);
  EXPECT_FALSE(s.chosen[0].breaks_hot_updates);
  // status is: every row updated would write every index (the primary key and this one) and the heap.
  const auto* r = rejected(s, "public.orders(status)");
  ASSERT_NE(r, nullptr) << describe(s);
  EXPECT_NE(r->reason.find("write upkeep"), std::string::npos) << r->reason;
  EXPECT_NE(r->reason.find(std::to_string(3 * 60'000 * static_cast<int>(opts.maintenance_cost_per_row)).substr(0, 3)),
            std::string::npos)
      << r->reason;

  // Without the catalog the model cannot tell HOT from not: one entry per row, the old behaviour.
  SelectionOptions blind = opts;
  blind.catalog = nullptr;
  const Selection t = select_indexes(queries, cands, coster, blind);
  bool customer_chosen = false;
  for (const auto& c : t.chosen) {
    if (c.index.key() == "public.orders(customer_id)") {
      customer_chosen = true;
      EXPECT_DOUBLE_EQ(c.maintenance_cost, 60'000 * opts.maintenance_cost_per_row);
    }
  }
  EXPECT_TRUE(customer_chosen) << describe(t);
}

TEST_F(IndexSelectionTest, ManyQueriesStayFast) {
  WhatIfCoster coster(url());
  std::vector<AdvisedQuery> queries;
  const char* shapes[] = {
      "SELECT * FROM orders WHERE customer_id = %d",
      "SELECT id FROM orders WHERE status = 'refunded' AND created_at >= '2024-03-%02d' AND created_at < "
      "'2024-03-28'",
      "SELECT * FROM customers WHERE region_id = %d AND name = 'x'",
      "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.region_id = %d",
      "SELECT * FROM events WHERE kind = %d",
      "UPDATE events SET payload = 'y' WHERE id = %d",
  };
  const std::vector<std::vector<std::string>> tables = {{"orders"}, {"orders"}, {"customers"},
                                                        {"orders", "customers"}, {"events"}, {"events"}};
  const int kQueries = 300;
  for (int i = 0; i < kQueries; ++i) {
    const int shape = i % 6;
    char text[256];
    std::snprintf(text, sizeof text, shapes[shape], 1 + i % 27);
    char id[17];
    std::snprintf(id, sizeof id, "%016x", 0x1000 + i);
    queries.push_back(query(id, text, 10 + static_cast<uint64_t>(i), tables[static_cast<std::size_t>(shape)],
                            shape == 5 ? sql::StatementKind::Write : sql::StatementKind::Read, shape == 5 ? 1 : 0));
  }
  CandidateSet cands;
  cands.candidates = {
      candidate("customers", {"name"}, {}),          candidate("customers", {"region_id"}, {}),
      candidate("customers", {"region_id", "name"}, {}), candidate("events", {"kind"}, {}),
      candidate("orders", {"created_at"}, {}),       candidate("orders", {"customer_id"}, {}),
      candidate("orders", {"status"}, {}),           candidate("orders", {"status", "created_at"}, {}),
      candidate("orders", {"total"}, {}),
  };
  SelectionOptions opts;
  opts.budget_bytes = kLargeBudget;
  const auto t0 = std::chrono::steady_clock::now();
  const Selection s = select_indexes(queries, cands, coster, opts);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ info     ] %d queries, %zu candidates: %.2f s, %llu what-if calls, %llu cache hits, %zu chosen\n",
              kQueries, cands.candidates.size(), secs,
              static_cast<unsigned long long>(coster.stats().whatif_calls),
              static_cast<unsigned long long>(coster.stats().cache_hits), s.chosen.size());
  EXPECT_LT(secs, 30);
  EXPECT_GE(s.chosen.size(), 3u) << describe(s);
  EXPECT_LE(s.used_bytes, s.budget_bytes);
  EXPECT_EQ(s.chosen.size() + s.rejected.size() >= cands.candidates.size(), true);
  EXPECT_LT(s.workload_cost_after, s.workload_cost_before);
  for (const auto& c : s.chosen) EXPECT_FALSE(c.helps.empty()) << c.index.key();
}

}  // namespace
}  // namespace sluice::testing
