// The linter's configuration file (`sluice lint --config FILE`), TOML:
//
//   fail_on = "error"                      # or "warning" / "notice"
//   exclude_rules = ["prefer-text-over-varchar"]
//   exclude_paths = ["migrations/legacy/*"] # glob, matched against the path as given
//   [severity]                             # per-rule overrides
//   drop-column = "error"
//   [postgres]
//   version = 15                           # major version the migrations run on
//   assume_in_transaction = false          # the migration tool wraps each file in a transaction
//   [live]                                 # thresholds for live context (--db / --workload)
//   large_table_rows = 1000000
//   small_table_rows = 10000
//   large_table_bytes = 1073741824
//   hot_table_queries_per_minute = 600
//   workload_days = 7
//   rewrite_mb_per_second = 50             # duration estimates
//   scan_mb_per_second = 200
//   long_transaction_seconds = 60          # pre-flight: transactions open longer than this
//
// Every problem is a common::ConfigError "<file>:<line>:<column>: <reason>", like sluice.toml's:
// unknown keys and unknown rule ids (with a "did you mean"), wrong types, bad values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/config_error.h"
#include "schema/lint/finding.h"

namespace sluice::schema::lint {

// "notice" / "warning" / "error".
std::optional<Severity> parse_severity(std::string_view text);

struct LiveThresholds {
  int64_t large_table_rows = 1'000'000;      // severity raised at or above
  int64_t small_table_rows = 10'000;         // severity lowered below
  int64_t large_table_bytes = 1LL << 30;     // severity raised at or above
  int64_t hot_table_queries_per_minute = 600;
  int64_t workload_days = 7;                 // how far back --workload looks for broken queries
  // Throughput assumed for duration estimates (--db): a rewrite copies the table and rebuilds
  // its indexes; a scan (validation, SET NOT NULL, index build) reads the table.
  int64_t rewrite_mb_per_second = 50;
  int64_t scan_mb_per_second = 200;
  int64_t long_transaction_seconds = 60;     // pre-flight: transactions open longer than this
};

struct LintConfig {
  std::string source;  // the file name, "" when defaults
  std::set<std::string> exclude_rules;
  std::map<std::string, Severity> severity;
  std::vector<std::string> exclude_paths;
  std::optional<Severity> fail_on;
  std::optional<int> pg_version;
  std::optional<bool> assume_in_transaction;
  LiveThresholds live;

  // Whether a path matches one of exclude_paths (fnmatch, and also against its file name).
  bool path_excluded(const std::string& path) const;
};

// Whether an id names a rule: a PostgreSQL rule, or a MySQL one ("mysql-" prefix; that
// dialect's checker owns its ids).
bool is_known_rule_id(std::string_view id);

LintConfig load_lint_config_file(const std::string& path);
LintConfig load_lint_config_string(std::string_view toml_text, const std::string& source_name = "<string>");

}  // namespace sluice::schema::lint
