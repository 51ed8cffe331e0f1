#include "proxy/pg/client_session.h"

#include <spdlog/spdlog.h>

#include "proxy/pg/codec/backend_messages.h"
#include "proxy/pg/codec/frontend_messages.h"
#include "proxy/pg/codec/protocol.h"
#include "proxy/pg/pg_service.h"
#include "proxy/pg/server_connection.h"
#include "proxy/pool/server_pool.h"
#include "proxy/shared_state.h"

namespace sluice::proxy::pg {

namespace {
constexpr std::size_t kMaxBufferedWhileWaiting = 1 << 20;

uint64_t now_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}
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
  if (observer_.enabled() && !resuming_) arrival_ns_ = now_ns();
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
    if (observer_.enabled()) wait_started_ns_ = arrival_ns_ ? arrival_ns_ : now_ns();
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
    uint64_t now = now_ns();
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

// ---- query traffic --------------------------------------------------------------------------

void ClientSession::push(PendingRequest::Kind kind, std::string server_statement, std::string client_statement) {
  PendingRequest& r = queue_.emplace_back();
  r.kind = kind;
  if (!server_statement.empty()) r.server_statement = std::move(server_statement);
  if (!client_statement.empty()) r.client_statement = std::move(client_statement);
  if (kind == PendingRequest::Kind::SyntheticParseComplete || kind == PendingRequest::Kind::SyntheticCloseComplete)
    emit_synthetic();
}

void ClientSession::emit_synthetic() {
  while (!queue_.empty()) {
    auto k = queue_.front().kind;
    if (k == PendingRequest::Kind::SyntheticParseComplete) {
      if (conn_) write_parse_complete(conn_->out_buffer());
    } else if (k == PendingRequest::Kind::SyntheticCloseComplete) {
      if (conn_) write_close_complete(conn_->out_buffer());
    } else {
      return;
    }
    queue_.pop_front();
  }
}

void ClientSession::ensure_prepared(const ClientStatement& st) {
  if (server_->statements().has(st.server_name)) return;
  write_parse(server_->out(), st.server_name, st.query, st.param_types_raw, st.param_count);
  server_->statements().add(st.server_name);
  push(PendingRequest::Kind::InjectedParse, st.server_name);
}

std::size_t ClientSession::process_messages(std::string_view data) {
  std::size_t consumed = 0;
  const std::size_t max = service_.config().limits.max_message_size;
  while (phase_ == Phase::Ready) {
    FrameResult fr = next_frame(data.substr(consumed), max);
    if (fr.status == FrameStatus::Incomplete) break;
    if (fr.status == FrameStatus::TooLarge) {
      terminate("08P01", "message of " + std::to_string(fr.needed) + " bytes exceeds max_message_size (" +
                             std::to_string(max) + " bytes)");
      return data.size();
    }
    if (fr.status == FrameStatus::Malformed) {
      protocol_error("invalid message length");
      return data.size();
    }
    if (!server_) {
      if (fr.frame.type == fe::kTerminate) {
        close_session("client terminated");
        return data.size();
      }
      if (std::size_t used = answer_without_server(data.substr(consumed), fr.frame)) {
        consumed += used;
        continue;
      }
      if (!acquire_server()) break;
      if (phase_ != Phase::Ready) return data.size();
    }
    std::string_view raw = data.substr(consumed, fr.frame.total);
    consumed += fr.frame.total;
    if (!handle_frame(fr.frame, raw)) return data.size();
  }
  if (server_) {
    server_->flush();
    if (server_ && server_->congested() && conn_) conn_->pause_reading();
  }
  return consumed;
}

std::size_t ClientSession::answer_without_server(std::string_view data, const Frame& first) {
  if (!transaction_pooling_ || waiting || !conn_) return 0;
  if (first.type != fe::kParse && first.type != fe::kClose) return 0;
  FrameResult next = next_frame(data.substr(first.total), service_.config().limits.max_message_size);
  if (next.status != FrameStatus::Complete || next.frame.type != fe::kSync) return 0;
  auto& out = conn_->out_buffer();
  if (first.type == fe::kParse) {
    auto m = decode_parse(first.body);
    if (!m || m->statement.empty() || statements_.find(m->statement)) return 0;
    if (!pool_entry_->known_statements.count(server_statement_name(m->query, m->param_types_raw))) return 0;
    statements_.add(m->statement, m->query, m->param_types_raw, m->param_count);
    observer_.on_parse(m->statement, m->query);
    write_parse_complete(out);
  } else {
    auto m = decode_describe_or_close(first.body);
    if (!m || m->kind != 'S' || m->name.empty()) return 0;
    statements_.remove(m->name);
    observer_.on_close('S', m->name);
    write_close_complete(out);
  }
  write_ready_for_query(out, kTxIdle);
  return first.total + next.frame.total;
}

bool ClientSession::handle_frame(const Frame& f, std::string_view raw) {
  using K = PendingRequest::Kind;
  SPDLOG_TRACE("client {} -> '{}' ({} bytes), queue {}", id_, f.type, raw.size(), queue_.size());
  std::string& out = server_->out();
  observer_.add_bytes_in(raw.size());
  switch (f.type) {
    case fe::kQuery:
      out.append(raw);
      push(K::Query);
      if (observer_.enabled()) {
        auto text = decode_query(f.body);
        observer_.start_query(queue_.back(), text ? *text : std::string_view(), arrival_ns_);
      }
      return true;
    case fe::kParse: {
      auto m = decode_parse(f.body);
      if (!m) {
        protocol_error("malformed Parse message");
        return false;
      }
      if (transaction_pooling_ && !m->statement.empty()) {
        if (statements_.find(m->statement)) {
          reject_duplicate_statement(m->statement);
          return true;
        }
        observer_.on_parse(m->statement, m->query);
        const ClientStatement& st = statements_.add(m->statement, m->query, m->param_types_raw, m->param_count);
        if (server_->statements().has(st.server_name)) {
          push(K::SyntheticParseComplete);
        } else {
          write_parse(out, st.server_name, st.query, st.param_types_raw, st.param_count);
          server_->statements().add(st.server_name);
          push(K::Parse, st.server_name, std::string(m->statement));
        }
        return true;
      }
      observer_.on_parse(m->statement, m->query);
      out.append(raw);
      push(K::Parse);
      return true;
    }
    case fe::kBind: {
      auto m = decode_bind(f.body);
      if (!m) {
        protocol_error("malformed Bind message");
        return false;
      }
      observer_.on_bind(m->portal, m->statement, m->rest);
      if (transaction_pooling_ && !m->statement.empty()) {
        if (const ClientStatement* st = statements_.find(m->statement)) {
          ensure_prepared(*st);
          MessageWriter(out).begin(fe::kBind).cstr(m->portal).cstr(st->server_name).bytes(m->rest).end();
          push(K::Bind);
          return true;
        }
      }
      out.append(raw);
      push(K::Bind);
      return true;
    }
    case fe::kDescribe: {
      auto m = decode_describe_or_close(f.body);
      if (!m) {
        protocol_error("malformed Describe message");
        return false;
      }
      if (m->kind == 'S' && transaction_pooling_ && !m->name.empty()) {
        if (const ClientStatement* st = statements_.find(m->name)) {
          ensure_prepared(*st);
          MessageWriter(out).begin(fe::kDescribe).int8('S').cstr(st->server_name).end();
          push(K::DescribeStatement);
          return true;
        }
      }
      out.append(raw);
      push(m->kind == 'S' ? K::DescribeStatement : K::DescribePortal);
      return true;
    }
    case fe::kClose: {
      auto m = decode_describe_or_close(f.body);
      if (!m) {
        protocol_error("malformed Close message");
        return false;
      }
      observer_.on_close(m->kind, m->name);
      if (m->kind == 'S' && transaction_pooling_ && !m->name.empty()) {
        statements_.remove(m->name);
        push(K::SyntheticCloseComplete);
        return true;
      }
      out.append(raw);
      push(K::Close);
      return true;
    }
    case fe::kExecute:
      out.append(raw);
      push(K::Execute);
      if (observer_.enabled()) {
        // Execute: portal name, then the row limit.
        std::string_view portal = f.body.substr(0, f.body.find('\0'));
        observer_.start_execute(queue_.back(), portal, arrival_ns_);
      }
      return true;
    case fe::kSync:
      out.append(raw);
      push(K::Sync);
      return true;
    case fe::kFlush:
      out.append(raw);
      return true;
    case fe::kFunctionCall:
      out.append(raw);
      push(K::FunctionCall);
      return true;
    case fe::kCopyData:
      out.append(raw);
      return true;
    case fe::kCopyDone:
    case fe::kCopyFail:
      out.append(raw);
      in_copy_in_ = false;
      return true;
    case fe::kTerminate:
      close_session("client terminated");
      return false;
    default:
      protocol_error(std::string("unknown or unexpected message type '") +
                     (std::isprint(static_cast<unsigned char>(f.type)) ? std::string(1, f.type) : std::string("?")) +
                     "'");
      return false;
  }
}

void ClientSession::reject_duplicate_statement(std::string_view name) {
  // The server must fail this point of the stream itself, so that it skips to the next Sync
  // and aborts an open transaction exactly as a real duplicate would.
  using K = PendingRequest::Kind;
  std::string clean;
  for (char c : name)
    if (c != '$' && c != '\'') clean.push_back(c);
  std::string sql = "DO $sluice$BEGIN RAISE EXCEPTION USING ERRCODE = '42P05', MESSAGE = 'prepared statement \"" +
                    clean + "\" already exists'; END$sluice$";
  std::string& out = server_->out();
  write_parse(out, "", sql, "", 0);
  push(K::InjectedParse);
  MessageWriter(out).begin(fe::kBind).cstr("").cstr("").int16(0).int16(0).int16(0).end();
  push(K::InjectedBind);
  MessageWriter(out).begin(fe::kExecute).cstr("").int32(0).end();
  push(K::Execute);
}

void ClientSession::on_error_from_server(std::string_view raw) {
  using K = PendingRequest::Kind;
  forward_to_client(raw);
  in_copy_in_ = false;
  if (observer_.enabled()) {
    observer_.on_error(decode_error_fields(raw.substr(5)).sqlstate);
    // The query this error ends: the Execute at the head, or the first one the server will now
    // skip (its Parse or Bind failed). Later Executes up to the Sync never ran.
    uint64_t now = now_ns();
    bool charged = false;
    for (std::size_t i = 0; i < queue_.size(); ++i) {
      PendingRequest& r = queue_[i];
      if (r.kind == K::Sync || r.kind == K::Query || r.kind == K::InternalQuery) break;
      if (r.kind == K::Execute && r.observed) {
        observer_.finish(r, now);
        charged = true;
        break;
      }
    }
    if (!charged) observer_.clear_reply_state();
  }
  auto drop = [this](const PendingRequest& r) {
    if ((r.kind == K::Parse || r.kind == K::InjectedParse) && !r.server_statement.empty() && server_)
      server_->statements().remove(r.server_statement);
    if (r.kind == K::Parse && !r.client_statement.empty()) {
      const ClientStatement* st = statements_.find(r.client_statement);
      if (st && st->server_name == r.server_statement) statements_.remove(r.client_statement);
    }
  };
  if (!queue_.empty()) {
    drop(queue_.front());
    queue_.pop_front();
  }
  // The server skips everything up to the next Sync.
  while (!queue_.empty() && queue_.front().kind != K::Sync && queue_.front().kind != K::Query &&
         queue_.front().kind != K::InternalQuery) {
    drop(queue_.front());
    queue_.pop_front();
  }
}

void ClientSession::on_server_message(ServerConnection& s, const Frame& f, std::string_view raw) {
  using K = PendingRequest::Kind;
  const char t = f.type;
  SPDLOG_TRACE("client {} <- '{}' ({} bytes), queue {} head {}", id_, t, raw.size(), queue_.size(),
               queue_.empty() ? -1 : int(queue_.front().kind));
  const bool internal = !queue_.empty() && queue_.front().kind == K::InternalQuery;
  if (t == be::kNoticeResponse || t == be::kNotification) {
    if (!internal) forward_to_client(raw);
    return;
  }
  if (t == be::kParameterStatus) {
    auto ps = decode_parameter_status(f.body);
    if (ps) s.reported_params().set(ps->name, ps->value);
    if (internal) return;
    if (ps && welcome_sent_) {
      // The client changed a setting itself (SET ...): remember it for the next server.
      wanted_.set(ps->name, ps->value);
      s.requested_params().set(ps->name, ps->value);
    }
    forward_to_client(raw);
    return;
  }
  if (queue_.empty()) {
    if (t == be::kReadyForQuery) {
      if (auto st = decode_ready_for_query(f.body)) tx_status_ = *st;
      s.set_tx_status(tx_status_);
    }
    forward_to_client(raw);
    return;
  }
  PendingRequest& head = queue_.front();
  switch (head.kind) {
    case K::Query:
    case K::FunctionCall:
    case K::InternalQuery:
      if (t == be::kReadyForQuery) {
        auto st = decode_ready_for_query(f.body);
        char status = st ? *st : kTxIdle;
        s.set_tx_status(status);
        if (!internal) observe_ready_for_query(head, status, raw.size());
        queue_.pop_front();
        if (!internal) {
          tx_status_ = status;
          in_copy_in_ = false;
          conn_->write(raw);  // counted by observe_ready_for_query
        }
        emit_synthetic();
        maybe_release_after_ready();
        return;
      }
      if (internal) {
        if (t == be::kErrorResponse)
          spdlog::warn("client {}: setting session parameters failed: {}", id_, decode_error_fields(f.body).message);
        return;
      }
      if (t == be::kCopyInResponse) in_copy_in_ = true;
      if (t == be::kErrorResponse && observer_.enabled())
        observer_.on_error(decode_error_fields(f.body).sqlstate);
      if (t == be::kCommandComplete) {
        observer_.on_command_complete(f.body);
        auto tag = decode_command_complete(f.body);
        if (tag && (*tag == "DISCARD ALL" || *tag == "DEALLOCATE ALL")) {
          s.statements().clear();
          if (*tag == "DISCARD ALL") s.requested_params().clear();
        }
      }
      forward_to_client(raw);
      return;
    case K::Parse:
    case K::InjectedParse:
      if (t == be::kParseComplete) {
        bool swallow = head.kind == K::InjectedParse;
        if (!head.server_statement.empty() && pool_entry_) pool_entry_->known_statements.insert(head.server_statement);
        queue_.pop_front();
        if (!swallow) forward_to_client(raw);
        emit_synthetic();
        return;
      }
      break;
    case K::Bind:
    case K::InjectedBind:
      if (t == be::kBindComplete) {
        bool swallow = head.kind == K::InjectedBind;
        queue_.pop_front();
        if (!swallow) forward_to_client(raw);
        emit_synthetic();
        return;
      }
      break;
    case K::DescribeStatement:
      if (t == be::kParameterDescription) {
        forward_to_client(raw);
        return;
      }
      [[fallthrough]];
    case K::DescribePortal:
      if (t == be::kRowDescription || t == be::kNoData) {
        queue_.pop_front();
        forward_to_client(raw);
        emit_synthetic();
        return;
      }
      break;
    case K::Execute:
      if (t == be::kCommandComplete || t == be::kEmptyQuery || t == be::kPortalSuspended) {
        forward_to_client(raw);
        if (head.observed) {
          if (t == be::kCommandComplete) observer_.on_command_complete(f.body);
          observer_.finish(head, now_ns());
        }
        queue_.pop_front();
        emit_synthetic();
        return;
      }
      if (t == be::kErrorResponse) break;
      if (t == be::kCopyInResponse) in_copy_in_ = true;
      forward_to_client(raw);
      return;
    case K::Close:
      if (t == be::kCloseComplete) {
        queue_.pop_front();
        forward_to_client(raw);
        emit_synthetic();
        return;
      }
      break;
    case K::Sync:
      if (t == be::kReadyForQuery) {
        auto st = decode_ready_for_query(f.body);
        tx_status_ = st ? *st : kTxIdle;
        s.set_tx_status(tx_status_);
        observe_ready_for_query(head, tx_status_, raw.size());
        queue_.pop_front();
        conn_->write(raw);  // counted by observe_ready_for_query
        emit_synthetic();
        maybe_release_after_ready();
        return;
      }
      break;
    case K::SyntheticParseComplete:
    case K::SyntheticCloseComplete:
      break;
  }
  if (t == be::kErrorResponse) {
    on_error_from_server(raw);
    return;
  }
  forward_to_client(raw);
}

void ClientSession::observe_ready_for_query(PendingRequest& head, char status, std::size_t bytes) {
  if (!observer_.enabled()) return;
  // The ReadyForQuery goes out right after this: its bytes belong to the query it ends.
  observer_.add_bytes_out(bytes);
  if (head.observed) observer_.finish(head, now_ns());
  if (status == kTxIdle) {
    observer_.on_transaction_end();
    observer_.forget_portals();
  }
}

}  // namespace sluice::proxy::pg
