#include "optimizer/drop_candidates.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::optimizer {
namespace {

using schema::PgCatalog;
using schema::PgIndex;
using schema::PgTable;

PgTable make_table(std::string name, double rows, std::string schema_name = "public") {
  PgTable t;
  t.schema = std::move(schema_name);
  t.name = std::move(name);
  t.reltuples = rows;
  return t;
}

// A B-tree index with some scans; keys as pg_get_indexdef() writes them ("a", "b DESC").
PgIndex btree(const PgTable& t, std::string name, std::vector<std::string> keys, int64_t size = 8192,
              int64_t scans = 10) {
  PgIndex i;
  i.name = std::move(name);
  i.table = t.name;
  i.size_bytes = size;
  i.idx_scan = scans;
  std::string list;
  for (const auto& k : keys) {
    if (!list.empty()) list += ", ";
    list += k;
    i.columns.push_back(schema::PgIndexColumn{k.substr(0, k.find(' ')), false});
  }
  i.definition = "CREATE INDEX " + i.name + " ON " + t.schema + "." + t.name + " USING btree (" + list + ")";
  return i;
}

PgIndex unique_btree(const PgTable& t, std::string name, std::vector<std::string> keys, int64_t size = 8192,
                     int64_t scans = 10) {
  PgIndex i = btree(t, std::move(name), std::move(keys), size, scans);
  i.unique = true;
  i.definition.replace(0, 12, "CREATE UNIQUE INDEX");
  return i;
}

PgIndex primary_key(const PgTable& t, std::vector<std::string> keys, int64_t scans = 10) {
  PgIndex i = unique_btree(t, t.name + "_pkey", std::move(keys), 8192, scans);
  i.primary = true;
  return i;
}

PgCatalog catalog_of(std::vector<PgTable> tables) {
  PgCatalog c;
  c.database = "shop";
  c.tables = std::move(tables);
  return c;
}

// "index:reason[:covered_by]" in the returned order.
std::vector<std::string> summary(const std::vector<DropCandidate>& drops) {
  std::vector<std::string> out;
  for (const auto& d : drops) {
    std::string s = d.index + ":" + std::string(to_string(d.reason));
    if (!d.covered_by.empty()) s += ":" + d.covered_by;
    out.push_back(s);
  }
  return out;
}

TEST(DropCandidates, ReasonNames) {
  EXPECT_EQ(to_string(DropReason::Unused), "unused");
  EXPECT_EQ(to_string(DropReason::Duplicate), "duplicate");
  EXPECT_EQ(to_string(DropReason::PrefixCovered), "prefix-covered");
  EXPECT_EQ(to_string(DropReason::Invalid), "invalid");
}

TEST(DropCandidates, UnusedIndexOnBigTable) {
  PgTable t = make_table("orders", 50000);
  t.indexes = {primary_key(t, {"id"}, 0), btree(t, "orders_note_idx", {"note"}, 1 << 20, 0),
               btree(t, "orders_status_idx", {"status"}, 4096, 3)};
  auto drops = find_drop_candidates(catalog_of({t}));
  ASSERT_EQ(summary(drops), (std::vector<std::string>{"orders_note_idx:unused"}));
  const DropCandidate& d = drops[0];
  EXPECT_EQ(d.schema, "public");
  EXPECT_EQ(d.table, "orders");
  EXPECT_EQ(d.size_bytes, 1 << 20);
  EXPECT_EQ(d.idx_scan, 0);
  EXPECT_EQ(d.drop_statement, "DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"orders_note_idx\"");
  EXPECT_NE(d.explanation.find("orders_note_idx"), std::string::npos);
  EXPECT_NE(d.explanation.find("1.0 MB"), std::string::npos) << d.explanation;
}

TEST(DropCandidates, SmallOrUnanalyzedTablesLeftAloneForUnused) {
  PgTable small = make_table("tiny", 999);
  small.indexes = {btree(small, "tiny_a_idx", {"a"}, 8192, 0)};
  PgTable unknown = make_table("fresh", -1);
  unknown.indexes = {btree(unknown, "fresh_a_idx", {"a"}, 8192, 0)};
  PgTable big = make_table("big", 1000);
  big.indexes = {btree(big, "big_a_idx", {"a"}, 8192, 0)};
  EXPECT_EQ(summary(find_drop_candidates(catalog_of({small, unknown, big}))),
            (std::vector<std::string>{"big_a_idx:unused"}));
  DropOptions lenient;
  lenient.min_table_rows = 100;
  EXPECT_EQ(summary(find_drop_candidates(catalog_of({small, unknown, big}), lenient)),
            (std::vector<std::string>{"big_a_idx:unused", "tiny_a_idx:unused"}));
}

TEST(DropCandidates, PrimaryAndUniqueNeverUnused) {
  PgTable t = make_table("users", 100000);
  t.indexes = {primary_key(t, {"id"}, 0), unique_btree(t, "users_email_key", {"email"}, 8192, 0)};
  EXPECT_TRUE(find_drop_candidates(catalog_of({t})).empty());
}

TEST(DropCandidates, InvalidIndex) {
  PgTable t = make_table("orders", 10);  // small table: invalid still reported
  PgIndex broken = btree(t, "orders_status_idx", {"status"}, 4096, 0);
  broken.valid = false;
  PgIndex broken_unique = unique_btree(t, "orders_code_key", {"code"}, 2048, 0);
  broken_unique.valid = false;
  t.indexes = {primary_key(t, {"id"}), broken, broken_unique};
  auto drops = find_drop_candidates(catalog_of({t}));
  EXPECT_EQ(summary(drops),
            (std::vector<std::string>{"orders_status_idx:invalid", "orders_code_key:invalid"}));
  EXPECT_NE(drops[0].explanation.find("invalid"), std::string::npos);
}

TEST(DropCandidates, InvalidIndexNeverCovers) {
  PgTable t = make_table("orders", 10);
  PgIndex broken = btree(t, "orders_a_b_idx", {"a", "b"}, 4096);
  broken.valid = false;
  t.indexes = {broken, btree(t, "orders_a_idx", {"a"})};
  EXPECT_EQ(summary(find_drop_candidates(catalog_of({t}))), (std::vector<std::string>{"orders_a_b_idx:invalid"}));
}

TEST(DropCandidates, DuplicateKeepsTheMoreUsedOne) {
  PgTable t = make_table("orders", 10);
  t.indexes = {btree(t, "orders_customer_idx", {"customer_id"}, 8192, 500),
               btree(t, "orders_customer_idx2", {"customer_id"}, 16384, 2)};
  auto drops = find_drop_candidates(catalog_of({t}));
  ASSERT_EQ(summary(drops), (std::vector<std::string>{"orders_customer_idx2:duplicate:orders_customer_idx"}));
  EXPECT_EQ(drops[0].drop_statement, "DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"orders_customer_idx2\"");
}

TEST(DropCandidates, DuplicateOfUniqueDropsTheNonUnique) {
  PgTable t = make_table("users", 10);
  t.indexes = {btree(t, "users_email_idx", {"email"}, 8192, 900), unique_btree(t, "users_email_key", {"email"}, 8192, 1),
               primary_key(t, {"id"}), btree(t, "users_id_idx", {"id"}, 8192, 900)};
  EXPECT_EQ(summary(find_drop_candidates(catalog_of({t}))),
            (std::vector<std::string>{"users_email_idx:duplicate:users_email_key", "users_id_idx:duplicate:users_pkey"}));
}

TEST(DropCandidates, UniqueDuplicateOfPrimaryKey) {
  PgTable t = make_table("users", 10);
  t.indexes = {primary_key(t, {"id"}, 0), unique_btree(t, "users_id_key", {"id"}, 8192, 900)};
  EXPECT_EQ(summary(find_drop_candidates(catalog_of({t}))),
            (std::vector<std::string>{"users_id_key:duplicate:users_pkey"}));
}

TEST(DropCandidates, DifferentOrderOperatorClassOrPredicateAreNoDuplicates) {
  PgTable t = make_table("users", 10);
  PgIndex partial = btree(t, "users_name_active", {"name"});
  partial.definition += " WHERE active";
  t.indexes = {btree(t, "users_name_idx", {"name"}), btree(t, "users_name_pattern", {"name text_pattern_ops"}),
               partial, btree(t, "users_a_b", {"a", "b"}), btree(t, "users_a_b_desc", {"a", "b DESC"})};
  EXPECT_TRUE(find_drop_candidates(catalog_of({t})).empty());
}

TEST(DropCandidates, PrefixCovered) {
  PgTable t = make_table("orders", 10);
  t.indexes = {btree(t, "orders_customer_idx", {"customer_id"}, 4096),
               btree(t, "orders_customer_created_idx", {"customer_id", "created_at"}, 8192),
               btree(t, "orders_customer_created_total_idx", {"customer_id", "created_at", "total"}, 12288),
               btree(t, "orders_created_idx", {"created_at"}, 4096)};
  auto drops = find_drop_candidates(catalog_of({t}));
  // Both shorter ones point at the longest; created_at alone is no prefix of anything.
  EXPECT_EQ(summary(drops),
            (std::vector<std::string>{"orders_customer_created_idx:prefix-covered:orders_customer_created_total_idx",
                                      "orders_customer_idx:prefix-covered:orders_customer_created_total_idx"}));
  EXPECT_NE(drops[0].explanation.find("customer_id, created_at, total"), std::string::npos) << drops[0].explanation;
}

TEST(DropCandidates, PrefixCoveredByPrimaryKeyOrUnique) {
  PgTable t = make_table("line_items", 10);
  t.indexes = {primary_key(t, {"order_id", "line_no"}), btree(t, "line_items_order_idx", {"order_id"})};
  EXPECT_EQ(summary(find_drop_candidates(catalog_of({t}))),
            (std::vector<std::string>{"line_items_order_idx:prefix-covered:line_items_pkey"}));
}

TEST(DropCandidates, UniqueNeverCoveredByNonUnique) {
  PgTable t = make_table("users", 10);
  t.indexes = {unique_btree(t, "users_email_key", {"email"}), btree(t, "users_email_name_idx", {"email", "name"}),
               unique_btree(t, "users_code_key", {"code"}), unique_btree(t, "users_code_kind_key", {"code", "kind"})};
  EXPECT_TRUE(find_drop_candidates(catalog_of({t})).empty());
}

TEST(DropCandidates, ExpressionAndNonBtreeIndexesNeverCompared) {
  PgTable t = make_table("users", 10);
  PgIndex lower = btree(t, "users_lower_email", {"lower(email)"});
  lower.columns[0] = schema::PgIndexColumn{"lower(email)", true};
  PgIndex lower2 = lower;
  lower2.name = "users_lower_email2";
  PgIndex hash = btree(t, "users_email_hash", {"email"});
  hash.definition = "CREATE INDEX users_email_hash ON public.users USING hash (email)";
  t.indexes = {lower, lower2, hash, btree(t, "users_email_name", {"email", "name"})};
  EXPECT_TRUE(find_drop_candidates(catalog_of({t})).empty());
}

TEST(DropCandidates, IncludeColumns) {
  PgTable t = make_table("orders", 10);
  PgIndex with_include = btree(t, "orders_customer_incl", {"customer_id"});
  with_include.definition += " INCLUDE (total)";
  with_include.included = {schema::PgIndexColumn{"total", false}};
  PgIndex other_include = btree(t, "orders_customer_incl_status", {"customer_id"});
  other_include.definition += " INCLUDE (status)";
  other_include.included = {schema::PgIndexColumn{"status", false}};
  t.indexes = {btree(t, "orders_customer_idx", {"customer_id"}), with_include, other_include};
  // The plain one is covered (by either; the first by name); the two with different INCLUDE
  // columns serve different index-only scans and stay.
  EXPECT_EQ(summary(find_drop_candidates(catalog_of({t}))),
            (std::vector<std::string>{"orders_customer_idx:prefix-covered:orders_customer_incl"}));
}

TEST(DropCandidates, FirstReasonOnlyAndSortedBySize) {
  PgTable big = make_table("events", 1e6, "app");
  // Unused as well as a duplicate: reported once, as a duplicate.
  big.indexes = {btree(big, "events_kind_idx", {"kind"}, 1000, 7), btree(big, "events_kind_idx2", {"kind"}, 3000, 0),
                 btree(big, "events_payload_idx", {"payload"}, 5000, 0)};
  PgTable other = make_table("logs", 1e6);
  other.indexes = {btree(other, "logs_at_idx", {"at"}, 2000, 0)};
  auto drops = find_drop_candidates(catalog_of({big, other}));
  EXPECT_EQ(summary(drops), (std::vector<std::string>{"events_payload_idx:unused", "events_kind_idx2:duplicate:events_kind_idx",
                                                      "logs_at_idx:unused"}));
  EXPECT_EQ(drops[0].schema, "app");
  EXPECT_EQ(drops[0].drop_statement, "DROP INDEX CONCURRENTLY IF EXISTS \"app\".\"events_payload_idx\"");
}

TEST(DropCandidates, EmptyCatalog) { EXPECT_TRUE(find_drop_candidates(PgCatalog{}).empty()); }

}  // namespace
}  // namespace sluice::optimizer
