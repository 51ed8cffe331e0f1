#include "proxy/pg/client_session.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "proxy/pg/codec/protocol.h"
#include "proxy/pg/pg_service.h"
#include "proxy/pg/server_connection.h"
#include "proxy/pool/server_pool.h"
#include "proxy/shared_state.h"

namespace sluice::proxy::pg {

namespace {
constexpr std::size_t kMaxBufferedWhileWaiting = 1 << 20;
}  // namespace

ClientSession::ClientSession(PgService& service, uint64_t id)
    : service_(service), id_(id), observer_(service.recorder()) {}

ClientSession::~ClientSession() = default;

void ClientSession::start(net::Connection* conn) {
  conn_ = conn;
  conn_->set_handler(this);
  conn_->start_reading();
  connected_ms_ = last_activity_ms_ = service_.now_ms();
}

bool ClientSession::idle_between_transactions() const {
  return phase_ == Phase::Ready && queue_.empty() && tx_status_ == kTxIdle && !in_copy_in_;
}

void ClientSession::describe_live(observe::ClientLive& out) const {
  out.id = id_;
  out.user = user_;
  out.database = database_;
  if (phase_ != Phase::Ready) {
    out.state = "login";
  } else if (server_) {
    out.state = "active";
  } else if (waiting) {
    out.state = "waiting";
    out.wait_ms = double(service_.worker().now_ms() - wait_started_ms);
  } else {
    out.state = "idle";
  }
  if (conn_) {
    std::string peer = conn_->peer_address();
    std::size_t colon = peer.rfind(':');
    out.addr = colon == std::string::npos ? peer : peer.substr(0, colon);
    out.port = colon == std::string::npos ? 0 : std::atoi(peer.c_str() + colon + 1);
    out.tls = conn_->is_tls();
  }
  out.connect_time_ms = int64_t(connected_ms_);
  out.request_time_ms = int64_t(last_activity_ms_);
  out.server_id = server_ ? reinterpret_cast<uintptr_t>(server_) : 0;
  if (const std::string* app = wanted_.get("application_name")) out.application_name = *app;
}

// ---- errors and closing ---------------------------------------------------------------------

void ClientSession::send_error(std::string_view severity, std::string_view sqlstate, std::string_view message,
                               std::string_view detail) {
  if (!conn_) return;
  ErrorFields e;
  e.severity = std::string(severity);
  e.sqlstate = std::string(sqlstate);
  e.message = std::string(message);
  e.detail = std::string(detail);
  write_error_response(conn_->out_buffer(), e);
}

void ClientSession::protocol_error(std::string_view message) {
  spdlog::info("client {} ({}): protocol violation: {}", id_, conn_ ? conn_->peer_address() : "?", message);
  send_error("FATAL", "08P01", std::string("protocol violation: ") + std::string(message));
  close_session(message);
}

void ClientSession::terminate(std::string_view sqlstate, std::string_view message) {
  send_error("FATAL", sqlstate, message);
  close_session(message);
}

void ClientSession::leave_server() {
  if (!server_) return;
  ServerConnection* s = server_;
  server_ = nullptr;
  s->detach();
  bool clean = queue_.empty() && s->tx_status() == kTxIdle && !in_copy_in_;
  queue_.clear();
  if (!clean) {
    s->close_server("client left in the middle of a transaction or a result");
    return;
  }
  if (transaction_pooling_) {
    if (s->pool) s->pool->release(s);
  } else {
    s->reset_and_release();
  }
}

void ClientSession::close_session(std::string_view reason) {
  if (phase_ == Phase::Closed) return;
  spdlog::debug("client {} closing: {}", id_, reason);
  phase_ = Phase::Closed;
  if (waiting && pool_entry_) pool_entry_->pool->cancel_wait(this);
  leave_server();
  if (cancel_pid_) service_.shared().cancels.remove(cancel_pid_);
  if (counted_) service_.shared().client_count.fetch_sub(1, std::memory_order_relaxed);
  counted_ = false;
  if (conn_) {
    conn_->flush();
    conn_->close();
    conn_ = nullptr;
  }
  service_.unregister_client(this);
  service_.defer_delete(this);
}

void ClientSession::on_closed(net::Connection&, std::string_view reason) {
  conn_ = nullptr;
  close_session(reason);
}

void ClientSession::on_tls_ready(net::Connection&, bool ok, std::string_view error) {
  if (!ok) {
    spdlog::info("client {}: {}", id_, error);
    return;  // the connection closes itself
  }
  phase_ = Phase::Startup;
}

void ClientSession::on_drained(net::Connection&) {
  if (server_) server_->resume_reading();
}

void ClientSession::on_server_drained(ServerConnection&) {
  if (conn_ && !waiting) conn_->resume_reading();
}

// ---- reading --------------------------------------------------------------------------------

void ClientSession::on_read(net::Connection&, std::string_view data) {
  last_activity_ms_ = service_.now_ms();
  if (observer_.enabled() && !resuming_) arrival_ns_ = common::steady_now_ns();
  struct ReadGuard {
    bool& flag;
    bool old;
    explicit ReadGuard(bool& f) : flag(f), old(f) { flag = true; }
    ~ReadGuard() { flag = old; }
  } guard(in_read_);
  auto run = [this](std::string_view d) -> std::size_t {
    std::size_t used = 0;
    while (phase_ != Phase::Closed && used < d.size()) {
      std::size_t n = 0;
      switch (phase_) {
        case Phase::Startup:
          n = handle_startup(d.substr(used));
          break;
        case Phase::Auth: {
          FrameResult fr = next_frame(d.substr(used), 64 * 1024);
          if (fr.status == FrameStatus::Incomplete) return used;
          if (fr.status != FrameStatus::Complete) {
            protocol_error("invalid authentication message");
            return d.size();
          }
          n = fr.frame.total;
          handle_auth_message(fr.frame);
          break;
        }
        case Phase::Ready:
          n = admin_ ? process_admin_messages(d.substr(used)) : process_messages(d.substr(used));
          break;
        default:
          return used;  // waiting for a secret or a server: keep the bytes
      }
      if (n == 0) break;
      used += n;
    }
    return used;
  };
  if (in_.empty()) {
    std::size_t used = run(data);
    if (phase_ == Phase::Closed) return;
    if (used < data.size()) in_.assign(data.data() + used, data.size() - used);
  } else {
    in_.append(data.data(), data.size());
    std::size_t used = run(in_);
    if (phase_ == Phase::Closed) return;
    in_.erase(0, used);
  }
  if (conn_) {
    if (waiting && in_.size() > kMaxBufferedWhileWaiting) conn_->pause_reading();
    conn_->flush();
  }
}

void ClientSession::resume_input() {
  if (in_read_ || phase_ == Phase::Closed || !conn_) return;
  if (!in_.empty()) {
    std::string pending;
    pending.swap(in_);
    resuming_ = true;
    on_read(*conn_, pending);
    resuming_ = false;
    // Keep a small buffer for the next wait (a client that waits once mostly waits again).
    if (in_.empty() && pending.capacity() <= 4096 && phase_ != Phase::Closed) {
      pending.clear();
      in_.swap(pending);
    }
  }
  if (server_) server_->flush();
  if (conn_) conn_->flush();
}

// ---- servers --------------------------------------------------------------------------------

bool ClientSession::acquire_server() {
  if (server_) return true;
  if (waiting) return false;
  pool::PooledServer* s = pool_entry_->pool->acquire(this);
  if (!s) {
    if (observer_.enabled()) wait_started_ns_ = arrival_ns_ ? arrival_ns_ : common::steady_now_ns();
    return false;
  }
  observer_.on_server_acquired(0);
  link(static_cast<ServerConnection*>(s));
  return true;
}

void ClientSession::link(ServerConnection* s) {
  server_ = s;
  s->attach(this);
  sync_params_on_link();
}

void ClientSession::sync_params_on_link() {
  std::string sql = sync_params_sql(wanted_, server_->requested_params(), server_->reported_params(),
                                    server_->params_sync_memo());
  if (sql.empty()) return;
  write_query(server_->out(), sql);
  push(PendingRequest::Kind::InternalQuery);
}

void ClientSession::on_server_assigned(pool::PooledServer* p) {
  auto* s = static_cast<ServerConnection*>(p);
  if (phase_ == Phase::Closed) {
    if (s->pool) s->pool->release(s);
    return;
  }
  if (observer_.enabled() && wait_started_ns_ != 0) {
    uint64_t now = common::steady_now_ns();
    observer_.on_server_acquired(now > wait_started_ns_ ? now - wait_started_ns_ : 0);
    wait_started_ns_ = 0;
  }
  link(s);
  if (phase_ == Phase::Welcome) {
    send_welcome();
    if (phase_ == Phase::Closed) return;
  }
  if (conn_) conn_->resume_reading();
  resume_input();
  if (server_) server_->flush();
}

void ClientSession::on_pool_error(std::string_view sqlstate, std::string_view message, bool) {
  spdlog::info("client {} ({}@{}): {}", id_, user_, database_, message);
  terminate(sqlstate, message);
}

void ClientSession::release_server() {
  if (!server_) return;
  ServerConnection* s = server_;
  server_ = nullptr;
  s->detach();
  if (conn_) conn_->flush();
  if (s->pool) s->pool->release(s);
  if (service_.draining() && phase_ != Phase::Closed) terminate("57P01", "the proxy is shutting down");
}

void ClientSession::maybe_release_after_ready() {
  if (transaction_pooling_ && phase_ == Phase::Ready && queue_.empty() && tx_status_ == kTxIdle && !in_copy_in_)
    release_server();
}

void ClientSession::on_server_lost(ServerConnection&, std::string_view reason) {
  server_ = nullptr;
  queue_.clear();
  if (phase_ == Phase::Closed) return;
  terminate("08006", "server connection lost: " + std::string(reason));
}

void ClientSession::after_server_data(ServerConnection& s) {
  if (!conn_) return;
  conn_->flush();
  if (conn_->congested()) s.pause_reading();
}

void ClientSession::cancel_running_query() {
  if (!server_) return;
  const auto& login = server_->login();
  service_.send_cancel(login.host, login.port, server_->backend_pid(), server_->backend_secret());
}

}  // namespace sluice::proxy::pg
