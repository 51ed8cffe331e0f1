// State shared by all workers. Touched at connect, login, cancel and reload time; never per
// message. Each field says how it is protected.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/config.h"
#include "proxy/net/tls_context.h"
#include "proxy/pg/cancel_registry.h"
#include "proxy/pg/credentials.h"
#include "proxy/pool/server_pool.h"

namespace sluice::proxy {

namespace pg {
class PgService;
}
namespace observe {
class WorkloadMerger;
}

struct SharedState {
  pg::CancelRegistry cancels;        // own mutex
  pg::CredentialStore credentials;   // own mutex
  std::atomic<int> client_count{0};  // all workers, for max_client_conn
  std::atomic<uint64_t> next_client_id{1};
  std::atomic<int> open_sessions{0};  // accepted and not yet deleted, for draining

  // TLS contexts, built at start-up; SSL_CTX is thread-safe for creating connections.
  net::SslCtxPtr client_tls;
  net::SslCtxPtr server_tls;

  // One service per worker, index = worker index. Filled before workers start.
  std::vector<pg::PgService*> services;

  // Observation and administration, set before workers start (null / empty when off).
  observe::WorkloadMerger* merger = nullptr;
  // RELOAD from the admin console: reloads the config file; returns an error text or "".
  std::function<std::string()> reload;
  int64_t started_unix_ms = 0;
  // The configuration in force (set at start-up and by every reload), for admin outputs.
  std::shared_ptr<const common::Config> current_config() const {
    std::lock_guard lock(config_mu_);
    return config_;
  }
  void set_current_config(std::shared_ptr<const common::Config> c) {
    std::lock_guard lock(config_mu_);
    config_ = std::move(c);
  }

  // Pool capacity per pool key, shared by all workers.
  std::shared_ptr<pool::PoolCapacity> capacity_for(const std::string& key, int pool_size, int workers);
  void set_capacity(const std::string& key, int pool_size);

 private:
  mutable std::mutex config_mu_;
  std::shared_ptr<const common::Config> config_;
  std::mutex capacity_mu_;
  std::unordered_map<std::string, std::shared_ptr<pool::PoolCapacity>> capacities_;
};

}  // namespace sluice::proxy
