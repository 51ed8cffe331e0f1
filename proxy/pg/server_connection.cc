#include "proxy/pg/server_connection.h"

#include <spdlog/spdlog.h>

#include "proxy/pg/auth/md5_password.h"
#include "proxy/pg/client_session.h"
#include "proxy/pg/codec/backend_messages.h"
#include "proxy/pg/codec/message_writer.h"
#include "proxy/pg/codec/protocol.h"
#include "proxy/pg/pg_service.h"
#include "proxy/pool/server_pool.h"

namespace sluice::proxy::pg {

namespace {
constexpr std::size_t kServerMaxMessage = 1ull << 30;  // servers are trusted; bound only against corruption
}

ServerConnection::ServerConnection(PgService& service, ServerLogin login)
    : service_(&service), login_(std::move(login)) {}

void ServerConnection::start() {
  conn_ = new net::Connection(service_->worker(), this);
  conn_->connect(login_.host, login_.port);
}

std::string ServerConnection::describe() const {
  return login_.user + "@" + login_.host + ":" + std::to_string(login_.port) + "/" + login_.database;
}

void ServerConnection::flush() {
  if (conn_) conn_->flush();
}

void ServerConnection::pause_reading() {
  if (conn_) conn_->pause_reading();
}

void ServerConnection::resume_reading() {
  if (conn_) conn_->resume_reading();
}

void ServerConnection::on_connected(net::Connection&, int status) {
  if (phase_ == Phase::Closed) return;
  if (status != 0) {
    fail("08001", "could not connect to server " + login_.host + ":" + std::to_string(login_.port) + ": " +
                      uv_strerror(status));
    return;
  }
  if (login_.tls_mode != common::TlsMode::Disable && login_.tls_ctx) {
    write_ssl_request(conn_->out_buffer());
    conn_->flush();
    phase_ = Phase::SslAnswer;
    return;
  }
  if (login_.tls_mode == common::TlsMode::Require) {
    fail("08001", "server TLS is required but no TLS context is configured");
    return;
  }
  send_startup();
}

void ServerConnection::on_tls_ready(net::Connection&, bool ok, std::string_view error) {
  if (phase_ == Phase::Closed) return;
  if (!ok) {
    fail("08001", "TLS handshake with server " + login_.host + " failed: " + std::string(error));
    return;
  }
  send_startup();
}

void ServerConnection::send_startup() {
  phase_ = Phase::Login;
  std::vector<std::pair<std::string, std::string>> params = {
      {"user", login_.user}, {"database", login_.database}};
  write_startup_message(conn_->out_buffer(), params);
  conn_->flush();
}

void ServerConnection::on_read(net::Connection&, std::string_view data) {
  if (phase_ == Phase::SslAnswer) {
    char answer = data.empty() ? 0 : data[0];
    if (answer == 'S') {
      if (data.size() > 1) {
        fail("08P01", "server sent data after accepting TLS");
        return;
      }
      phase_ = Phase::TlsHandshake;
      conn_->start_tls_client(login_.tls_ctx, login_.host);
      return;
    }
    if (answer == 'N') {
      if (login_.tls_mode == common::TlsMode::Require) {
        fail("08001", "server " + login_.host + " does not support TLS, but server_mode is require");
        return;
      }
      data.remove_prefix(1);
      send_startup();
      if (data.empty()) return;
    } else {
      fail("08P01", "unexpected answer to SSLRequest from server");
      return;
    }
  }
  std::size_t consumed = 0;
  if (in_.empty()) {
    process(data, consumed);
    if (phase_ == Phase::Closed) return;
    if (consumed < data.size()) in_.assign(data.data() + consumed, data.size() - consumed);
  } else {
    in_.append(data.data(), data.size());
    process(in_, consumed);
    if (phase_ == Phase::Closed) return;
    in_.erase(0, consumed);
  }
  if (client_) client_->after_server_data(*this);
}

void ServerConnection::process(std::string_view data, std::size_t& consumed) {
  while (phase_ != Phase::Closed) {
    FrameResult fr = next_frame(data.substr(consumed), kServerMaxMessage);
    if (fr.status == FrameStatus::Incomplete) return;
    if (fr.status != FrameStatus::Complete) {
      fail("08P01", "malformed message from server");
      return;
    }
    std::string_view raw = data.substr(consumed, fr.frame.total);
    consumed += fr.frame.total;
    if (phase_ == Phase::Login) {
      handle_login_message(fr.frame);
    } else if (client_) {
      client_->on_server_message(*this, fr.frame, raw);
    } else {
      handle_unlinked_message(fr.frame, raw);
    }
  }
}

void ServerConnection::handle_auth_request(const Frame& f) {
  auto req = decode_auth_request(f.body);
  if (!req) {
    fail("08P01", "malformed authentication request from server");
    return;
  }
  const UserSecret& s = login_.secret;
  auto& out = conn_->out_buffer();
  switch (AuthCode(req->code)) {
    case AuthCode::Ok:
      return;
    case AuthCode::CleartextPassword:
      if (s.plain_password.empty()) {
        fail("28P01", "server asks for a cleartext password for user \"" + login_.user +
                          "\" and the proxy does not know it");
        return;
      }
      write_password_message(out, s.plain_password);
      break;
    case AuthCode::Md5Password: {
      if (req->data.size() < 4) {
        fail("08P01", "malformed md5 request from server");
        return;
      }
      std::array<uint8_t, 4> salt;
      for (int i = 0; i < 4; ++i) salt[i] = uint8_t(req->data[i]);
      std::string basis = !s.plain_password.empty() ? s.plain_password : s.md5_hash;
      if (basis.empty()) {
        fail("28P01", "server asks for md5 authentication of user \"" + login_.user +
                          "\" and the proxy has neither its password nor its md5 hash");
        return;
      }
      write_password_message(out, auth::md5_salted_response(basis, login_.user, salt));
      break;
    }
    case AuthCode::Sasl: {
      if (req->data.find("SCRAM-SHA-256") == std::string_view::npos) {
        fail("28000", "server offers no supported SASL mechanism");
        return;
      }
      if (!s.plain_password.empty()) {
        scram_ = std::make_unique<auth::ScramClient>(s.plain_password);
      } else if (s.scram && s.scram_client_key) {
        scram_ = std::make_unique<auth::ScramClient>(*s.scram_client_key, s.scram->server_key);
      } else {
        fail("28P01", "server asks for SCRAM authentication of user \"" + login_.user +
                          "\" and the proxy has neither its password nor the client's SCRAM keys");
        return;
      }
      write_sasl_initial_response(out, "SCRAM-SHA-256", scram_->client_first_message());
      break;
    }
    case AuthCode::SaslContinue: {
      if (!scram_) {
        fail("08P01", "unexpected SASL continue from server");
        return;
      }
      auto step = scram_->handle_server_first(req->data);
      if (!step.ok) {
        fail("28000", "SCRAM with server failed: " + step.message);
        return;
      }
      write_sasl_response(out, step.message);
      break;
    }
    case AuthCode::SaslFinal:
      if (!scram_ || !scram_->verify_server_final(req->data)) {
        fail("28000", "server's SCRAM signature is wrong: refusing to trust it");
        return;
      }
      return;
    default:
      fail("28000", "server asks for an unsupported authentication method (" + std::to_string(req->code) + ")");
      return;
  }
  conn_->flush();
}

void ServerConnection::handle_login_message(const Frame& f) {
  switch (f.type) {
    case be::kAuthentication:
      handle_auth_request(f);
      return;
    case be::kParameterStatus:
      if (auto ps = decode_parameter_status(f.body)) reported_.set(ps->name, ps->value);
      return;
    case be::kBackendKeyData:
      if (auto k = decode_backend_key_data(f.body)) {
        backend_pid_ = k->pid;
        backend_secret_ = k->secret;
      }
      return;
    case be::kErrorResponse: {
      ErrorFields e = decode_error_fields(f.body);
      fail(e.sqlstate.empty() ? "08001" : e.sqlstate, e.message);
      return;
    }
    case be::kReadyForQuery:
      phase_ = Phase::Ready;
      tx_status_ = kTxIdle;
      scram_.reset();
      spdlog::debug("server {} ready (backend pid {})", describe(), backend_pid_);
      if (pool) pool->on_server_ready(this);
      return;
    case be::kNoticeResponse:
    case be::kNegotiateProtocolVersion:
      return;
    default:
      fail("08P01", std::string("unexpected message '") + f.type + "' from server during login");
      return;
  }
}

void ServerConnection::handle_unlinked_message(const Frame& f, std::string_view) {
  switch (f.type) {
    case be::kParameterStatus:
      if (auto ps = decode_parameter_status(f.body)) reported_.set(ps->name, ps->value);
      return;
    case be::kNoticeResponse:
    case be::kNotification:
      return;
    case be::kReadyForQuery:
      if (phase_ == Phase::Resetting) {
        auto st = decode_ready_for_query(f.body);
        tx_status_ = st ? *st : kTxIdle;
        phase_ = Phase::Ready;
        if (tx_status_ != kTxIdle) {
          close_server("server not idle after reset");
          return;
        }
        if (pool) pool->release(this);
        return;
      }
      break;
    case be::kCommandComplete:
      if (phase_ == Phase::Resetting) {
        statements_.clear();
        requested_.clear();
        return;
      }
      break;
    case be::kErrorResponse: {
      ErrorFields e = decode_error_fields(f.body);
      close_server("server error while idle: " + e.message);
      return;
    }
    default:
      break;
  }
  close_server(std::string("unexpected message '") + f.type + "' from idle server");
}

void ServerConnection::reset_and_release() {
  if (phase_ != Phase::Ready || !conn_) {
    close_server("cannot reset");
    return;
  }
  client_ = nullptr;
  phase_ = Phase::Resetting;
  write_query(conn_->out_buffer(), "DISCARD ALL");
  conn_->flush();
}

bool ServerConnection::detach_for_migration() {
  if (phase_ != Phase::Ready || client_ || !conn_ || !in_.empty() || tx_status_ != kTxIdle) return false;
  net::DetachedSocket d = conn_->detach_socket();
  if (d.fd < 0) return false;
  detached_ = d;
  conn_ = nullptr;
  return true;
}

bool ServerConnection::attach_to(PgService& service) {
  service_ = &service;
  conn_ = net::Connection::adopt(service.worker(), this, detached_);
  detached_ = {};
  return conn_ != nullptr;
}

void ServerConnection::on_drained(net::Connection&) {
  if (client_) client_->on_server_drained(*this);
}

void ServerConnection::on_closed(net::Connection&, std::string_view reason) {
  conn_ = nullptr;
  if (phase_ == Phase::Connecting || phase_ == Phase::SslAnswer || phase_ == Phase::TlsHandshake ||
      phase_ == Phase::Login) {
    fail("08006", "server " + login_.host + ":" + std::to_string(login_.port) + " closed the connection during login: " +
                      std::string(reason));
    return;
  }
  close_server(std::string("server connection lost: ") + std::string(reason));
}

void ServerConnection::fail(std::string_view sqlstate, std::string_view message) {
  if (phase_ == Phase::Closed) return;
  bool was_login = phase_ != Phase::Ready && phase_ != Phase::Resetting;
  if (!was_login) {
    close_server(message);
    return;
  }
  spdlog::warn("server {}: {}", describe(), message);
  phase_ = Phase::Closed;
  if (conn_) {
    conn_->close();
    conn_ = nullptr;
  }
  if (client_) {
    ClientSession* c = client_;
    client_ = nullptr;
    c->on_server_lost(*this, message);
  }
  if (pool) pool->on_server_failed(this, sqlstate, message);
  service_->defer_delete(this);
}

void ServerConnection::close_server(std::string_view reason) {
  if (phase_ == Phase::Closed) return;
  bool was_login = phase_ != Phase::Ready && phase_ != Phase::Resetting;
  if (was_login) {
    fail("08001", reason);
    return;
  }
  spdlog::debug("closing server {}: {}", describe(), reason);
  phase_ = Phase::Closed;
  if (conn_) {
    write_terminate(conn_->out_buffer());
    conn_->flush();
    conn_->close();
    conn_ = nullptr;
  }
  if (client_) {
    ClientSession* c = client_;
    client_ = nullptr;
    c->on_server_lost(*this, reason);
  }
  if (pool) pool->on_server_gone(this);
  service_->defer_delete(this);
}

}  // namespace sluice::proxy::pg
