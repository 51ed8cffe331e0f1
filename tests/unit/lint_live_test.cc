// The pure parts of `sluice lint` live context: severity by size and traffic, duration
// estimates, lock conflicts, and matching workload queries to tables and columns.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "schema/lint/live_context.h"
#include "schema/lint/live_tables.h"
#include "schema/lint/lint_config.h"
#include "schema/lint/pg_trace.h"
#include "schema/lint/workload_refs.h"

namespace sluice::schema::lint {
namespace {

LiveTable table(int64_t rows, int64_t bytes) {
  LiveTable t;
  t.name = "orders";
  t.found = true;
  t.rows = rows;
  t.rows_exact = true;
  t.table_bytes = bytes;
  t.total_bytes = bytes;
  return t;
}

Finding finding(const std::string& rule, Severity s, bool rewrites = false, bool scans = false) {
  Finding f;
  f.rule = rule;
  f.severity = s;
  f.table = "orders";
  f.lock = "ACCESS EXCLUSIVE";
  f.blocks = "reads and writes";
  f.rewrites_table = rewrites;
  f.scans_table = scans;
  return f;
}

TEST(LintLiveSeverity, SmallLowersLargeRaisesUnknownKeeps) {
  LiveThresholds th;
  EXPECT_EQ(adjust_severity(Severity::Error, table(0, 8192), th), Severity::Warning);
  EXPECT_EQ(adjust_severity(Severity::Warning, table(9'999, 1 << 20), th), Severity::Notice);
  EXPECT_EQ(adjust_severity(Severity::Notice, table(0, 0), th), Severity::Notice);
  EXPECT_EQ(adjust_severity(Severity::Warning, table(1'000'000, 40 << 20), th), Severity::Error);
  EXPECT_EQ(adjust_severity(Severity::Warning, table(10, 2LL << 30), th), Severity::Error);  // > 1 GB
  EXPECT_EQ(adjust_severity(Severity::Error, table(5'000'000, 1LL << 30), th), Severity::Error);
  EXPECT_EQ(adjust_severity(Severity::Warning, table(50'000, 8 << 20), th), Severity::Warning);  // in between
  LiveTable unknown;
  EXPECT_EQ(adjust_severity(Severity::Warning, unknown, th), Severity::Warning);
  th.small_table_rows = 0;
  EXPECT_EQ(adjust_severity(Severity::Error, table(0, 8192), th), Severity::Error);
}

TEST(LintLiveSeverity, HotTableRaisesEvenWhenSmall) {
  LiveThresholds th;
  LiveTable t = table(10, 8192);
  t.calls_per_minute = 600;
  EXPECT_EQ(adjust_severity(Severity::Warning, t, th), Severity::Error);
  t.calls_per_minute = 599;
  EXPECT_EQ(adjust_severity(Severity::Warning, t, th), Severity::Notice);
  LiveTable traffic_only;  // --workload without --db
  traffic_only.calls_per_minute = 1000;
  EXPECT_EQ(adjust_severity(Severity::Notice, traffic_only, th), Severity::Warning);
}

TEST(LintLiveSeverity, ApplyAddsNotesAndSkipsStyleAndNewTables) {
  LiveThresholds th;
  LintResult r;
  r.findings.push_back(finding("add-column-volatile-default", Severity::Error, true));
  Finding style = finding("prefer-timestamptz", Severity::Notice);
  style.lock.clear();
  style.blocks.clear();
  r.findings.push_back(style);
  Finding fresh = finding("set-not-null-scans-table", Severity::Error, false, true);
  fresh.table_is_new = true;
  r.findings.push_back(fresh);
  LiveTable big = table(1'204'332, 312LL << 20);
  big.indexes = {{"orders_pkey", 26LL << 20}};
  big.total_bytes = 338LL << 20;
  apply_live_tables(r, {{"orders", big}}, th);
  ASSERT_GE(r.findings[0].notes.size(), 2u);
  EXPECT_EQ(r.findings[0].notes[0],
            "orders: 1,204,332 rows, 338 MB (table 312 MB; indexes: orders_pkey 26 MB); a large table");
  EXPECT_EQ(r.findings[0].notes[1],
            "estimated duration of the rewrite: about 7 s (at 50 MB/s), with reads and writes blocked all that time");
  EXPECT_EQ(r.findings[0].severity, Severity::Error);
  EXPECT_EQ(r.findings[1].severity, Severity::Notice);  // style: notes, no severity change
  EXPECT_EQ(r.findings[1].notes.size(), 1u);
  EXPECT_TRUE(r.findings[2].notes.empty());  // created in the migration
  EXPECT_EQ(r.findings[2].severity, Severity::Error);
}

TEST(LintLiveDuration, RewriteUsesTotalSizeScanUsesTableSize) {
  LiveThresholds th;
  LiveTable t = table(1, 200LL << 20);
  t.total_bytes = 500LL << 20;
  EXPECT_DOUBLE_EQ(estimate_seconds(finding("x", Severity::Error, true), t, th), 10.0);  // 500 MB at 50 MB/s
  EXPECT_DOUBLE_EQ(estimate_seconds(finding("x", Severity::Error, false, true), t, th), 1.0);  // 200 MB at 200 MB/s
  EXPECT_LT(estimate_seconds(finding("x", Severity::Error), t, th), 0);
  th.rewrite_mb_per_second = 5;
  EXPECT_DOUBLE_EQ(estimate_seconds(finding("x", Severity::Error, true), t, th), 100.0);
  EXPECT_EQ(duration_text(0.2), "under a second");
  EXPECT_EQ(duration_text(42), "about 42 s");
  EXPECT_EQ(duration_text(600), "about 10 min");
  EXPECT_EQ(duration_text(9000), "about 2.5 h");
  EXPECT_EQ(with_thousands(1204332), "1,204,332");
  EXPECT_EQ(with_thousands(999), "999");
  EXPECT_EQ(with_thousands(0), "0");
  EXPECT_EQ(size_text(312LL << 20), "312 MB");
  EXPECT_EQ(size_text(3LL << 29), "1.5 GB");
  EXPECT_EQ(size_text(8192), "8 kB");
}

TEST(LintLiveLocks, ConflictTableMatchesPostgres) {
  using M = LockMode;
  EXPECT_TRUE(locks_conflict(M::AccessExclusive, M::AccessShare));
  EXPECT_FALSE(locks_conflict(M::Share, M::AccessShare));
  EXPECT_TRUE(locks_conflict(M::Share, M::RowExclusive));
  EXPECT_FALSE(locks_conflict(M::Share, M::Share));
  EXPECT_TRUE(locks_conflict(M::ShareUpdateExclusive, M::ShareUpdateExclusive));
  EXPECT_FALSE(locks_conflict(M::RowExclusive, M::RowExclusive));
  EXPECT_TRUE(locks_conflict(M::Exclusive, M::RowShare));
  EXPECT_FALSE(locks_conflict(M::Exclusive, M::AccessShare));
  for (int a = 1; a <= 8; ++a) {
    for (int b = 1; b <= 8; ++b) {
      EXPECT_EQ(locks_conflict(M(a), M(b)), locks_conflict(M(b), M(a))) << a << " " << b;
    }
  }
  EXPECT_EQ(lock_mode_from_pg("ShareRowExclusiveLock"), M::ShareRowExclusive);
  EXPECT_EQ(lock_mode_from_text("ACCESS EXCLUSIVE"), M::AccessExclusive);
}

TEST(LintLiveWorkload, TablesAndColumnsOfAQuery) {
  QueryRefs r = query_refs("SELECT o.id, o.total FROM shop.orders o JOIN customers c ON c.id = o.customer_id WHERE o.legacy = $1");
  EXPECT_TRUE(r.parsed);
  EXPECT_EQ(r.tables, (std::vector<std::string>{"shop.orders", "customers"}));
  EXPECT_TRUE(r.columns.count("legacy"));
  EXPECT_TRUE(r.columns.count("customer_id"));
  EXPECT_FALSE(r.columns.count("o"));
  QueryRefs ins = query_refs("INSERT INTO orders (id, legacy) VALUES ($1, $2)");
  EXPECT_TRUE(ins.columns.count("legacy"));
  QueryRefs upd = query_refs("UPDATE orders SET legacy = $1 WHERE id = $2");
  EXPECT_TRUE(upd.columns.count("legacy"));
  QueryRefs alias = query_refs("SELECT id AS legacy FROM orders");
  EXPECT_FALSE(alias.columns.count("legacy"));  // an output name, not a column
  QueryRefs broken = query_refs("SELECT legacy FROM orders WHERE $$$");
  EXPECT_FALSE(broken.parsed);
  EXPECT_TRUE(broken.columns.count("legacy"));
}

TEST(LintLiveWorkload, MatchingAndBrokenQueryNotes) {
  nlohmann::json j = {{"since_ms", 0}, {"until_ms", 0},
                      {"summary", {{"queries", nlohmann::json::array({
                          {{"fingerprint", "01"}, {"text", "SELECT legacy FROM public.orders"}, {"calls", 600},
                           {"first_seen_ms", 1'000'000}, {"last_seen_ms", 1'000'000 + 60'000}},
                          {{"fingerprint", "02"}, {"text", "SELECT id FROM orders"}, {"calls", 600}},
                          {{"fingerprint", "03"}, {"text", "SELECT legacy FROM other.orders"}, {"calls", 1}},
                      })}}}};
  Workload w = parse_workload_json(j, 2'000'000, 7);
  ASSERT_EQ(w.queries.size(), 3u);
  EXPECT_DOUBLE_EQ(w.minutes(), 1.0);
  EXPECT_TRUE(same_table("public.orders", "orders"));
  EXPECT_FALSE(same_table("other.orders", "public.orders"));
  int64_t calls = 0;
  EXPECT_DOUBLE_EQ(table_calls_per_minute(w, "public.orders", &calls), 1200.0);
  EXPECT_EQ(calls, 1200);

  LintResult r;
  Finding drop = finding("drop-column", Severity::Warning);
  drop.table = "public.orders";
  drop.column = "legacy";
  r.findings.push_back(drop);
  Finding rename = finding("rename-column", Severity::Warning);
  rename.column = "nothing_uses_this";
  r.findings.push_back(rename);
  EXPECT_EQ(add_broken_query_notes(r, w, 7), 1u);
  ASSERT_EQ(r.findings[0].notes.size(), 2u);
  EXPECT_EQ(r.findings[0].notes[0], "breaks 1 query seen in the last 7 days (600 calls) that still reference public.orders.legacy");
  EXPECT_EQ(r.findings[0].notes[1], "  01 (600 calls): SELECT legacy FROM public.orders");
  EXPECT_EQ(r.findings[1].notes, (std::vector<std::string>{"no query in the workload references orders.nothing_uses_this"}));
  EXPECT_THROW(parse_workload_json(nlohmann::json{{"x", 1}}, 0, 7), std::runtime_error);
}

TEST(LintLiveTrace, StatementsThatCannotRunInATransaction) {
  PgStatement st;
  st.kind = PgKind::CreateIndex;
  EXPECT_EQ(not_in_transaction(st, "CREATE INDEX i ON t (a)"), "");
  st.concurrent = true;
  EXPECT_EQ(not_in_transaction(st, "CREATE INDEX CONCURRENTLY i ON t (a)"), "CREATE INDEX CONCURRENTLY");
  PgStatement vac;
  vac.kind = PgKind::Vacuum;
  EXPECT_EQ(not_in_transaction(vac, "VACUUM t"), "VACUUM");
  EXPECT_EQ(not_in_transaction(vac, "ANALYZE t"), "");
}

TEST(LintLiveConfig, ThroughputAndPreflightKeys) {
  LintConfig c = load_lint_config_string("[live]\nrewrite_mb_per_second = 20\nscan_mb_per_second = 400\n"
                                         "long_transaction_seconds = 5\n[severity]\ntrace-lock = \"error\"\n");
  EXPECT_EQ(c.live.rewrite_mb_per_second, 20);
  EXPECT_EQ(c.live.scan_mb_per_second, 400);
  EXPECT_EQ(c.live.long_transaction_seconds, 5);
  EXPECT_EQ(c.severity.at("trace-lock"), Severity::Error);
  EXPECT_THROW(load_lint_config_string("[live]\nscan_mb_per_second = 0\n"), common::ConfigError);
}

}  // namespace
}  // namespace sluice::schema::lint
