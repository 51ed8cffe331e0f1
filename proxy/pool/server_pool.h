// Server connections for one (database, user) on one worker: idle servers, clients waiting for
// one, and the rules that open, hand out, recycle and close servers. Protocol-agnostic.
//
// pool_size is a limit across all workers, kept in a PoolCapacity shared by them (atomics only).
// A worker holding more than its fair share gives servers back when another worker has waiters.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "proxy/pool/pooled_server.h"

namespace sluice::proxy::pool {

struct PoolCapacity {
  explicit PoolCapacity(int workers = 1) : waiting_by_worker(std::size_t(workers < 1 ? 1 : workers)) {}
  std::atomic<int> open{0};     // server connections open or opening, all workers
  std::atomic<int> waiting{0};  // clients waiting, all workers
  std::atomic<int> max{20};     // pool_size; changed by reload
  std::vector<std::atomic<int>> waiting_by_worker;  // where the waiting clients are
};

struct PoolSettings {
  int workers = 1;
  int worker_index = 0;
  double query_wait_timeout = 120;
  double server_connect_timeout = 15;
  double server_idle_timeout = 600;
  double server_lifetime = 3600;
};

struct PoolCounters {
  int idle = 0;
  int active = 0;
  int connecting = 0;
  int waiting = 0;
  uint64_t max_wait_ms = 0;
};

class ServerPool {
 public:
  // Starts a new server connection for this pool; it reports back through on_server_ready /
  // on_server_failed / on_server_gone.
  using Factory = std::function<PooledServer*(ServerPool&)>;
  // Asks the other workers to retry their waiters for this pool's key.
  using CapacityFreedFn = std::function<void(const std::string& key)>;
  // Moves an idle server to the worker whose clients wait longest; false if it cannot move.
  // The server keeps its place in PoolCapacity::open.
  using MigrateFn = std::function<bool(PooledServer* server)>;

  ServerPool(std::string key, std::shared_ptr<PoolCapacity> capacity, PoolSettings settings, Factory factory,
             CapacityFreedFn capacity_freed, std::function<uint64_t()> now_ms);
  ~ServerPool();
  void set_migrate(MigrateFn fn) { migrate_ = std::move(fn); }
  // A server that moved here from another worker's pool: now Idle here (or handed out).
  void adopt(PooledServer* s);

  const std::string& key() const { return key_; }
  PoolCapacity& capacity() { return *capacity_; }
  void update_settings(const PoolSettings& s) { settings_ = s; }

  // An idle server (now Active) or nullptr: then `w` waits and gets on_server_assigned later.
  PooledServer* acquire(PoolWaiter* w);
  void cancel_wait(PoolWaiter* w);
  // The server is clean (no transaction, no pending results): reuse it or close it.
  void release(PooledServer* s);
  void on_server_ready(PooledServer* s);
  void on_server_failed(PooledServer* s, std::string_view sqlstate, std::string_view message);
  void on_server_gone(PooledServer* s);
  // Capacity was freed on another worker.
  void retry_waiters();
  // PAUSE: clients wait and released servers stay idle until RESUME (set_paused(false)).
  void set_paused(bool paused);
  bool paused() const { return paused_; }
  // Timeouts: waiting clients, idle and old servers, slow connects.
  void janitor();
  // Closes idle servers now (reload, shutdown, PAUSE).
  void close_idle(std::string_view reason);

  PoolCounters counters() const;
  bool empty() const { return servers_.empty() && waiters_.empty(); }

 private:
  bool try_open();
  void open_for_waiters();
  void hand_to_waiter(PooledServer* s);
  int fair_share() const;
  void forget(PooledServer* s, bool keep_capacity = false);
  bool migrate(PooledServer* s);
  void add_waiting(int delta);

  std::string key_;
  std::shared_ptr<PoolCapacity> capacity_;
  PoolSettings settings_;
  Factory factory_;
  CapacityFreedFn capacity_freed_;
  MigrateFn migrate_;
  std::function<uint64_t()> now_ms_;
  std::vector<PooledServer*> servers_;  // every server of this pool on this worker
  std::vector<PooledServer*> idle_;     // LIFO: the most recently used is handed out first
  std::deque<PoolWaiter*> waiters_;
  int connecting_ = 0;
  bool paused_ = false;
};

}  // namespace sluice::proxy::pool
