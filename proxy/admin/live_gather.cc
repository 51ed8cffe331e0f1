#include "proxy/admin/live_gather.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "proxy/pg/pg_service.h"
#include "proxy/shared_state.h"

namespace sluice::proxy::admin {

void gather_live(SharedState& shared, std::function<void(observe::LiveState)> done) {
  struct Gathering {
    std::vector<observe::LiveState> parts;
    std::atomic<std::size_t> left{0};
    std::function<void(observe::LiveState)> done;
  };
  auto g = std::make_shared<Gathering>();
  const std::size_t n = shared.services.size();
  if (n == 0) {
    done(observe::LiveState{});
    return;
  }
  g->parts.resize(n);
  g->left = n;
  g->done = std::move(done);
  for (std::size_t i = 0; i < n; ++i) {
    pg::PgService* svc = shared.services[i];
    svc->worker().post([g, svc, i] {
      svc->collect_live(g->parts[i]);  // each worker writes only its own slot
      if (g->left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
      observe::LiveState all;
      for (auto& p : g->parts) {
        std::move(p.pools.begin(), p.pools.end(), std::back_inserter(all.pools));
        std::move(p.clients.begin(), p.clients.end(), std::back_inserter(all.clients));
        std::move(p.servers.begin(), p.servers.end(), std::back_inserter(all.servers));
        all.queries_recorded += p.queries_recorded;
        all.fingerprint_cache_hits += p.fingerprint_cache_hits;
        all.fingerprint_cache_misses += p.fingerprint_cache_misses;
      }
      g->done(std::move(all));
    });
  }
}

std::optional<observe::LiveState> gather_live_blocking(SharedState& shared, std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<observe::LiveState>>();
  std::future<observe::LiveState> future = promise->get_future();
  gather_live(shared, [promise](observe::LiveState s) { promise->set_value(std::move(s)); });
  if (future.wait_for(timeout) != std::future_status::ready) return std::nullopt;
  return future.get();
}

}  // namespace sluice::proxy::admin
