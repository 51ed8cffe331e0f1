// The PostgreSQL side of one worker: accepts clients, owns this worker's server pools,
// forwards cancel requests, runs the janitor, applies reloads and drains on shutdown.
// Lifetimes of clients and servers end here (deferred deletion after their callbacks unwind).
#pragma once

#include <openssl/ssl.h>
#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/config.h"
#include "proxy/net/connection.h"
#include "proxy/net/worker.h"
#include "proxy/observe/live_state.h"
#include "proxy/observe/query_recorder.h"
#include "proxy/pg/session_params.h"
#include "proxy/pool/server_pool.h"

namespace sluice::proxy {
struct SharedState;
}

namespace sluice::proxy::pg {

class ClientSession;
class ServerConnection;
struct UserSecret;

// One pool of server connections: a database as configured, logged in as one user.
struct PoolEntry {
  std::string key;
  std::string database;    // the name clients use
  std::string server_db;   // the database on the server
  std::string login_user;  // the server role
  const common::DatabaseConfig* db = nullptr;  // refreshed on reload
  std::unique_ptr<pool::ServerPool> pool;
  SessionParams welcome;   // ParameterStatus values a fresh server reported
  bool welcome_known = false;
  // Server statement names that some server of this pool prepared successfully.
  std::unordered_set<std::string> known_statements;
};

class PgService {
 public:
  PgService(net::Worker& worker, SharedState& shared, std::shared_ptr<const common::Config> config);
  ~PgService();

  net::Worker& worker() { return worker_; }
  SharedState& shared() { return shared_; }
  const common::Config& config() const { return *config_; }
  uint64_t now_ms() { return worker_.now_ms(); }

  // This worker's query recorder, or null when observation is off.
  observe::QueryRecorder* recorder() { return recorder_.get(); }
  // Hands what was recorded since the last call to the merger (empty when observation is off).
  workload::WorkloadTable take_workload();
  // This worker's pools, clients and servers as they are now (worker = this worker's index).
  void collect_live(observe::LiveState& out) const;
  // PAUSE / RESUME: database as clients name it; empty = every database.
  void set_paused(const std::string& database, bool paused);

  // Listener callback. A new client goes to the worker with the fewest clients: the kernel's
  // SO_REUSEPORT spread is random (binomial: at 1,000 clients a typical gap of a few dozen),
  // and each worker serves its own clients from about pool_size / workers servers, so an
  // uneven split makes the clients of the busier worker wait longer. (Measured: it did not
  // narrow the per-client spread at 1,000 clients, ±5 % against PgBouncer's ±2 %; that comes
  // from the workers' separate queues, see bench/results/2026-12-02-1906-many-vm.md.)
  void accept_client(uv_stream_t* listener);
  // On the receiving worker: a client socket another worker accepted and handed over.
  void adopt_client(net::DetachedSocket socket);
  // Clients on this worker, and those handed to it and not yet adopted.
  int client_load() const { return client_load_.load(std::memory_order_relaxed); }

  PoolEntry* pool_for(const common::DatabaseConfig& db, const std::string& client_db, const std::string& client_user);

  // Secrets: from config, the target URL or auth_query. `done` runs on this worker (maybe later).
  void lookup_secret(const common::DatabaseConfig& db, const std::string& user, uint64_t client_id,
                     std::function<void(ClientSession&, const UserSecret&, const std::string& error)> done);

  void register_client(ClientSession* c);
  void unregister_client(ClientSession* c);
  ClientSession* find_client(uint64_t id);
  std::size_t client_count() const { return clients_.size(); }

  // A CancelRequest arrived here; route it to the worker owning the client.
  void route_cancel(int32_t pid, int32_t secret);
  // On the owning worker: send a CancelRequest to the server the client is using.
  void cancel_client(uint64_t client_id);
  // Opens a short connection to a server and sends CancelRequest(pid, secret).
  void send_cancel(const std::string& host, uint16_t port, int32_t pid, int32_t secret);

  // Called by other workers when they freed pool capacity for `key`.
  void retry_pool(const std::string& key);
  // On the receiving worker: a server moved here from another worker's pool `key`.
  void adopt_server(ServerConnection* server, const std::string& key);

  // Objects are deleted after the current callback stack unwinds.
  void defer_delete(ClientSession* c);
  void defer_delete(ServerConnection* s);

  void apply_config(std::shared_ptr<const common::Config> config);
  void begin_drain();
  bool draining() const { return draining_; }
  bool drained() const;
  void stop_fast();

  SSL_CTX* client_tls() const;
  SSL_CTX* server_tls() const;

 private:
  void janitor();
  void collect_garbage();
  pool::PoolSettings pool_settings() const;
  ServerConnection* open_server(PoolEntry& entry);
  bool migrate_server(const std::string& key, ServerConnection* server);
  void start_client(net::Connection* conn);
  PgService* least_loaded_other_worker() const;

  net::Worker& worker_;
  SharedState& shared_;
  std::shared_ptr<const common::Config> config_;
  // Earlier configurations stay alive: sessions keep pointers into them.
  std::vector<std::shared_ptr<const common::Config>> retired_configs_;
  std::unordered_map<uint64_t, ClientSession*> clients_;
  std::atomic<int> client_load_{0};
  std::unordered_map<std::string, std::unique_ptr<PoolEntry>> pools_;
  std::unordered_set<ServerConnection*> servers_;  // every live server connection on this worker
  std::vector<ClientSession*> dead_clients_;
  std::vector<ServerConnection*> dead_servers_;
  bool draining_ = false;
  std::unique_ptr<observe::QueryRecorder> recorder_;
  uint64_t last_janitor_ms_ = 0;
  std::unordered_set<std::string> paused_;  // databases paused ("" = all)
  bool is_paused(const std::string& database) const { return paused_.count("") || paused_.count(database); }
};

}  // namespace sluice::proxy::pg
