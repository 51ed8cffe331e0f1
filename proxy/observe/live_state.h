// What is happening right now, gathered from every worker for the admin console (SHOW POOLS,
// SHOW CLIENTS, SHOW SERVERS) and the HTTP API (/api/v1/pools, /metrics gauges). Plain data:
// each worker fills its part on its own thread, the admin code merges the parts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::proxy::observe {

// One pool (database as the client names it, user as the client logs in) on one worker; the
// admin code adds up the workers' rows for the same (database, user).
struct PoolLive {
  std::string database;
  std::string user;
  std::string pool_mode;  // "session" or "transaction"
  int pool_size = 0;
  int cl_active = 0;   // clients linked to a server
  int cl_waiting = 0;  // clients waiting for a server
  int cl_idle = 0;     // logged-in clients with no server and not waiting
  int sv_active = 0;   // servers linked to a client
  int sv_idle = 0;     // servers idle in the pool
  int sv_login = 0;    // servers connecting or logging in
  double maxwait_ms = 0;  // longest current wait of a waiting client
  bool paused = false;
};

struct ClientLive {
  uint64_t id = 0;
  int worker = 0;
  std::string user;
  std::string database;
  std::string state;  // "active" (has a server), "waiting" (for a server), "idle", "login"
  std::string addr;   // peer address
  int port = 0;
  int64_t connect_time_ms = 0;  // unix ms
  int64_t request_time_ms = 0;  // unix ms of the last activity
  double wait_ms = 0;           // current wait for a server, 0 when not waiting
  uint64_t server_id = 0;       // 0: no server linked
  bool tls = false;
  std::string application_name;
};

struct ServerLive {
  uint64_t id = 0;
  int worker = 0;
  std::string user;      // the role the server connection logged in as
  std::string database;  // the database name clients use for this pool
  std::string state;     // "active", "idle", "login"
  std::string addr;      // server host
  int port = 0;
  int64_t connect_time_ms = 0;
  int64_t request_time_ms = 0;  // last time it was handed to a client
  int backend_pid = 0;
  uint64_t client_id = 0;  // 0: not linked
  bool tls = false;
};

struct LiveState {
  std::vector<PoolLive> pools;
  std::vector<ClientLive> clients;
  std::vector<ServerLive> servers;
  // The workers' query recorders, summed.
  uint64_t queries_recorded = 0;
  uint64_t fingerprint_cache_hits = 0;
  uint64_t fingerprint_cache_misses = 0;
};

}  // namespace sluice::proxy::observe
