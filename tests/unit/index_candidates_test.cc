#include "optimizer/index_candidates.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace sluice::optimizer {
namespace {

using schema::PgCatalog;
using schema::PgColumnStats;
using schema::PgIndex;
using schema::PgTable;

PgTable make_table(std::string schema_name, std::string name, std::vector<std::string> columns, double rows) {
  PgTable t;
  t.schema = std::move(schema_name);
  t.name = std::move(name);
  t.reltuples = rows;
  int attnum = 1;
  for (auto& c : columns) t.columns.push_back(schema::PgColumn{std::move(c), "bigint", false, attnum++});
  return t;
}

PgIndex btree(const PgTable& t, std::string name, std::vector<std::string> columns) {
  PgIndex i;
  i.name = std::move(name);
  i.table = t.name;
  std::string keys;
  for (const auto& c : columns) {
    if (!keys.empty()) keys += ", ";
    keys += c;
    i.columns.push_back(schema::PgIndexColumn{c, false});
  }
  i.definition = "CREATE INDEX " + i.name + " ON " + t.schema + "." + t.name + " USING btree (" + keys + ")";
  return i;
}

void add_stats(PgTable& t, const std::string& column, double n_distinct) {
  PgColumnStats s;
  s.column = column;
  s.n_distinct = n_distinct;
  t.stats.push_back(s);
}

// orders (100000 rows, primary key on id), customers (5000 rows, primary key on id) and
// sales.orders (a second "orders" in another schema).
PgCatalog shop() {
  PgCatalog c;
  PgTable customers = make_table("public", "customers", {"id", "name", "country", "city", "email"}, 5000);
  PgIndex cpk = btree(customers, "customers_pkey", {"id"});
  cpk.primary = cpk.unique = true;
  customers.indexes.push_back(cpk);
  add_stats(customers, "country", 40);
  add_stats(customers, "city", 900);

  PgTable orders =
      make_table("public", "orders", {"id", "customer_id", "status", "created_at", "total", "note"}, 100000);
  PgIndex opk = btree(orders, "orders_pkey", {"id"});
  opk.primary = opk.unique = true;
  orders.indexes.push_back(opk);
  add_stats(orders, "status", 5);
  add_stats(orders, "customer_id", -0.05);  // 5000 distinct
  add_stats(orders, "total", -0.5);         // 50000 distinct

  PgTable sales_orders = make_table("sales", "orders", {"id", "region"}, 10);

  c.tables = {customers, orders, sales_orders};
  return c;
}

AdvisedQuery query(std::string text) {
  AdvisedQuery q;
  q.normalized_text = std::move(text);
  q.kind = sql::StatementKind::Read;
  return q;
}

std::vector<std::string> keys(const CandidateSet& set) {
  std::vector<std::string> out;
  for (const auto& c : set.candidates) out.push_back(c.index.key());
  return out;
}

TEST(IndexCandidates, SingleEqualityColumn) {
  CandidateSet set = generate_candidates({query("SELECT * FROM orders WHERE customer_id = $1")}, shop());
  ASSERT_EQ(keys(set), (std::vector<std::string>{"public.orders(customer_id)"}));
  EXPECT_EQ(set.candidates[0].queries, (std::vector<std::size_t>{0}));
  EXPECT_EQ(set.candidates[0].index.schema, "public");
  EXPECT_EQ(set.candidates[0].index.table, "orders");
  EXPECT_EQ(set.covered_by_existing, 0u);
  EXPECT_EQ(set.unresolved_columns, 0u);
}

struct Case {
  const char* name;
  const char* query;
  std::vector<std::string> keys;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class IndexCandidatesCases : public ::testing::TestWithParam<Case> {};

TEST_P(IndexCandidatesCases, Proposes) {
  const Case& c = GetParam();
  CandidateSet set = generate_candidates({query(c.query)}, shop());
  EXPECT_EQ(keys(set), c.keys) << c.query;
}

const Case kCases[] = {
    // Equality columns most selective first (customer_id ~5000 values, status 5), then one range.
    {"EqualityBySelectivityThenRange",
     "SELECT * FROM orders WHERE status = $1 AND customer_id = $2 AND created_at > $3",
     {"public.orders(created_at)", "public.orders(customer_id)", "public.orders(customer_id,status)",
      "public.orders(customer_id,status,created_at)", "public.orders(status)"}},
    // Each range column on its own after the equality columns.
    {"TwoRangeColumns",
     "SELECT * FROM orders WHERE status = 'paid' AND created_at >= $1 AND total BETWEEN 1 AND 5",
     {"public.orders(created_at)", "public.orders(status)", "public.orders(status,created_at)",
      "public.orders(status,total)", "public.orders(total)"}},
    {"EqualityThenOrderBy",
     "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC, total DESC LIMIT 10",
     {"public.orders(created_at)", "public.orders(customer_id)", "public.orders(customer_id,created_at,total)"}},
    // Mixed directions: only the leading run in one direction.
    {"OrderByMixedDirections",
     "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC, total ASC",
     {"public.orders(created_at)", "public.orders(customer_id)", "public.orders(customer_id,created_at)"}},
    {"OrderByOnly", "SELECT * FROM orders ORDER BY created_at, total",
     {"public.orders(created_at)", "public.orders(created_at,total)"}},
    // An ORDER BY led by another table's column gives this table no sort candidate.
    {"OrderByOtherTableFirst",
     "SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = $1 "
     "ORDER BY c.name, o.created_at",
     {"public.customers(name)", "public.orders(customer_id)", "public.orders(customer_id,status)",
      "public.orders(status)"}},
    {"GroupByInOrder", "SELECT country, city, count(*) FROM customers GROUP BY country, city",
     {"public.customers(country)", "public.customers(country,city)"}},
    // Join key, then equality columns; the primary key covers customers(id).
    {"JoinKeyThenEquality",
     "SELECT * FROM orders o JOIN customers c ON o.customer_id = c.id WHERE o.status = $1",
     {"public.orders(customer_id)", "public.orders(customer_id,status)", "public.orders(status)"}},
    // Unqualified with two tables: placed by the catalog (only customers has "country").
    {"UnqualifiedResolvedByCatalog",
     "SELECT * FROM orders o JOIN customers c ON o.customer_id = c.id WHERE country = $1",
     {"public.customers(country)", "public.customers(id,country)", "public.orders(customer_id)"}},
    // Under OR: each column alone only.
    {"OrColumnsAloneOnly", "SELECT * FROM orders WHERE customer_id = $1 AND (status = 'a' OR total > 5)",
     {"public.orders(customer_id)", "public.orders(status)", "public.orders(total)"}},
    {"SchemaQualified", "SELECT * FROM sales.orders WHERE region = $1", {"sales.orders(region)"}},
    {"UpdateWhere", "UPDATE orders SET status = 'x' WHERE customer_id = $1 AND created_at < $2",
     {"public.orders(created_at)", "public.orders(customer_id)", "public.orders(customer_id,created_at)"}},
    {"SubqueryLevelsApart",
     "SELECT * FROM customers c WHERE c.country = $1 AND EXISTS (SELECT 1 FROM orders o WHERE "
     "o.customer_id = c.id AND o.status = $2)",
     {"public.customers(country)", "public.orders(customer_id)", "public.orders(customer_id,status)",
      "public.orders(status)"}},
    {"UnionBranches", "SELECT id FROM orders WHERE status = $1 UNION SELECT id FROM customers WHERE city = $2",
     {"public.customers(city)", "public.orders(status)"}},
    {"ParseFailure", "SELEKT * FROM orders WHERE status = 1", {}},
    {"PrimaryKeyLookupCovered", "SELECT * FROM orders WHERE id = $1", {}},
};

INSTANTIATE_TEST_SUITE_P(IndexCandidates, IndexCandidatesCases, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(IndexCandidates, AtMostMaxColumns) {
  const char* q = "SELECT * FROM orders WHERE customer_id = $1 AND status = $2 AND total = $3 AND note = $4";
  CandidateSet three = generate_candidates({query(q)}, shop());
  // total (50000) > customer_id (5000) > status (5) > note (no statistics).
  EXPECT_EQ(keys(three), (std::vector<std::string>{"public.orders(customer_id)", "public.orders(note)",
                                                   "public.orders(status)", "public.orders(total)",
                                                   "public.orders(total,customer_id,status)"}));
  CandidateOptions two;
  two.max_columns = 2;
  CandidateSet set = generate_candidates({query(q)}, shop(), two);
  for (const auto& c : set.candidates) EXPECT_LE(c.index.columns.size(), 2u) << c.index.key();
  EXPECT_EQ(keys(set), (std::vector<std::string>{"public.orders(customer_id)", "public.orders(note)",
                                                 "public.orders(status)", "public.orders(total)",
                                                 "public.orders(total,customer_id)"}));
}

TEST(IndexCandidates, NegativeNDistinctIsFractionOfRows) {
  PgCatalog c = shop();
  // status: 5 distinct; customer_id now -0.00001 of 100000 rows = 1 distinct: less selective.
  c.tables[1].stats.clear();
  add_stats(c.tables[1], "status", 5);
  add_stats(c.tables[1], "customer_id", -0.00001);
  CandidateSet set =
      generate_candidates({query("SELECT * FROM orders WHERE customer_id = $1 AND status = $2")}, c);
  EXPECT_EQ(keys(set), (std::vector<std::string>{"public.orders(customer_id)", "public.orders(status)",
                                                 "public.orders(status,customer_id)"}));
}

TEST(IndexCandidates, UnknownColumnsAndTablesDropped) {
  CandidateSet set = generate_candidates(
      {query("SELECT * FROM orders WHERE nosuch = $1 AND status = $2"), query("SELECT * FROM ghosts WHERE a = 1"),
       query("SELECT * FROM orders o, customers c WHERE id = 1")},  // id: both tables have it
      shop());
  EXPECT_EQ(keys(set), (std::vector<std::string>{"public.orders(status)"}));
  EXPECT_EQ(set.unresolved_columns, 3u);
}

TEST(IndexCandidates, CoveredByExistingIndexSkippedAndCounted) {
  PgCatalog c = shop();
  c.tables[1].indexes.push_back(btree(c.tables[1], "orders_customer_created", {"customer_id", "created_at"}));
  CandidateSet set = generate_candidates(
      {query("SELECT * FROM orders WHERE customer_id = $1 AND created_at > $2"),
       query("SELECT * FROM orders WHERE customer_id = $1")},
      c);
  // (customer_id) twice and (customer_id, created_at) once are covered; created_at alone is not.
  EXPECT_EQ(keys(set), (std::vector<std::string>{"public.orders(created_at)"}));
  EXPECT_EQ(set.covered_by_existing, 3u);
}

TEST(IndexCandidates, OnlyValidPlainBtreeIndexesCover) {
  PgCatalog c = shop();
  PgTable& orders = c.tables[1];
  PgIndex invalid = btree(orders, "orders_status_invalid", {"status"});
  invalid.valid = false;
  PgIndex hash = btree(orders, "orders_status_hash", {"status"});
  hash.definition = "CREATE INDEX orders_status_hash ON public.orders USING hash (status)";
  PgIndex partial = btree(orders, "orders_status_partial", {"status"});
  partial.definition += " WHERE (total > (0)::numeric)";
  PgIndex expression = btree(orders, "orders_lower_status", {"lower(status)"});
  expression.columns[0].expression = true;
  orders.indexes.insert(orders.indexes.end(), {invalid, hash, partial, expression});

  IndexDefinition status{"public", "orders", {"status"}};
  EXPECT_EQ(covering_index(status, c), nullptr);
  CandidateSet set = generate_candidates({query("SELECT * FROM orders WHERE status = $1")}, c);
  EXPECT_EQ(keys(set), (std::vector<std::string>{"public.orders(status)"}));
  EXPECT_EQ(set.covered_by_existing, 0u);
}

TEST(IndexCandidates, CoveringIndexIsByPrefix) {
  PgCatalog c = shop();
  PgIndex composite = btree(c.tables[1], "orders_a", {"customer_id", "status", "created_at"});
  c.tables[1].indexes.push_back(composite);
  const PgIndex* found = covering_index(IndexDefinition{"public", "orders", {"customer_id", "status"}}, c);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "orders_a");
  EXPECT_NE(covering_index(IndexDefinition{"public", "orders", {"customer_id", "status", "created_at"}}, c),
            nullptr);
  EXPECT_EQ(covering_index(IndexDefinition{"public", "orders", {"status"}}, c), nullptr);
  EXPECT_EQ(covering_index(IndexDefinition{"public", "orders", {"customer_id", "created_at"}}, c), nullptr);
  EXPECT_EQ(covering_index(IndexDefinition{"public", "orders", {"customer_id", "status", "created_at", "total"}}, c),
            nullptr);
  // Same table name in another schema is a different table.
  EXPECT_EQ(covering_index(IndexDefinition{"sales", "orders", {"customer_id"}}, c), nullptr);
  EXPECT_EQ(covering_index(IndexDefinition{"public", "nosuch", {"a"}}, c), nullptr);
}

TEST(IndexCandidates, MergedAcrossQueries) {
  CandidateSet set = generate_candidates({query("SELECT * FROM orders WHERE status = $1"),
                                          query("SELECT * FROM customers WHERE city = $1"),
                                          query("SELECT * FROM orders WHERE status = $1 AND total > $2"),
                                          query("DELETE FROM orders WHERE status = 'gone'")},
                                         shop());
  ASSERT_EQ(keys(set), (std::vector<std::string>{"public.customers(city)", "public.orders(status)",
                                                 "public.orders(status,total)", "public.orders(total)"}));
  EXPECT_EQ(set.candidates[0].queries, (std::vector<std::size_t>{1}));
  EXPECT_EQ(set.candidates[1].queries, (std::vector<std::size_t>{0, 2, 3}));
  EXPECT_EQ(set.candidates[2].queries, (std::vector<std::size_t>{2}));
  EXPECT_EQ(set.candidates[3].queries, (std::vector<std::size_t>{2}));
}

TEST(IndexCandidates, SampleWithRealValuesPreferred) {
  AdvisedQuery q = query("SELECT * FROM customers WHERE email LIKE $1");
  EXPECT_TRUE(generate_candidates({q}, shop()).candidates.empty());
  q.sample = workload::QuerySample{};
  q.sample->query = "SELECT * FROM customers WHERE email LIKE 'bob%'";
  EXPECT_EQ(keys(generate_candidates({q}, shop())), (std::vector<std::string>{"public.customers(email)"}));
  q.sample->redacted = true;
  EXPECT_TRUE(generate_candidates({q}, shop()).candidates.empty());
}

TEST(IndexCandidates, EmptyWorkload) {
  CandidateSet set = generate_candidates({}, shop());
  EXPECT_TRUE(set.candidates.empty());
  EXPECT_EQ(set.covered_by_existing, 0u);
  EXPECT_EQ(set.unresolved_columns, 0u);
}

}  // namespace
}  // namespace sluice::optimizer
