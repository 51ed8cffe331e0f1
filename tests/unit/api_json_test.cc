// The JSON bodies of /api/v1/queries and /api/v1/pools, and the adding up of the workers' live
// pool rows they share with /metrics and SHOW POOLS.
#include "proxy/admin/api_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proxy/admin/live_pools.h"
#include "workload/workload_json.h"

namespace sluice::proxy::admin {
namespace {

using json = nlohmann::json;

constexpr int64_t kNow = 1'764'061'200'000;

void record(workload::WorkloadTable& t, uint64_t fp, std::string_view user, double ms, std::string_view sqlstate = {},
            int64_t at = kNow) {
  workload::QueryEvent e;
  e.key = workload::QueryKeyRef(fp, "shop", user);
  e.normalized_text = "SELECT * FROM orders WHERE id = $1";
  e.total_ms = ms;
  e.wait_ms = ms / 10;
  e.server_ms = ms / 2;
  e.rows = 3;
  e.sqlstate = sqlstate;
  e.bytes_in = 10;
  e.bytes_out = 100;
  e.at_ms = at;
  t.record(e);
}

// fp 1: 2 slow calls; fp 2: 50 fast calls, 3 failing; fp 3: 1 call; plus 4 calls in the other row.
workload::WorkloadTable sample_totals() {
  workload::WorkloadTable t;
  record(t, 1, "app", 400, {}, kNow - 5'000);
  record(t, 1, "app", 600);
  for (int i = 0; i < 50; ++i) record(t, 2, "app", 2, i < 2 ? "23505" : i == 2 ? "40P01" : "");
  record(t, 3, "batch", 150);
  for (int i = 0; i < 4; ++i) record(t, 0, "app", 1);
  t.pool({"shop", "app"}).record_acquire(2, kNow);
  t.pool({"shop", "app"}).record_query(1, false, 10, 100, kNow);
  t.pool({"shop", "app"}).record_transaction(kNow);
  t.pool({"archive", "app"}).record_query(1, true, 1, 1, kNow);  // no live pool any more
  return t;
}

observe::PoolLive live_row(std::string db, std::string user, int active, int idle_servers, double maxwait_ms) {
  observe::PoolLive p;
  p.database = std::move(db);
  p.user = std::move(user);
  p.pool_mode = "transaction";
  p.pool_size = 10;
  p.cl_active = active;
  p.cl_idle = 1;
  p.sv_active = active;
  p.sv_idle = idle_servers;
  p.maxwait_ms = maxwait_ms;
  return p;
}

TEST(ApiJsonTest, QueriesListTheLargestFirstWithApiFieldNames) {
  const workload::WorkloadTable t = sample_totals();
  const json j = queries_json(t, workload::OrderBy::TotalTime, 2);
  EXPECT_EQ(j["order_by"], "total_time");
  EXPECT_EQ(j["limit"], 2);
  EXPECT_EQ(j["entries"], 3);
  EXPECT_EQ(j["total_calls"], 2 + 50 + 1 + 4);
  EXPECT_EQ(j["evictions"], 0);
  ASSERT_EQ(j["queries"].size(), 2u);

  const json& q = j["queries"][0];
  EXPECT_EQ(q["fingerprint"], "0000000000000001");
  EXPECT_EQ(q["database"], "shop");
  EXPECT_EQ(q["user"], "app");
  EXPECT_EQ(q["query"], "SELECT * FROM orders WHERE id = $1");
  EXPECT_EQ(q["calls"], 2);
  EXPECT_DOUBLE_EQ(q["total_ms"].get<double>(), 1000);
  EXPECT_DOUBLE_EQ(q["mean_ms"].get<double>(), 500);
  EXPECT_DOUBLE_EQ(q["min_ms"].get<double>(), 400);
  EXPECT_DOUBLE_EQ(q["max_ms"].get<double>(), 600);
  EXPECT_NEAR(q["p50_ms"].get<double>(), 400, 400 * 0.0171);
  EXPECT_NEAR(q["p99_ms"].get<double>(), 400, 400 * 0.0171);  // rank floor(0.99 · 1) = 0
  EXPECT_TRUE(q["p95_ms"].is_number());
  EXPECT_EQ(q["rows"], 6);
  EXPECT_EQ(q["errors"], 0);
  EXPECT_EQ(q["errors_by_sqlstate"], json::object());
  EXPECT_DOUBLE_EQ(q["wait_ms"].get<double>(), 100);
  EXPECT_DOUBLE_EQ(q["server_ms"].get<double>(), 500);
  EXPECT_EQ(q["bytes_in"], 20);
  EXPECT_EQ(q["bytes_out"], 200);
  EXPECT_EQ(q["first_seen_ms"], kNow - 5'000);
  EXPECT_EQ(q["last_seen_ms"], kNow);
  // The stored form's names and the bulky parts are not in the API's.
  for (const char* absent : {"text", "error_calls", "latency", "sample"}) EXPECT_FALSE(q.contains(absent)) << absent;

  EXPECT_EQ(j["queries"][1]["fingerprint"], "0000000000000003");
}

TEST(ApiJsonTest, QueriesFollowTheOrderAndCarryErrorsBySqlstate) {
  const workload::WorkloadTable t = sample_totals();
  json j = queries_json(t, workload::OrderBy::Calls, 10);
  EXPECT_EQ(j["order_by"], "calls");
  ASSERT_EQ(j["queries"].size(), 3u);  // limit above the entries: all of them, the other row excluded
  EXPECT_EQ(j["queries"][0]["fingerprint"], "0000000000000002");
  EXPECT_EQ(j["queries"][0]["errors"], 3);
  EXPECT_EQ(j["queries"][0]["errors_by_sqlstate"], (json{{"23505", 2}, {"40P01", 1}}));

  j = queries_json(t, workload::OrderBy::Errors, 1);
  ASSERT_EQ(j["queries"].size(), 1u);
  EXPECT_EQ(j["queries"][0]["fingerprint"], "0000000000000002");
  EXPECT_EQ(queries_json(t, workload::OrderBy::MeanTime, 1)["queries"][0]["fingerprint"], "0000000000000001");
  EXPECT_TRUE(queries_json(t, workload::OrderBy::P99, 0)["queries"].empty());
  EXPECT_TRUE(queries_json(workload::WorkloadTable{}, workload::OrderBy::P99, 5)["queries"].empty());
}

TEST(ApiJsonTest, PoolsJoinLiveGaugesAndCumulativeStats) {
  const workload::WorkloadTable t = sample_totals();
  observe::LiveState live;
  live.pools = {live_row("shop", "app", 2, 3, 40), live_row("crm", "sales", 1, 0, 0),
                live_row("shop", "app", 1, 2, 90)};
  live.pools[2].paused = true;
  const json j = pools_json(live, t);
  ASSERT_EQ(j["pools"].size(), 3u);

  // Sorted by database then user; each pool once.
  EXPECT_EQ(j["pools"][0]["database"], "archive");
  EXPECT_EQ(j["pools"][1]["database"], "crm");
  EXPECT_EQ(j["pools"][2]["database"], "shop");

  const json& archive = j["pools"][0];
  EXPECT_TRUE(archive["live"].is_null());
  EXPECT_EQ(archive["stats"]["errors"], 1);

  const json& crm = j["pools"][1];
  EXPECT_EQ(crm["user"], "sales");
  EXPECT_TRUE(crm["stats"].is_null());
  EXPECT_EQ(crm["live"]["cl_active"], 1);

  const json& shop = j["pools"][2];
  EXPECT_EQ(shop["user"], "app");
  const json& l = shop["live"];
  EXPECT_EQ(l["pool_mode"], "transaction");
  EXPECT_EQ(l["pool_size"], 10);
  EXPECT_EQ(l["cl_active"], 3);
  EXPECT_EQ(l["cl_waiting"], 0);
  EXPECT_EQ(l["cl_idle"], 2);
  EXPECT_EQ(l["sv_active"], 3);
  EXPECT_EQ(l["sv_idle"], 5);
  EXPECT_EQ(l["sv_login"], 0);
  EXPECT_EQ(l["maxwait_ms"], 90);
  EXPECT_EQ(l["paused"], true);
  const json& s = shop["stats"];
  EXPECT_EQ(s["transactions"], 1);
  EXPECT_EQ(s["queries"], 1);
  EXPECT_EQ(s["acquisitions"], 1);
  EXPECT_DOUBLE_EQ(s["wait_ms"].get<double>(), 2);
  EXPECT_EQ(s["bytes_in"], 10);
  EXPECT_EQ(s["bytes_out"], 100);
  EXPECT_FALSE(s.contains("database"));
  EXPECT_FALSE(s.contains("wait_latency"));

  EXPECT_EQ(pools_json(observe::LiveState{}, workload::WorkloadTable{}), (json{{"pools", json::array()}}));
}

TEST(ApiJsonTest, InvalidUtf8FromClientsIsReplacedWhenWritten) {
  workload::WorkloadTable t;
  record(t, 9, "bad\xFFuser", 1);
  const json j = queries_json(t, workload::OrderBy::TotalTime, 10);
  const std::string text = workload::dump_json(j);
  EXPECT_NE(text.find("bad\xEF\xBF\xBDuser"), std::string::npos);
  EXPECT_TRUE(json::accept(text));
}

TEST(LivePoolsTest, AddsCountsTakesMaximaAndSorts) {
  std::vector<observe::PoolLive> rows{live_row("b", "u", 1, 1, 10), live_row("a", "u", 2, 0, 0),
                                      live_row("b", "u", 3, 4, 30), live_row("a", "t", 0, 0, 0)};
  rows[0].pool_mode.clear();  // the first worker has not learnt the mode yet
  rows[2].pool_size = 12;
  rows[2].sv_login = 2;
  rows[2].cl_waiting = 5;
  const std::vector<observe::PoolLive> pools = sum_live_pools(rows);
  ASSERT_EQ(pools.size(), 3u);
  EXPECT_EQ(pools[0].database + "/" + pools[0].user, "a/t");
  EXPECT_EQ(pools[1].database + "/" + pools[1].user, "a/u");
  EXPECT_EQ(pools[2].database + "/" + pools[2].user, "b/u");
  const observe::PoolLive& b = pools[2];
  EXPECT_EQ(b.cl_active, 4);
  EXPECT_EQ(b.cl_waiting, 5);
  EXPECT_EQ(b.cl_idle, 2);
  EXPECT_EQ(b.sv_active, 4);
  EXPECT_EQ(b.sv_idle, 5);
  EXPECT_EQ(b.sv_login, 2);
  EXPECT_EQ(b.pool_size, 12);
  EXPECT_EQ(b.maxwait_ms, 30);
  EXPECT_EQ(b.pool_mode, "transaction");
  EXPECT_FALSE(b.paused);
  EXPECT_TRUE(sum_live_pools({}).empty());
}

}  // namespace
}  // namespace sluice::proxy::admin
