#include "proxy/pg/pg_service.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "proxy/pg/auth_query.h"
#include "proxy/pg/client_session.h"
#include "proxy/pg/codec/message_writer.h"
#include "proxy/pg/credentials.h"
#include "proxy/pg/server_connection.h"
#include "proxy/shared_state.h"

namespace sluice::proxy::pg {

namespace {
constexpr auto kAuthQueryCacheTtl = std::chrono::seconds(30);

// Connects to a server, sends one CancelRequest and closes (the server hangs up by itself).
class CancelSender : public net::ConnectionHandler {
 public:
  CancelSender(net::Worker& w, int32_t pid, int32_t secret) : pid_(pid), secret_(secret) {
    conn_ = new net::Connection(w, this);
  }
  void start(const std::string& host, uint16_t port) { conn_->connect(host, port); }
  void on_connected(net::Connection& c, int status) override {
    if (status != 0) {
      spdlog::warn("cancel: cannot reach server: {}", uv_strerror(status));
      c.close();
      delete this;
      return;
    }
    write_cancel_request(c.out_buffer(), pid_, secret_);
    c.flush();
    // close() hands the 16 bytes to the kernel first (a fresh socket takes them at once); the
    // server acts on them and hangs up by itself.
    c.close();
    delete this;
  }
  void on_read(net::Connection&, std::string_view) override {}
  void on_closed(net::Connection&, std::string_view) override { delete this; }

 private:
  net::Connection* conn_;
  int32_t pid_;
  int32_t secret_;
};
}  // namespace

static workload::RecordPolicy record_policy(const common::ObserveConfig& o) {
  workload::RecordPolicy p;
  switch (o.samples) {
    case common::SampleMode::On:
      p.samples = workload::SampleMode::On;
      break;
    case common::SampleMode::Redacted:
      p.samples = workload::SampleMode::Redacted;
      break;
    case common::SampleMode::Off:
      p.samples = workload::SampleMode::Off;
      break;
  }
  return p;
}

PgService::PgService(net::Worker& worker, SharedState& shared, std::shared_ptr<const common::Config> config)
    : worker_(worker), shared_(shared), config_(std::move(config)) {
  worker_.on_batch_end([this] { collect_garbage(); });
  if (config_->observe.enabled) {
    recorder_ = std::make_unique<observe::QueryRecorder>(std::size_t(config_->observe.max_fingerprints),
                                                         record_policy(config_->observe));
  }
  last_janitor_ms_ = worker_.now_ms();
  worker_.every(100, [this] { janitor(); });
}

PgService::~PgService() { collect_garbage(); }

SSL_CTX* PgService::client_tls() const { return shared_.client_tls.get(); }
SSL_CTX* PgService::server_tls() const { return shared_.server_tls.get(); }

void PgService::accept_client(uv_stream_t* listener) {
  auto* conn = new net::Connection(worker_, nullptr);
  if (int rc = conn->accept(listener); rc != 0) {
    spdlog::warn("accept: {}", uv_strerror(rc));
    conn->close();
    return;
  }
  if (PgService* to = least_loaded_other_worker()) {
    net::DetachedSocket socket = conn->detach_socket();  // closes conn when it succeeds
    if (socket.fd >= 0) {
      // Counted there now, so that a burst of accepts here sees it.
      to->client_load_.fetch_add(1, std::memory_order_relaxed);
      to->worker().post([to, socket] { to->adopt_client(socket); });
      return;
    }
    spdlog::debug("could not hand a new client to worker {}: it stays here", to->worker().index());
  }
  client_load_.fetch_add(1, std::memory_order_relaxed);
  start_client(conn);
}

PgService* PgService::least_loaded_other_worker() const {
  PgService* best = nullptr;
  int least = client_load();
  for (PgService* s : shared_.services) {
    if (s == this) continue;
    int load = s->client_load();
    if (load < least) {
      least = load;
      best = s;
    }
  }
  return best;
}

void PgService::adopt_client(net::DetachedSocket socket) {
  net::Connection* conn = net::Connection::adopt(worker_, nullptr, socket);
  if (!conn) {
    client_load_.fetch_sub(1, std::memory_order_relaxed);
    spdlog::warn("a client handed over by another worker could not be adopted: connection dropped");
    return;
  }
  start_client(conn);
}

void PgService::start_client(net::Connection* conn) {
  uint64_t id = shared_.next_client_id.fetch_add(1, std::memory_order_relaxed);
  auto* c = new ClientSession(*this, id);
  shared_.open_sessions.fetch_add(1, std::memory_order_relaxed);
  register_client(c);
  c->start(conn);
  if (draining_) c->terminate("57P01", "the proxy is shutting down");
}

void PgService::register_client(ClientSession* c) { clients_[c->id()] = c; }

void PgService::unregister_client(ClientSession* c) {
  if (clients_.erase(c->id())) client_load_.fetch_sub(1, std::memory_order_relaxed);
}

ClientSession* PgService::find_client(uint64_t id) {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second;
}

pool::PoolSettings PgService::pool_settings() const {
  pool::PoolSettings s;
  s.workers = std::max<int>(1, int(shared_.services.size()));
  s.worker_index = worker_.index();
  s.query_wait_timeout = config_->timeouts.query_wait_timeout;
  s.server_connect_timeout = config_->timeouts.server_connect_timeout;
  s.server_idle_timeout = config_->timeouts.server_idle_timeout;
  s.server_lifetime = config_->timeouts.server_lifetime;
  return s;
}

PoolEntry* PgService::pool_for(const common::DatabaseConfig& db, const std::string& client_db,
                               const std::string& client_user) {
  std::string login_user = db.force_user || client_user.empty() ? db.target.user : client_user;
  std::string server_db = db.name == "*" || db.target.dbname.empty() ? client_db : db.target.dbname;
  std::string key = db.name + '\x1f' + server_db + '\x1f' + login_user;
  auto it = pools_.find(key);
  if (it != pools_.end()) {
    it->second->db = &db;
    return it->second.get();
  }
  auto entry = std::make_unique<PoolEntry>();
  entry->key = key;
  entry->database = client_db;
  entry->server_db = server_db;
  entry->login_user = login_user;
  entry->db = &db;
  PoolEntry* raw = entry.get();
  entry->pool = std::make_unique<pool::ServerPool>(
      key, shared_.capacity_for(key, db.pool_size, int(shared_.services.size())), pool_settings(),
      [this, raw](pool::ServerPool&) -> pool::PooledServer* { return open_server(*raw); },
      [this](const std::string& k) {
        for (auto* svc : shared_.services)
          if (svc && svc != this) svc->worker().post([svc, k] { svc->retry_pool(k); });
      },
      [this] { return worker_.now_ms(); });
  raw->pool->set_migrate([this, key](pool::PooledServer* s) {
    return migrate_server(key, static_cast<ServerConnection*>(s));
  });
  if (is_paused(client_db)) raw->pool->set_paused(true);
  pools_.emplace(key, std::move(entry));
  return raw;
}

ServerConnection* PgService::open_server(PoolEntry& entry) {
  const common::DatabaseConfig& db = *entry.db;
  ServerLogin login;
  login.host = db.target.host;
  login.port = db.target.port;
  login.user = entry.login_user;
  login.database = entry.server_db;
  login.tls_mode = config_->tls.server_mode;
  login.tls_ctx = server_tls();
  if (login.user == db.target.user && !db.target.password.empty()) {
    login.secret.found = true;
    login.secret.plain_password = db.target.password;
  } else if (const common::UserConfig* u = config_->find_user(login.user); u && !u->password.empty()) {
    login.secret = secret_from_stored(u->password);
  }
  if (login.secret.plain_password.empty()) {
    if (auto known = shared_.credentials.get(login.user)) {
      if (!known->plain_password.empty()) login.secret.plain_password = known->plain_password;
      if (login.secret.md5_hash.empty()) login.secret.md5_hash = known->md5_hash;
      // SCRAM pass-through: a client proved it holds the ClientKey for this secret.
      if (known->scram && known->scram_client_key &&
          (!login.secret.scram || login.secret.scram->stored_key == known->scram->stored_key)) {
        login.secret.scram = known->scram;
        login.secret.scram_client_key = known->scram_client_key;
      }
    }
  }
  auto* server = new ServerConnection(*this, std::move(login));
  servers_.insert(server);
  return server;
}

void PgService::lookup_secret(const common::DatabaseConfig& db, const std::string& user, uint64_t client_id,
                              std::function<void(ClientSession&, const UserSecret&, const std::string&)> done) {
  auto deliver = [this, client_id, done](const UserSecret& s, const std::string& err) {
    if (ClientSession* c = find_client(client_id)) done(*c, s, err);
  };
  if (const common::UserConfig* u = config_->find_user(user)) {
    deliver(secret_from_stored(u->password), {});
    return;
  }
  if (!config_->users.empty() || !config_->auth_file.empty()) {
    // A users list is configured and this user is not in it.
    deliver(UserSecret{}, {});
    return;
  }
  if (user == db.target.user && !db.target.password.empty()) {
    UserSecret s;
    s.found = true;
    s.plain_password = db.target.password;
    deliver(s, {});
    return;
  }
  if (auto cached = shared_.credentials.get(user);
      cached && cached->from_auth_query && std::chrono::steady_clock::now() - cached->fetched_at < kAuthQueryCacheTtl) {
    deliver(*cached, {});
    return;
  }
  if (db.target.user.empty()) {
    deliver(UserSecret{}, "no users are configured and the target URL names no user to run auth_query as");
    return;
  }
  run_auth_query(worker_.loop(), db.target, config_->auth_query, user, config_->timeouts.server_connect_timeout,
                 [this, user, deliver](const AuthQueryResult& r) {
                   if (!r.error.empty()) {
                     deliver(UserSecret{}, r.error);
                     return;
                   }
                   UserSecret s;
                   if (r.found) s = secret_from_stored(r.stored);
                   s.from_auth_query = true;
                   s.fetched_at = std::chrono::steady_clock::now();
                   if (r.found) shared_.credentials.put(user, s);
                   deliver(s, {});
                 });
}

void PgService::route_cancel(int32_t pid, int32_t secret) {
  auto target = shared_.cancels.find(pid, secret);
  if (!target) {
    spdlog::debug("cancel request for unknown key {}", pid);
    return;
  }
  if (target->worker < 0 || std::size_t(target->worker) >= shared_.services.size()) return;
  PgService* svc = shared_.services[std::size_t(target->worker)];
  uint64_t id = target->client_id;
  if (svc == this) {
    cancel_client(id);
  } else {
    svc->worker().post([svc, id] { svc->cancel_client(id); });
  }
}

void PgService::cancel_client(uint64_t client_id) {
  if (ClientSession* c = find_client(client_id)) c->cancel_running_query();
}

void PgService::send_cancel(const std::string& host, uint16_t port, int32_t pid, int32_t secret) {
  auto* sender = new CancelSender(worker_, pid, secret);
  sender->start(host, port);
}

bool PgService::migrate_server(const std::string& key, ServerConnection* server) {
  auto it = pools_.find(key);
  if (it == pools_.end()) return false;
  pool::PoolCapacity& capacity = it->second->pool->capacity();
  int best = -1;
  int most = 0;
  for (std::size_t i = 0; i < capacity.waiting_by_worker.size() && i < shared_.services.size(); ++i) {
    if (int(i) == worker_.index()) continue;
    int w = capacity.waiting_by_worker[i].load(std::memory_order_relaxed);
    if (w > most) {
      most = w;
      best = int(i);
    }
  }
  if (best < 0 || !server->detach_for_migration()) return false;
  servers_.erase(server);
  server->pool = nullptr;
  PgService* target = shared_.services[std::size_t(best)];
  target->worker().post([target, server, key] { target->adopt_server(server, key); });
  return true;
}

void PgService::adopt_server(ServerConnection* server, const std::string& key) {
  auto it = pools_.find(key);
  bool attached = server->attach_to(*this);
  if (it == pools_.end() || !attached) {
    // Nothing here can use it, or the socket could not be adopted: give the capacity back.
    shared_.capacity_for(key, 0, int(shared_.services.size()))->open.fetch_sub(1, std::memory_order_relaxed);
    if (!attached) {
      delete server;
      return;
    }
    servers_.insert(server);
    server->close_server("moved to a worker without that pool");
    return;
  }
  servers_.insert(server);
  it->second->pool->adopt(server);
}

void PgService::retry_pool(const std::string& key) {
  auto it = pools_.find(key);
  if (it != pools_.end()) it->second->pool->retry_waiters();
}

void PgService::defer_delete(ClientSession* c) { dead_clients_.push_back(c); }
void PgService::defer_delete(ServerConnection* s) {
  if (servers_.erase(s)) dead_servers_.push_back(s);
}

void PgService::collect_garbage() {
  while (!dead_clients_.empty() || !dead_servers_.empty()) {
    auto clients = std::move(dead_clients_);
    auto servers = std::move(dead_servers_);
    dead_clients_.clear();
    dead_servers_.clear();
    for (auto* c : clients) {
      delete c;
      shared_.open_sessions.fetch_sub(1, std::memory_order_relaxed);
    }
    for (auto* s : servers) delete s;
  }
}

void PgService::janitor() {
  uint64_t now = worker_.now_ms();
  const auto& t = config_->timeouts;
  std::vector<std::pair<ClientSession*, const char*>> reasons;
  for (auto& [id, c] : clients_) {
    if (!c->logged_in()) {
      if (t.client_login_timeout > 0 && double(now - c->connected_ms()) > t.client_login_timeout * 1000)
        reasons.emplace_back(c, "client_login_timeout: login took too long");
    } else if (c->idle_between_transactions()) {
      if (t.client_idle_timeout > 0 && double(now - c->last_activity_ms()) > t.client_idle_timeout * 1000)
        reasons.emplace_back(c, "client_idle_timeout: connection idle too long");
      else if (draining_ && !c->server())
        reasons.emplace_back(c, "the proxy is shutting down");
    }
  }
  for (auto& [c, why] : reasons) c->terminate(draining_ ? "57P01" : "08P01", why);
  const double held_ms = double(now - last_janitor_ms_);
  last_janitor_ms_ = now;
  for (auto& [key, entry] : pools_) {
    entry->pool->janitor();
    if (draining_) entry->pool->close_idle("shutting down");
    if (recorder_) {
      pool::PoolCounters pc = entry->pool->counters();
      recorder_->pool(workload::PoolKey{entry->database, entry->login_user})
          .observe(pc.active, pc.waiting, pc.active, pc.idle + pc.active + pc.connecting, held_ms);
    }
  }
}

workload::WorkloadTable PgService::take_workload() {
  if (!recorder_) return workload::WorkloadTable(1);
  return recorder_->take();
}

void PgService::set_paused(const std::string& database, bool paused) {
  if (paused) {
    paused_.insert(database);
  } else if (database.empty()) {
    paused_.clear();
  } else {
    paused_.erase(database);
  }
  for (auto& [key, entry] : pools_) entry->pool->set_paused(is_paused(entry->database));
}

void PgService::collect_live(observe::LiveState& out) const {
  const int w = int(worker_.index());
  if (recorder_) {
    observe::QueryRecorderCounters rc = recorder_->counters();
    out.queries_recorded += rc.recorded;
    out.fingerprint_cache_hits += rc.fingerprint_hits;
    out.fingerprint_cache_misses += rc.fingerprint_misses;
  }
  std::unordered_map<const pool::ServerPool*, const PoolEntry*> entry_of;
  for (const auto& [key, entry] : pools_) {
    entry_of[entry->pool.get()] = entry.get();
    pool::PoolCounters pc = entry->pool->counters();
    observe::PoolLive p;
    p.database = entry->database;
    p.user = entry->login_user;
    p.pool_mode = entry->db && entry->db->pool_mode == common::PoolMode::Session ? "session" : "transaction";
    p.pool_size = entry->db ? entry->db->pool_size : 0;
    p.cl_waiting = pc.waiting;
    p.sv_active = pc.active;
    p.sv_idle = pc.idle;
    p.sv_login = pc.connecting;
    p.maxwait_ms = double(pc.max_wait_ms);
    p.paused = entry->pool->paused();
    out.pools.push_back(std::move(p));
  }
  auto pool_row = [&](const std::string& db, const std::string& user) -> observe::PoolLive* {
    for (std::size_t i = out.pools.size(); i-- > 0;) {
      observe::PoolLive& p = out.pools[i];
      if (p.database == db && p.user == user) return &p;
    }
    return nullptr;
  };
  const int64_t wall_offset = common::unix_now_ms() - int64_t(worker_.now_ms());
  for (const auto& [id, c] : clients_) {
    observe::ClientLive cl;
    c->describe_live(cl);
    cl.worker = w;
    cl.connect_time_ms += wall_offset;
    cl.request_time_ms += wall_offset;
    if (cl.server_id == 0 && cl.state != "waiting" && cl.state != "login") {
      if (const PoolEntry* e = c->pool_entry())
        if (observe::PoolLive* p = pool_row(e->database, e->login_user)) ++p->cl_idle;
    } else if (cl.state == "active") {
      if (const PoolEntry* e = c->pool_entry())
        if (observe::PoolLive* p = pool_row(e->database, e->login_user)) ++p->cl_active;
    }
    out.clients.push_back(std::move(cl));
  }
  for (const ServerConnection* s : servers_) {
    observe::ServerLive sv;
    sv.id = reinterpret_cast<uintptr_t>(s);
    sv.worker = w;
    sv.user = s->login().user;
    auto it = entry_of.find(s->pool);
    sv.database = it != entry_of.end() ? it->second->database : s->login().database;
    switch (s->state) {
      case pool::PooledServer::State::Connecting:
        sv.state = "login";
        break;
      case pool::PooledServer::State::Idle:
        sv.state = "idle";
        break;
      case pool::PooledServer::State::Active:
        sv.state = "active";
        break;
      case pool::PooledServer::State::Gone:
        sv.state = "closing";
        break;
    }
    sv.addr = s->login().host;
    sv.port = s->login().port;
    sv.connect_time_ms = int64_t(s->created_ms) + wall_offset;
    sv.request_time_ms = int64_t(s->last_used_ms) + wall_offset;
    sv.backend_pid = s->backend_pid();
    sv.client_id = s->client() ? s->client()->id() : 0;
    sv.tls = s->is_tls();
    out.servers.push_back(std::move(sv));
  }
}

void PgService::apply_config(std::shared_ptr<const common::Config> config) {
  retired_configs_.push_back(config_);
  config_ = std::move(config);
  for (auto& [key, entry] : pools_) {
    const common::DatabaseConfig* db = config_->find_database(entry->db->name);
    if (db && db->name == entry->db->name) {
      entry->db = db;
      shared_.set_capacity(key, db->pool_size);
    }
    entry->pool->update_settings(pool_settings());
    entry->pool->retry_waiters();
  }
}

void PgService::begin_drain() {
  draining_ = true;
  janitor();
}

bool PgService::drained() const { return clients_.empty(); }

void PgService::stop_fast() {
  draining_ = true;
  std::vector<ClientSession*> all;
  for (auto& [id, c] : clients_) all.push_back(c);
  for (auto* c : all) c->terminate("57P01", "the proxy is stopping");
  // Whatever is left (idle, resetting after a session, still logging in) closes now.
  std::vector<ServerConnection*> servers(servers_.begin(), servers_.end());
  for (auto* s : servers) s->close_server("the proxy is stopping");
  collect_garbage();
}

}  // namespace sluice::proxy::pg
