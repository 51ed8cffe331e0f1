#include "proxy/pool/server_pool.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sluice::proxy::pool {

ServerPool::ServerPool(std::string key, std::shared_ptr<PoolCapacity> capacity, PoolSettings settings,
                       Factory factory, CapacityFreedFn capacity_freed, std::function<uint64_t()> now_ms)
    : key_(std::move(key)),
      capacity_(std::move(capacity)),
      settings_(settings),
      factory_(std::move(factory)),
      capacity_freed_(std::move(capacity_freed)),
      now_ms_(std::move(now_ms)) {}

ServerPool::~ServerPool() {
  for (auto* w : waiters_) {
    w->waiting = false;
    add_waiting(-1);
  }
}

void ServerPool::add_waiting(int delta) {
  capacity_->waiting.fetch_add(delta, std::memory_order_relaxed);
  auto idx = std::size_t(settings_.worker_index);
  if (idx < capacity_->waiting_by_worker.size())
    capacity_->waiting_by_worker[idx].fetch_add(delta, std::memory_order_relaxed);
}

bool ServerPool::migrate(PooledServer* s) {
  if (!migrate_) return false;
  forget(s, /*keep_capacity=*/true);
  if (migrate_(s)) return true;
  // Could not move: it stays here.
  servers_.push_back(s);
  s->pool = this;
  return false;
}

void ServerPool::adopt(PooledServer* s) {
  s->pool = this;
  s->state = PooledServer::State::Idle;
  servers_.push_back(s);
  release(s);
}

int ServerPool::fair_share() const {
  int max = capacity_->max.load(std::memory_order_relaxed);
  int workers = std::max(1, settings_.workers);
  return std::max(1, (max + workers - 1) / workers);
}

PooledServer* ServerPool::acquire(PoolWaiter* w) {
  if (!idle_.empty() && !paused_) {
    PooledServer* s = idle_.back();
    idle_.pop_back();
    s->state = PooledServer::State::Active;
    s->last_used_ms = now_ms_();
    return s;
  }
  w->waiting = true;
  w->wait_started_ms = now_ms_();
  waiters_.push_back(w);
  add_waiting(1);
  if (!paused_) open_for_waiters();
  return nullptr;
}

void ServerPool::cancel_wait(PoolWaiter* w) {
  if (!w->waiting) return;
  auto it = std::find(waiters_.begin(), waiters_.end(), w);
  if (it != waiters_.end()) {
    waiters_.erase(it);
    add_waiting(-1);
  }
  w->waiting = false;
}

bool ServerPool::try_open() {
  int cur = capacity_->open.load(std::memory_order_relaxed);
  while (true) {
    if (cur >= capacity_->max.load(std::memory_order_relaxed)) return false;
    if (capacity_->open.compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed)) break;
  }
  PooledServer* s = factory_(*this);
  s->pool = this;
  s->state = PooledServer::State::Connecting;
  s->created_ms = s->last_used_ms = now_ms_();
  servers_.push_back(s);
  ++connecting_;
  s->start();
  return true;
}

void ServerPool::open_for_waiters() {
  if (paused_) return;
  while (std::size_t(connecting_) < waiters_.size()) {
    if (!try_open()) break;
  }
}

void ServerPool::hand_to_waiter(PooledServer* s) {
  PoolWaiter* w = waiters_.front();
  waiters_.pop_front();
  add_waiting(-1);
  w->waiting = false;
  s->state = PooledServer::State::Active;
  s->last_used_ms = now_ms_();
  w->on_server_assigned(s);
}

void ServerPool::on_server_ready(PooledServer* s) {
  --connecting_;
  s->state = PooledServer::State::Idle;
  release(s);
}

void ServerPool::release(PooledServer* s) {
  uint64_t now = now_ms_();
  s->state = PooledServer::State::Idle;
  if (settings_.server_lifetime > 0 && double(now - s->created_ms) > settings_.server_lifetime * 1000) {
    s->close_server("server_lifetime reached");
    return;
  }
  if (paused_) {  // PAUSE: keep it idle here until RESUME
    s->last_used_ms = now;
    idle_.push_back(s);
    return;
  }
  int waiting_everywhere = capacity_->waiting.load(std::memory_order_relaxed);
  bool others_waiting = waiting_everywhere > int(waiters_.size());
  if (!waiters_.empty()) {
    if (others_waiting && int(servers_.size()) > fair_share() && migrate(s)) return;
    hand_to_waiter(s);
    return;
  }
  if (others_waiting && migrate(s)) return;
  // With no local waiters the server idles here; if other workers are short of servers, the
  // janitor hands idle capacity over one server per tick, so short gaps cause no churn.
  s->last_used_ms = now;
  idle_.push_back(s);
}

void ServerPool::forget(PooledServer* s, bool keep_capacity) {
  auto it = std::find(servers_.begin(), servers_.end(), s);
  if (it == servers_.end()) return;
  servers_.erase(it);
  auto idle_it = std::find(idle_.begin(), idle_.end(), s);
  if (idle_it != idle_.end()) idle_.erase(idle_it);
  if (s->state == PooledServer::State::Connecting) --connecting_;
  if (keep_capacity) return;
  s->state = PooledServer::State::Gone;
  capacity_->open.fetch_sub(1, std::memory_order_relaxed);
  if (capacity_->waiting.load(std::memory_order_relaxed) > int(waiters_.size()) && capacity_freed_)
    capacity_freed_(key_);
}

void ServerPool::on_server_failed(PooledServer* s, std::string_view sqlstate, std::string_view message) {
  forget(s);
  if (!servers_.empty() || waiters_.empty()) return;
  // Nothing else in this pool can serve the waiting clients soon: tell them now rather than
  // letting them hang until query_wait_timeout.
  std::deque<PoolWaiter*> failed;
  failed.swap(waiters_);
  for (auto* w : failed) {
    add_waiting(-1);
    w->waiting = false;
  }
  for (auto* w : failed) w->on_pool_error(sqlstate, message, true);
}

void ServerPool::on_server_gone(PooledServer* s) {
  forget(s);
  open_for_waiters();
}

void ServerPool::retry_waiters() { open_for_waiters(); }

void ServerPool::set_paused(bool paused) {
  if (paused_ == paused) return;
  paused_ = paused;
  if (paused_) return;
  while (!waiters_.empty() && !idle_.empty()) {
    PooledServer* s = idle_.back();
    idle_.pop_back();
    hand_to_waiter(s);
  }
  open_for_waiters();
}

void ServerPool::janitor() {
  uint64_t now = now_ms_();
  if (settings_.query_wait_timeout > 0) {
    while (!waiters_.empty() &&
           double(now - waiters_.front()->wait_started_ms) > settings_.query_wait_timeout * 1000) {
      PoolWaiter* w = waiters_.front();
      waiters_.pop_front();
      add_waiting(-1);
      w->waiting = false;
      w->on_pool_error("08P01", "query_wait_timeout: no server connection became free in time", true);
    }
  }
  std::vector<PooledServer*> to_close;
  for (auto* s : servers_) {
    double age = double(now - s->created_ms);
    if (s->state == PooledServer::State::Connecting) {
      if (settings_.server_connect_timeout > 0 && age > settings_.server_connect_timeout * 1000) to_close.push_back(s);
    } else if (s->state == PooledServer::State::Idle) {
      double idle = double(now - s->last_used_ms);
      if ((settings_.server_idle_timeout > 0 && idle > settings_.server_idle_timeout * 1000) ||
          (settings_.server_lifetime > 0 && age > settings_.server_lifetime * 1000))
        to_close.push_back(s);
    }
  }
  if (to_close.empty() && waiters_.empty() && !idle_.empty() && !paused_ &&
      capacity_->waiting.load(std::memory_order_relaxed) > 0 &&
      capacity_->open.load(std::memory_order_relaxed) >= capacity_->max.load(std::memory_order_relaxed)) {
    // Another worker's clients wait for a server and the pool is at its limit: move one there
    // (or close it, which frees the capacity, when it cannot move).
    PooledServer* s = idle_.front();  // the least recently used
    if (!migrate(s)) to_close.push_back(s);
  }
  for (auto* s : to_close) {
    if (s->state == PooledServer::State::Connecting) s->close_server("server connect timeout");
    else s->close_server("server idle timeout, lifetime, or capacity needed by another worker");
  }
  open_for_waiters();
}

void ServerPool::close_idle(std::string_view reason) {
  auto idle = idle_;
  for (auto* s : idle) s->close_server(reason);
}

PoolCounters ServerPool::counters() const {
  PoolCounters c;
  c.idle = int(idle_.size());
  c.connecting = connecting_;
  c.active = int(servers_.size()) - c.idle - connecting_;
  c.waiting = int(waiters_.size());
  if (!waiters_.empty()) c.max_wait_ms = now_ms_() - waiters_.front()->wait_started_ms;
  return c;
}

}  // namespace sluice::proxy::pool
