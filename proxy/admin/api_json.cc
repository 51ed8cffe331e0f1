// JSON bodies of /api/v1/queries and /api/v1/pools (see api_json.h).
#include "proxy/admin/api_json.h"

#include <map>
#include <string>
#include <utility>

#include "proxy/admin/live_pools.h"
#include "workload/workload_json.h"

namespace sluice::proxy::admin {
namespace {

using json = nlohmann::json;

// Moves j[from] to j[to].
void rename(json& j, const char* from, const char* to) {
  json value = std::move(j[from]);
  j.erase(from);
  j[to] = std::move(value);
}

json query_entry(const workload::QueryKey& key, const workload::QueryStats& stats) {
  // The stored form, without histogram and sample, with the API's names: "query" for the
  // text, "errors" for the count of failed calls and "errors_by_sqlstate" for the map.
  json j = workload::query_to_json(key, stats, {.include_histograms = false, .include_samples = false});
  rename(j, "text", "query");
  rename(j, "errors", "errors_by_sqlstate");
  rename(j, "error_calls", "errors");
  return j;
}

json live_entry(const observe::PoolLive& p) {
  return json{{"pool_mode", p.pool_mode},   {"pool_size", p.pool_size}, {"cl_active", p.cl_active},
              {"cl_waiting", p.cl_waiting}, {"cl_idle", p.cl_idle},     {"sv_active", p.sv_active},
              {"sv_idle", p.sv_idle},       {"sv_login", p.sv_login},   {"maxwait_ms", p.maxwait_ms},
              {"paused", p.paused}};
}

json stats_entry(const workload::PoolKey& key, const workload::PoolStats& stats) {
  json j = workload::pool_to_json(key, stats, {.include_histograms = false, .include_samples = false});
  j.erase("database");
  j.erase("user");
  return j;
}

}  // namespace

json queries_json(const workload::WorkloadTable& totals, workload::OrderBy order, std::size_t limit) {
  json queries = json::array();
  for (const workload::TopEntry& e : totals.top_n(order, limit)) queries.push_back(query_entry(*e.key, *e.stats));
  return json{{"order_by", workload::to_string(order)},
              {"limit", limit},
              {"entries", totals.size()},
              {"total_calls", totals.total_calls()},
              {"evictions", totals.evictions()},
              {"queries", std::move(queries)}};
}

json pools_json(const observe::LiveState& live, const workload::WorkloadTable& totals) {
  // (database, user) -> {live, stats}; std::map keeps them sorted.
  std::map<std::pair<std::string, std::string>, std::pair<json, json>> pools;
  for (const observe::PoolLive& p : sum_live_pools(live.pools)) {
    pools[{p.database, p.user}].first = live_entry(p);
  }
  for (const auto& [key, stats] : totals.pools()) pools[{key.database, key.user}].second = stats_entry(key, stats);
  json list = json::array();
  for (auto& [key, entry] : pools) {
    list.push_back(json{{"database", key.first},
                        {"user", key.second},
                        {"live", std::move(entry.first)},
                        {"stats", std::move(entry.second)}});
  }
  return json{{"pools", std::move(list)}};
}

}  // namespace sluice::proxy::admin
