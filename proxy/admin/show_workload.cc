// SHOW STATS (per database, from the pool statistics) and SHOW QUERIES (the top fingerprints)
// from a WorkloadTable of totals.
#include <cmath>
#include <map>
#include <string>

#include "proxy/admin/show_tables.h"
#include "workload/workload_json.h"

namespace sluice::proxy::admin {
namespace {

// The pool counters SHOW STATS reports, added up over the users of one database.
struct DatabaseTotals {
  uint64_t transactions = 0;
  uint64_t queries = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t acquisitions = 0;
  double server_ms = 0;
  double wait_ms = 0;
};

int64_t us(double ms) { return std::isfinite(ms) ? std::llround(ms * 1000.0) : 0; }

// count / divisor rounded down, 0 when the divisor is not positive.
int64_t per(double count, double divisor) { return divisor > 0 ? static_cast<int64_t>(count / divisor) : 0; }

}  // namespace

ResultSet show_stats(const workload::WorkloadTable& totals, double uptime_seconds) {
  std::map<std::string, DatabaseTotals> by_database;
  for (const auto& [key, p] : totals.pools()) {
    DatabaseTotals& t = by_database[key.database];
    t.transactions += p.transactions;
    t.queries += p.queries;
    t.bytes_in += p.bytes_in;
    t.bytes_out += p.bytes_out;
    t.acquisitions += p.acquisitions;
    t.server_ms += p.server_ms;
    t.wait_ms += p.wait_ms;
  }
  ResultSet rs;
  auto i8 = [](const char* name) { return Column{name, kInt8Oid}; };
  rs.columns = {Column{"database", kTextOid},
                i8("total_xact_count"), i8("total_query_count"), i8("total_received"),   i8("total_sent"),
                i8("total_xact_time"),  i8("total_query_time"),  i8("total_wait_time"),
                i8("avg_xact_count"),   i8("avg_query_count"),   i8("avg_recv"),         i8("avg_sent"),
                i8("avg_xact_time"),    i8("avg_query_time"),    i8("avg_wait_time")};
  for (const auto& [database, t] : by_database) {
    rs.rows.push_back({text_cell(database),
                       int_cell(int64_t(t.transactions)),
                       int_cell(int64_t(t.queries)),
                       int_cell(int64_t(t.bytes_in)),
                       int_cell(int64_t(t.bytes_out)),
                       std::nullopt,  // total_xact_time: not measured
                       int_cell(us(t.server_ms)),
                       int_cell(us(t.wait_ms)),
                       int_cell(per(double(t.transactions), uptime_seconds)),
                       int_cell(per(double(t.queries), uptime_seconds)),
                       int_cell(per(double(t.bytes_in), uptime_seconds)),
                       int_cell(per(double(t.bytes_out), uptime_seconds)),
                       std::nullopt,  // avg_xact_time: not measured
                       int_cell(per(double(us(t.server_ms)), double(t.queries))),
                       int_cell(per(double(us(t.wait_ms)), double(t.acquisitions)))});
  }
  return rs;
}

ResultSet show_queries(const workload::WorkloadTable& totals, workload::OrderBy order, std::size_t limit) {
  ResultSet rs;
  auto col = [](const char* name, uint32_t oid) { return Column{name, oid}; };
  rs.columns = {col("fingerprint", kTextOid), col("database", kTextOid), col("user", kTextOid),
                col("calls", kInt8Oid),       col("total_time", kNumericOid), col("mean_time", kNumericOid),
                col("min_time", kNumericOid), col("max_time", kNumericOid),   col("p50", kNumericOid),
                col("p95", kNumericOid),      col("p99", kNumericOid),        col("rows", kInt8Oid),
                col("errors", kInt8Oid),      col("wait_time", kNumericOid),  col("query", kTextOid)};
  for (const workload::TopEntry& e : totals.top_n(order, limit)) {
    const workload::QueryStats& s = *e.stats;
    rs.rows.push_back({workload::fingerprint_hex(e.key->fingerprint),
                       text_cell(e.key->database),
                       text_cell(e.key->user),
                       int_cell(int64_t(s.calls)),
                       fixed_cell(s.total_ms),
                       fixed_cell(s.mean_ms()),
                       fixed_cell(s.min_ms),
                       fixed_cell(s.max_ms),
                       fixed_cell(s.quantile_ms(0.50)),
                       fixed_cell(s.quantile_ms(0.95)),
                       fixed_cell(s.quantile_ms(0.99)),
                       int_cell(s.rows),
                       int_cell(int64_t(s.error_calls)),
                       fixed_cell(s.wait_ms),
                       text_cell(s.normalized_text)});
  }
  return rs;
}

}  // namespace sluice::proxy::admin
