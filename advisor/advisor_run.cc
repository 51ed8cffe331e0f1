#include "advisor/advisor_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>


#include "advisor/report_format.h"
#include "common/clock.h"
#include "common/stable_hash.h"
#include "common/target_url.h"
#include "optimizer/drop_candidates.h"
#include "optimizer/index_candidates.h"
#include "optimizer/index_size_estimate.h"
#include "optimizer/whatif_coster.h"
#include "schema/pg_catalog.h"
#include "schema/pg_conninfo.h"

namespace sluice::advisor {

namespace {

double finite_or(double v, double fallback) { return std::isfinite(v) ? v : fallback; }

}  // namespace

std::string suggestion_id(const std::string& index_key) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(common::stable_hash(index_key) & 0xffffffffu));
  return buf;
}

std::string describe_target(const std::string& conninfo_or_url) {
  return schema::parse_pg_conninfo(conninfo_or_url).describe();
}

AdvisorReport run_advisor(const RunOptions& options, const ProgressFn& progress) {
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  const auto started = std::chrono::steady_clock::now();
  const int64_t now_ms = common::unix_now_ms();

  AdvisorReport report;
  report.run_id = common::format_utc(now_ms, "%Y%m%dT%H%M%SZ");
  report.generated_at_ms = now_ms;
  report.sluice_version = "0.1.0";
  report.target = describe_target(options.target);
  report.mode = options.mode;
  report.validated = options.validate;
  for (const auto& s : options.sources) report.proxies.push_back(s.location);

  // 1. The workload.
  say("pulling the workload from " + std::to_string(options.sources.size()) + " source(s)");
  PulledWorkload pulled = pull_workload(options.sources, now_ms - options.window_ms);
  report.workload_since_ms = pulled.since_ms;
  report.workload_until_ms = pulled.until_ms;
  report.warnings = pulled.warnings;
  report.queries_seen = pulled.table.size();
  const schema::PgConninfo target = schema::parse_pg_conninfo(options.target);
  if (!target.parsed) throw std::runtime_error("--target: invalid connection string: " + common::mask_url_password(target.parse_error));
  report.database = target.dbname.empty() ? target.user : target.dbname;
  std::vector<optimizer::AdvisedQuery> queries = advised_queries(pulled.table, report.database);
  if (queries.size() > options.max_queries) {
    report.warnings.push_back("advised the " + std::to_string(options.max_queries) + " most expensive of " +
                              std::to_string(queries.size()) + " queries");
    queries.resize(options.max_queries);
  }
  report.queries_advised = queries.size();
  for (const auto& q : queries) report.total_calls += q.calls;
  say(std::to_string(queries.size()) + " queries on database " + report.database + " (" +
      std::to_string(report.total_calls) + " calls)");

  // 2. The catalog.
  say("reading the catalog of " + report.target);
  schema::PgCatalog catalog = schema::load_pg_catalog(options.target);
  report.database_bytes = catalog.database_bytes;

  // 3. Candidates, costing, selection.
  optimizer::CandidateSet candidates = optimizer::generate_candidates(queries, catalog);
  for (auto& c : candidates.candidates) c.estimated_size_bytes = optimizer::estimate_btree_size_bytes(c.index, catalog);
  report.candidates = candidates.candidates.size();
  report.candidates_covered = candidates.covered_by_existing;
  const int64_t budget = options.budget_bytes
                             ? *options.budget_bytes
                             : static_cast<int64_t>(double(catalog.database_bytes) * options.budget_fraction);
  say(std::to_string(candidates.candidates.size()) + " candidate indexes (" +
      std::to_string(candidates.covered_by_existing) + " already covered); budget " + report_format::fmt_bytes(budget));
  optimizer::WhatIfCoster coster(options.target);
  optimizer::SelectionOptions selection_options = options.selection;
  selection_options.budget_bytes = budget;
  selection_options.catalog = &catalog;
  optimizer::Selection selection = optimizer::select_indexes(queries, candidates, coster, selection_options);
  report.budget_bytes = selection.budget_bytes;
  report.used_bytes = selection.used_bytes;
  report.workload_cost_before = selection.workload_cost_before;
  report.workload_cost_after = selection.workload_cost_after;
  report.uncostable_queries = selection.uncostable_queries;
  report.whatif_calls = coster.stats().whatif_calls;
  report.whatif_cache_hits = coster.stats().cache_hits;
  say(std::to_string(selection.chosen.size()) + " indexes chosen (" + std::to_string(report.whatif_calls) +
      " what-if calls, " + std::to_string(report.whatif_cache_hits) + " from the cache)");

  // 4. Validation by real execution. Budget an index validation rejected is given back: the
  // selection runs again without the rejected candidates and only the indexes it newly chose are
  // validated (verdicts are kept per index), up to validation_refills times. Indexes rejected on
  // the way stay in the report with their evidence.
  std::optional<optimizer::ValidationReport> validation;
  std::vector<optimizer::ChosenIndex> rejected_earlier;  // left out of later selections
  if (options.validate && !selection.chosen.empty()) {
    const std::string& where = options.validate_target.empty() ? options.target : options.validate_target;
    say("validating " + std::to_string(selection.chosen.size()) + " indexes on " + describe_target(where) +
        " (CREATE INDEX CONCURRENTLY, timed runs)");
    validation = optimizer::validate_indexes(where, queries, selection, options.validation);
    std::map<std::string, optimizer::IndexValidation> verdicts;
    for (auto& v : validation->indexes) verdicts[v.index.key()] = std::move(v);
    std::set<std::string> excluded;
    for (int refill = 0; refill < options.validation_refills; ++refill) {
      std::set<std::string> rejected_keys;
      for (const auto& c : selection.chosen) {
        if (auto it = verdicts.find(c.index.key()); it != verdicts.end() && !it->second.kept) {
          rejected_keys.insert(it->first);
        }
      }
      if (rejected_keys.empty()) break;
      excluded.insert(rejected_keys.begin(), rejected_keys.end());
      optimizer::CandidateSet remaining = candidates;
      std::erase_if(remaining.candidates,
                    [&](const optimizer::IndexCandidate& c) { return excluded.count(c.index.key()) > 0; });
      optimizer::Selection again = optimizer::select_indexes(queries, remaining, coster, selection_options);
      optimizer::Selection fresh;  // the indexes chosen now that have no verdict yet
      for (const auto& c : again.chosen) {
        if (!verdicts.count(c.index.key())) fresh.chosen.push_back(c);
      }
      if (fresh.chosen.empty()) break;
      for (const auto& c : selection.chosen) {
        if (rejected_keys.count(c.index.key())) rejected_earlier.push_back(c);
      }
      say(std::to_string(rejected_keys.size()) + " rejected by validation; selecting again without " +
          (rejected_keys.size() == 1 ? "it" : "them") + ": " + std::to_string(again.chosen.size()) +
          " indexes, validating the " + std::to_string(fresh.chosen.size()) + " new");
      optimizer::ValidationReport more = optimizer::validate_indexes(where, queries, fresh, options.validation);
      validation->wall_ms += more.wall_ms;
      for (auto& v : more.indexes) verdicts[v.index.key()] = std::move(v);
      selection = std::move(again);
    }
    // The verdicts of the final selection and of what earlier rounds rejected; the size counts
    // what validation kept.
    validation->indexes.clear();
    report.used_bytes = 0;
    for (const auto& c : selection.chosen) {
      if (auto it = verdicts.find(c.index.key()); it != verdicts.end()) {
        validation->indexes.push_back(it->second);
        if (it->second.kept) report.used_bytes += c.size_bytes;
      }
    }
    for (const auto& c : rejected_earlier) validation->indexes.push_back(verdicts[c.index.key()]);
    report.workload_cost_after = selection.workload_cost_after;
    report.whatif_calls = coster.stats().whatif_calls;
    report.whatif_cache_hits = coster.stats().cache_hits;
  }

  // 5. Assemble.
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const auto& q = queries[i];
    ReportQuery rq;
    rq.id = q.id;
    rq.database = q.database;
    rq.text = q.normalized_text;
    if (const auto* s = q.usable_sample()) rq.sample_text = s->query;
    rq.calls = q.calls;
    rq.total_ms = q.total_ms;
    rq.mean_ms = q.mean_ms;
    rq.p99_ms = q.p99_ms;
    double before = i < selection.cost_before.size() ? selection.cost_before[i] : NAN;
    double after = i < selection.cost_after.size() ? selection.cost_after[i] : NAN;
    rq.costed = std::isfinite(before);
    rq.cost_before = finite_or(before, 0);
    rq.cost_after = finite_or(after, rq.cost_before);
    if (!rq.costed) rq.cost_error = "could not be explained";
    report.queries.push_back(std::move(rq));
  }
  // The final selection, then what validation rejected in earlier rounds.
  std::vector<const optimizer::ChosenIndex*> suggested;
  for (const auto& c : selection.chosen) suggested.push_back(&c);
  for (const auto& c : rejected_earlier) suggested.push_back(&c);
  for (const optimizer::ChosenIndex* chosen_ptr : suggested) {
    const auto& chosen = *chosen_ptr;
    Suggestion s;
    s.id = suggestion_id(chosen.index.key());
    s.table = chosen.index.schema + "." + chosen.index.table;
    s.columns = chosen.index.columns;
    s.create_statement = chosen.index.create_statement(true);
    s.size_bytes = chosen.size_bytes;
    s.benefit = chosen.benefit;
    s.maintenance_cost = chosen.maintenance_cost;
    s.write_rows = chosen.write_rows;
    if (chosen.replaces) s.replaces = chosen.replaces->key();
    s.reason = chosen.reason;
    std::map<std::size_t, const optimizer::QueryMeasurement*> measured;
    if (validation) {
      for (const auto& v : validation->indexes) {
        if (!(v.index == chosen.index)) continue;
        s.validation.ran = true;
        s.validation.kept = v.kept;
        s.validation.verdict = v.verdict;
        s.validation.build_ms = v.build_ms;
        s.validation.actual_size_bytes = v.actual_size_bytes;
        s.validation.error = v.error;
        for (const auto& m : v.measurements) {
          measured[m.query] = &m;
          ValidationEvidence::Run run;
          run.query_id = m.query < queries.size() ? queries[m.query].id : "";
          run.before_runs_ms = m.before_runs;
          run.after_runs_ms = m.after_runs;
          run.before_ms = m.before_ms;
          run.after_ms = m.after_ms;
          s.validation.runs.push_back(std::move(run));
        }
        if (!v.kept) s.status = "rejected-by-validation";
      }
    }
    for (const auto& h : chosen.helps) {
      QueryGain g;
      g.query_id = h.query < queries.size() ? queries[h.query].id : "";
      g.cost_before = h.before;
      g.cost_after = h.after;
      if (auto it = measured.find(h.query); it != measured.end()) {
        g.measured_before_ms = it->second->before_ms;
        g.measured_after_ms = it->second->after_ms;
      }
      s.gains.push_back(std::move(g));
    }
    report.suggestions.push_back(std::move(s));
  }
  for (const auto& r : selection.rejected) report.rejected.push_back({r.index.display(), r.reason});

  for (const auto& d : optimizer::find_drop_candidates(catalog)) {
    DropSuggestion ds;
    ds.table = d.schema + "." + d.table;
    ds.index = d.index;
    ds.size_bytes = d.size_bytes;
    ds.idx_scan = d.idx_scan;
    ds.reason = std::string(optimizer::to_string(d.reason));
    ds.covered_by = d.covered_by;
    ds.drop_statement = d.drop_statement;
    ds.explanation = d.explanation;
    report.drops.push_back(std::move(ds));
  }
  report.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  say("done in " + std::to_string(static_cast<int64_t>(report.wall_ms)) + " ms");
  return report;
}

}  // namespace sluice::advisor
