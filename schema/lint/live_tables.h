// The pure half of `sluice lint --db / --workload` (PostgreSQL): what live context knows about
// one table (size from the catalog, traffic from the workload), and what it does with it:
// notes with the size and an estimated duration for each rewrite or scan, and severity moved
// by size and traffic. No I/O here: pg_live_catalog.h reads the catalog, workload_refs.h the
// workload, live_context.cc puts them together.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schema/lint/finding.h"
#include "schema/lint/lint_config.h"
#include "schema/lint/pg_statement_model.h"

namespace sluice::schema::lint {

struct LiveTable {
  std::string name;      // as the findings name it ("orders", "shop.orders")
  bool found = false;    // looked up in the catalog and there
  char relkind = 'r';    // pg_class.relkind of what was found
  int64_t rows = -1;     // row count: exact (count(*)) when rows_exact, else pg_class.reltuples; -1 unknown
  bool rows_exact = false;
  int64_t table_bytes = 0;  // pg_table_size: heap and TOAST
  int64_t total_bytes = 0;  // pg_total_relation_size: with indexes
  std::vector<std::pair<std::string, int64_t>> indexes;  // name, pg_relation_size, largest first
  double calls_per_minute = -1;  // from --workload; -1 unknown
  int64_t calls = 0;             // calls in the workload window
};

// "1,204,332"
std::string with_thousands(int64_t n);
// "312 MB", "1.4 GB", "8 kB" (powers of 1024, as pg_size_pretty)
std::string size_text(int64_t bytes);
// "under a second", "about 6 s", "about 4 min", "about 1.5 h"
std::string duration_text(double seconds);

// Seconds the finding's rewrite (table and indexes at rewrite_mb_per_second) or scan (the
// table at scan_mb_per_second) takes; negative when it does neither.
double estimate_seconds(const Finding& f, const LiveTable& t, const LiveThresholds& th);

// Whether the finding's weight depends on the table it concerns: it takes a lock on it, or
// rewrites or scans it. Style notices and findings about the file alone do not.
bool depends_on_table_size(const Finding& f);

bool is_large(const LiveTable& t, const LiveThresholds& th);
bool is_small(const LiveTable& t, const LiveThresholds& th);
bool is_hot(const LiveTable& t, const LiveThresholds& th);

// Raised one level for a large or hot table; else lowered one level for a small one
// (error -> warning -> notice); unchanged when nothing is known.
Severity adjust_severity(Severity s, const LiveTable& t, const LiveThresholds& th);

// "orders: 1,204,332 rows, 312 MB (indexes: orders_pkey 26 MB, ...)" and, when known,
// "orders: 1,200 queries/min in the workload (hot)".
std::vector<std::string> table_notes(const LiveTable& t, const LiveThresholds& th);

// Adds the notes (size, traffic, duration estimate) to every finding about a table in `tables`
// (keyed by Finding::table) that is not new, and adjusts the severity of those that depend on
// the table's size.
void apply_live_tables(LintResult& result, const std::map<std::string, LiveTable>& tables, const LiveThresholds& th);

// pg_locks' mode names ("AccessExclusiveLock") and the conflict table of PostgreSQL's
// table-level locks.
LockMode lock_mode_from_pg(std::string_view mode);
LockMode lock_mode_from_text(std::string_view text);  // "ACCESS EXCLUSIVE" (Finding::lock)
bool locks_conflict(LockMode a, LockMode b);

}  // namespace sluice::schema::lint
