// A query of the workload as the optimizer sees it: its statistics from the proxy (calls, time),
// its normalized text, and its sample with real values when the proxy kept one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sql/statement_info.h"
#include "workload/query_stats.h"

namespace sluice::optimizer {

struct AdvisedQuery {
  std::string id;  // the fingerprint as 16 hex digits (unique within one advisor run)
  uint64_t fingerprint = 0;
  std::string database;
  std::string user;
  std::string normalized_text;  // constants replaced by $1, $2, ...
  // The slowest recent execution with its real values: query text (literals, or $n with params
  // for the extended protocol). Absent, or redacted, when the proxy kept none.
  std::optional<workload::QuerySample> sample;
  uint64_t calls = 0;
  double total_ms = 0;
  double mean_ms = 0;
  double p99_ms = 0;
  int64_t rows = 0;
  sql::StatementKind kind = sql::StatementKind::Unknown;
  std::vector<std::string> tables;  // as sql::describe_postgres names them
  std::vector<std::string> updated_columns;  // UPDATE ... SET targets (sql::ColumnUsage)

  // The sample when it has real values (not redacted), else nullptr.
  const workload::QuerySample* usable_sample() const {
    return sample && !sample->redacted ? &*sample : nullptr;
  }
  bool is_write() const { return kind == sql::StatementKind::Write; }
};

}  // namespace sluice::optimizer
