// Validation by real execution: build each suggested index for real (CREATE INDEX CONCURRENTLY)
// on the target or a scratch copy, time the queries on its table before and after, keep the
// index only when it measurably helps, net of the writes' upkeep, and no read gets more than
// max_regression slower.
//
// Per index, in the selection's order: the queries with a usable sample that reference its
// table are each run warmup_runs times, then timed timed_runs times (median kept), with the
// indexes kept so far in place; then the index is built CONCURRENTLY and ANALYZEd and the same
// runs are repeated. Writes run inside BEGIN ... ROLLBACK so nothing changes (reads inside BEGIN
// READ ONLY ... ROLLBACK; every sample goes through the extended protocol, so it is exactly one
// statement; DDL, utility and transaction-control samples are never run). The index is kept
// when the calls-weighted time of the queries it was chosen for drops by at least min_gain (in
// the medians and in the fastest runs alike) and no measured read is more than max_regression
// slower (median and fastest run, and by more than 0.05 ms); otherwise it is dropped at once.
// Writes on the table are slower by design (they maintain the index; the selection charged that
// as upkeep): their measured extra time, calls-weighted, is added to the after side of the gain,
// so an index is kept only when the reads gain more than the writes pay. An
// index that no measured query's plan uses is rejected whatever the clock says. At the
// end every index built here is dropped again unless keep_indexes is set: validation leaves the
// database as it found it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "optimizer/advised_query.h"
#include "optimizer/index_selection.h"

namespace sluice::optimizer {

struct ValidationOptions {
  int warmup_runs = 2;
  int timed_runs = 5;
  double min_gain = 0.05;         // relative drop in weighted time needed to keep an index
  double max_regression = 0.10;   // any read slower than this fraction rejects the index
  int statement_timeout_ms = 30'000;
  bool keep_indexes = false;      // leave the kept indexes in place after validation
};

struct QueryMeasurement {
  std::size_t query = 0;           // position in the queries vector
  double before_ms = 0;            // median of the timed runs
  double after_ms = 0;
  std::vector<double> before_runs;
  std::vector<double> after_runs;
  bool helped_by_choice = false;   // the selection expected this query to gain
  // EXPLAIN with the index in place names it. A read whose plan does not use the index runs the
  // same plan as before, so its timing difference is noise: it neither counts as a gain nor as
  // a regression (writes still pay for maintaining the index and are always judged on time).
  bool plan_uses_index = false;
};

struct IndexValidation {
  IndexDefinition index;
  bool kept = false;
  std::string verdict;        // "kept: 12.3x faster for 2 queries" / "rejected: q 1a2b... 14% slower"
  double build_ms = 0;
  int64_t actual_size_bytes = 0;
  std::vector<QueryMeasurement> measurements;
  std::string error;          // the build or a run failed (the index is then rejected)
};

struct ValidationReport {
  std::vector<IndexValidation> indexes;  // in the selection's order
  double wall_ms = 0;
};

// conninfo_or_url: the target or a scratch copy with the same schema and data. Throws
// std::runtime_error when it cannot connect.
ValidationReport validate_indexes(const std::string& conninfo_or_url, const std::vector<AdvisedQuery>& queries,
                                  const Selection& selection, const ValidationOptions& options = {});

}  // namespace sluice::optimizer
