#include "proxy/admin/admin_http.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <limits>

#include "common/clock.h"
#include "proxy/admin/api_json.h"
#include "proxy/admin/http_server.h"
#include "proxy/admin/live_gather.h"
#include "proxy/admin/prometheus_metrics.h"
#include "proxy/observe/workload_merger.h"
#include "proxy/shared_state.h"
#include "workload/workload_json.h"

namespace sluice::proxy::admin {

namespace {
constexpr auto kGatherTimeout = std::chrono::milliseconds(2000);

// A non-negative integer parameter; fallback when absent, nullopt when malformed.
std::optional<int64_t> int_param(const HttpRequest& req, std::string_view name, int64_t fallback) {
  std::string text = req.param(name);
  if (text.empty()) return fallback;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

workload::WorkloadTable totals_of(const SharedState& shared) {
  return shared.merger ? shared.merger->totals() : workload::WorkloadTable(1);
}
}  // namespace

AdminHttp::AdminHttp(SharedState& shared, const common::Endpoint& listen, std::string token, std::size_t top_n)
    : shared_(shared), top_n_(top_n), host_(listen.host) {
  HttpRoutes routes;
  routes["/metrics"] = [this](const HttpRequest&) {
    std::optional<observe::LiveState> live = gather_live_blocking(shared_, kGatherTimeout);
    if (!live) return HttpReply::error(503, "the workers did not answer (stopping?)");
    workload::WorkloadTable totals = totals_of(shared_);
    MetricsInput in;
    in.totals = &totals;
    in.live = &*live;
    in.top_n = top_n_;
    in.fingerprint_cache_hits = live->fingerprint_cache_hits;
    in.fingerprint_cache_misses = live->fingerprint_cache_misses;
    if (shared_.merger) {
      observe::MergerCounters c = shared_.merger->counters();
      in.store_writes = c.store_writes;
      in.store_errors = c.store_errors;
      in.store_disk_bytes = c.store_disk_bytes;
    }
    in.now_ms = common::unix_now_ms();
    in.uptime_seconds = double(in.now_ms - shared_.started_unix_ms) / 1000.0;
    return HttpReply::text(render_prometheus(in), std::string(kPrometheusContentType));
  };
  routes["/api/v1/queries"] = [this](const HttpRequest& req) {
    std::optional<workload::OrderBy> order = workload::parse_order_by(req.param("order_by", "total_time"));
    if (!order) return HttpReply::error(400, "order_by must be one of total_time, mean_time, p99, calls, errors");
    std::optional<int64_t> limit = int_param(req, "limit", 100);
    if (!limit || *limit == 0) return HttpReply::error(400, "limit must be a positive integer");
    if (!shared_.merger) return HttpReply::error(503, "query statistics are off ([observe] enabled = false)");
    nlohmann::json body;
    shared_.merger->with_totals(
        [&](const workload::WorkloadTable& t) { body = queries_json(t, *order, std::size_t(*limit)); });
    return HttpReply::json(workload::dump_json(body));
  };
  routes["/api/v1/pools"] = [this](const HttpRequest&) {
    std::optional<observe::LiveState> live = gather_live_blocking(shared_, kGatherTimeout);
    if (!live) return HttpReply::error(503, "the workers did not answer (stopping?)");
    workload::WorkloadTable totals = totals_of(shared_);
    return HttpReply::json(workload::dump_json(pools_json(*live, totals)));
  };
  routes["/api/v1/workload"] = [this](const HttpRequest& req) {
    std::optional<int64_t> since = int_param(req, "since", 0);
    if (!since) return HttpReply::error(400, "since must be a unix time in milliseconds");
    std::string buckets = req.param("buckets", "true");
    if (buckets != "true" && buckets != "false") return HttpReply::error(400, "buckets must be true or false");
    if (!shared_.merger) return HttpReply::error(503, "query statistics are off ([observe] enabled = false)");
    return HttpReply::json(workload::dump_json(shared_.merger->workload_json(*since, buckets == "true")));
  };
  server_ = std::make_unique<AdminHttpServer>(listen.host, listen.port, std::move(token), std::move(routes));
}

AdminHttp::~AdminHttp() { stop(); }

void AdminHttp::start() {
  server_->start();
  spdlog::info("admin HTTP listening on {}:{} (/metrics, /api/v1/queries, /api/v1/pools, /api/v1/workload)", host_,
               server_->port());
}

void AdminHttp::stop() {
  if (server_) server_->stop();
}

int AdminHttp::port() const { return server_ ? server_->port() : 0; }

}  // namespace sluice::proxy::admin
