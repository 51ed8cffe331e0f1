// The result of one advisor run, self-contained: everything report.html, report.md and
// report.json show, so `sluice report` can render any past run from its report.json alone.
// Built by advisor/advisor_run.*, rendered by advisor/report_html.*, report_markdown.*,
// serialized by advisor/report_json.*.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::advisor {

constexpr int kReportFormatVersion = 1;

struct ReportQuery {
  std::string id;  // fingerprint, 16 hex digits
  std::string database;
  std::string text;         // normalized text
  std::string sample_text;  // sample with real values (empty when none)
  uint64_t calls = 0;
  double total_ms = 0;
  double mean_ms = 0;
  double p99_ms = 0;
  double cost_before = 0;  // planner cost with the real indexes (NaN is written as null)
  double cost_after = 0;   // with every suggested index
  bool costed = false;     // false when the query could not be explained
  std::string cost_error;
};

struct QueryGain {
  std::string query_id;
  double cost_before = 0;
  double cost_after = 0;
  std::optional<double> measured_before_ms;  // from validation
  std::optional<double> measured_after_ms;
};

struct ValidationEvidence {
  bool ran = false;
  bool kept = false;
  std::string verdict;
  double build_ms = 0;
  int64_t actual_size_bytes = 0;
  struct Run {
    std::string query_id;
    std::vector<double> before_runs_ms;
    std::vector<double> after_runs_ms;
    double before_ms = 0;  // medians
    double after_ms = 0;
  };
  std::vector<Run> runs;
  std::string error;
};

struct Suggestion {
  std::string id;               // stable short id for `sluice advisor approve <id>`: 8 hex digits of a hash of the key
  std::string table;            // "public.orders"
  std::vector<std::string> columns;
  std::string create_statement; // CREATE INDEX CONCURRENTLY ...
  int64_t size_bytes = 0;       // estimated (catalog statistics with B-tree deduplication, else HypoPG)
  double benefit = 0;           // weighted planner cost saved
  double maintenance_cost = 0;  // weighted planner cost added to writes
  double write_rows = 0;
  std::string replaces;         // key of a suggestion it extends, when any
  std::string reason;
  std::vector<QueryGain> gains;
  ValidationEvidence validation;
  std::string status = "advised";  // advised | approved | created | rejected-by-validation
};

struct DropSuggestion {
  std::string table;
  std::string index;
  int64_t size_bytes = 0;
  int64_t idx_scan = 0;
  std::string reason;       // unused | duplicate | prefix-covered | invalid
  std::string covered_by;
  std::string drop_statement;
  std::string explanation;
};

struct RejectedIndex {
  std::string index;  // display form
  std::string reason;
};

struct AdvisorReport {
  int format_version = kReportFormatVersion;
  std::string run_id;          // "20261125T153000Z"
  int64_t generated_at_ms = 0; // unix ms
  std::string sluice_version;
  std::vector<std::string> proxies;  // where the workload came from (URLs or a file path)
  std::string target;                // host:port/db, never a password
  std::string database;
  int64_t database_bytes = 0;
  int64_t workload_since_ms = 0;
  int64_t workload_until_ms = 0;
  std::string mode = "advise";  // trust level: advise | supervised | autonomous

  // workload summary
  uint64_t queries_seen = 0;     // fingerprints pulled
  uint64_t queries_advised = 0;  // fingerprints considered (this database, read/write statements)
  uint64_t total_calls = 0;
  std::vector<ReportQuery> queries;  // considered queries, by total time, largest first

  // the advice
  int64_t budget_bytes = 0;
  int64_t used_bytes = 0;
  double workload_cost_before = 0;
  double workload_cost_after = 0;
  std::vector<Suggestion> suggestions;
  std::vector<DropSuggestion> drops;
  std::vector<RejectedIndex> rejected;

  // how much work it took
  uint64_t candidates = 0;
  uint64_t candidates_covered = 0;
  uint64_t whatif_calls = 0;
  uint64_t whatif_cache_hits = 0;
  uint64_t uncostable_queries = 0;
  double wall_ms = 0;
  bool validated = false;
  std::vector<std::string> warnings;  // e.g. a proxy that could not be reached
};

}  // namespace sluice::advisor
