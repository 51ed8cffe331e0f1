// One advisor run, start to end: pull the workload, read the catalog, generate candidates, cost
// them with HypoPG, select under the budget, optionally validate by real execution, find indexes
// to drop, and assemble the report. Used by `sluice advisor --once` and by each tick of the
// sidecar (advisor/advisor_service.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "advisor/advisor_report.h"
#include "advisor/workload_pull.h"
#include "optimizer/index_selection.h"
#include "optimizer/index_validation.h"

namespace sluice::advisor {

struct RunOptions {
  std::vector<WorkloadSource> sources;
  std::string target;               // postgres:// URL or conninfo of the database to advise
  int64_t window_ms = 7 * 86'400'000LL;  // workload of the last 7 days
  double budget_fraction = 0.25;    // of the database's size, unless budget_bytes is set
  std::optional<int64_t> budget_bytes;
  std::size_t max_queries = 5000;   // the most expensive ones when there are more
  bool validate = false;
  std::string validate_target;      // scratch copy; empty: the target itself
  optimizer::ValidationOptions validation;
  int validation_refills = 2;       // selections run again without what validation rejected
  optimizer::SelectionOptions selection;  // budget_bytes is filled in by the run
  std::string mode = "advise";      // recorded in the report
};

// Progress lines for long work ("costing 120 candidates ...").
using ProgressFn = std::function<void(const std::string&)>;

// Throws std::runtime_error with a clear message when the workload or the target cannot be read.
AdvisorReport run_advisor(const RunOptions& options, const ProgressFn& progress = {});

// "host:port/db" of a URL or conninfo, never the password.
std::string describe_target(const std::string& conninfo_or_url);

// 8 hex digits identifying a suggestion across runs (from the index key).
std::string suggestion_id(const std::string& index_key);

}  // namespace sluice::advisor
