// What the protocol-agnostic pool needs from a server connection (PostgreSQL or MySQL) and
// from a client waiting for one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::proxy::pool {

class ServerPool;

class PooledServer {
 public:
  enum class State { Connecting, Idle, Active, Gone };

  virtual ~PooledServer() = default;
  // Begin connecting; called by the pool once the server is registered in it.
  virtual void start() = 0;
  // Close the server connection; the implementation calls ServerPool::on_server_gone once closed.
  virtual void close_server(std::string_view reason) = 0;

  ServerPool* pool = nullptr;
  State state = State::Connecting;
  uint64_t created_ms = 0;
  uint64_t last_used_ms = 0;
};

class PoolWaiter {
 public:
  virtual ~PoolWaiter() = default;
  // A server is now this waiter's (state Active).
  virtual void on_server_assigned(PooledServer* server) = 0;
  // Waiting failed: query_wait_timeout, the server cannot be reached, the pool is gone.
  virtual void on_pool_error(std::string_view sqlstate, std::string_view message, bool fatal) = 0;

  uint64_t wait_started_ms = 0;
  bool waiting = false;
};

}  // namespace sluice::proxy::pool
