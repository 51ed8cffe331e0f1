#include "advisor/workload_pull.h"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "sql/column_usage.h"
#include "sql/statement_info.h"
#include "workload/workload_fetch.h"
#include "workload/workload_json.h"

namespace sluice::advisor {

using nlohmann::json;

namespace {

// The summary table of any of the shapes the proxy exports: the /api/v1/workload body, a table,
// or a series (its buckets merged).
workload::WorkloadTable table_of(const json& j, int64_t* since_ms, int64_t* until_ms) {
  const std::size_t kNoCap = 1'000'000;
  if (j.contains("summary")) {
    if (j.contains("since_ms") && j["since_ms"].is_number()) *since_ms = j["since_ms"].get<int64_t>();
    if (j.contains("until_ms") && j["until_ms"].is_number()) *until_ms = j["until_ms"].get<int64_t>();
    return workload::table_from_json(j["summary"], kNoCap);
  }
  if (j.contains("queries")) return workload::table_from_json(j, kNoCap);
  if (j.contains("buckets")) {
    workload::WorkloadTable merged(kNoCap);
    for (const auto& bucket : j["buckets"]) {
      if (!bucket.contains("table")) throw std::runtime_error("a bucket has no \"table\"");
      merged.merge(workload::table_from_json(bucket["table"], kNoCap), workload::MergeKind::Sequential);
      if (bucket.contains("start_ms")) {
        int64_t start = bucket["start_ms"].get<int64_t>();
        int64_t end = start + bucket.value("duration_ms", int64_t{60'000});
        if (*since_ms == 0 || start < *since_ms) *since_ms = start;
        *until_ms = std::max(*until_ms, end);
      }
    }
    return merged;
  }
  throw std::runtime_error("not a workload export (no \"summary\", \"queries\" or \"buckets\")");
}

}  // namespace

PulledWorkload pull_workload(const std::vector<WorkloadSource>& sources, int64_t since_ms) {
  if (sources.empty()) throw std::runtime_error("no workload source: give --proxy URL or --workload FILE");
  PulledWorkload out{workload::WorkloadTable(1'000'000), since_ms, 0, {}};
  std::vector<std::string> failures;
  std::size_t ok = 0;
  for (const auto& source : sources) {
    try {
      const std::string path = "/api/v1/workload?since=" + std::to_string(since_ms);
      std::string body = workload::is_http_location(source.location)
                             ? workload::http_get_export(source.location, path, source.token, 120)
                             : workload::read_export_file(source.location);
      json j = json::parse(body, nullptr, false);
      if (j.is_discarded()) throw std::runtime_error("not valid JSON");
      int64_t s = 0, u = 0;
      workload::WorkloadTable table = table_of(j, &s, &u);
      out.table.merge(table, workload::MergeKind::Concurrent);
      if (s != 0 && (ok == 0 || s < out.since_ms)) out.since_ms = s;
      out.until_ms = std::max(out.until_ms, u);
      ++ok;
    } catch (const std::exception& e) {
      failures.push_back(source.location + ": " + e.what());
    }
  }
  if (ok == 0) {
    std::string message = "could not read the workload from any source";
    for (const auto& f : failures) message += "\n  " + f;
    throw std::runtime_error(message);
  }
  out.warnings = std::move(failures);
  if (out.until_ms == 0) out.until_ms = common::unix_now_ms();
  return out;
}

std::vector<optimizer::AdvisedQuery> advised_queries(const workload::WorkloadTable& table, const std::string& database) {
  std::vector<optimizer::AdvisedQuery> out;
  for (const auto& [key, stats] : table.entries()) {
    if (key.fingerprint == 0 || stats.calls == 0) continue;
    if (!database.empty() && key.database != database) continue;
    std::string_view text = stats.normalized_text;
    if (text.empty() && stats.sample) text = stats.sample->query;
    sql::StatementInfo info = sql::describe_postgres(text);
    if (info.kind != sql::StatementKind::Read && info.kind != sql::StatementKind::Write) continue;
    optimizer::AdvisedQuery q;
    q.id = workload::fingerprint_hex(key.fingerprint);
    q.fingerprint = key.fingerprint;
    q.database = key.database;
    q.user = key.user;
    q.normalized_text = std::string(text);
    if (stats.sample) q.sample = *stats.sample;
    q.calls = stats.calls;
    q.total_ms = stats.total_ms;
    q.mean_ms = stats.mean_ms();
    q.p99_ms = stats.quantile_ms(0.99);
    q.rows = stats.rows;
    q.kind = info.kind;
    q.tables = std::move(info.tables);
    if (q.kind == sql::StatementKind::Write) q.updated_columns = sql::column_usage_postgres(text).updated_columns;
    out.push_back(std::move(q));
  }
  // The same fingerprint from several users is one query for the optimizer: merge by id.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.id != b.id ? a.id < b.id : a.total_ms > b.total_ms;
  });
  std::vector<optimizer::AdvisedQuery> merged;
  for (auto& q : out) {
    if (!merged.empty() && merged.back().id == q.id && merged.back().database == q.database) {
      auto& m = merged.back();
      m.calls += q.calls;
      m.total_ms += q.total_ms;
      m.rows += q.rows;
      m.mean_ms = m.calls ? m.total_ms / double(m.calls) : 0;
      m.p99_ms = std::max(m.p99_ms, q.p99_ms);
      if (!m.usable_sample() && q.usable_sample()) m.sample = q.sample;
      continue;
    }
    merged.push_back(std::move(q));
  }
  std::sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) { return a.total_ms > b.total_ms; });
  return merged;
}

}  // namespace sluice::advisor
