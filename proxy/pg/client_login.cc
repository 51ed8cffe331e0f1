// Startup, TLS negotiation, authentication and the welcome of a ClientSession: everything
// from the first packet until ReadyForQuery. Query traffic is in client_requests.cc and
// client_replies.cc.
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "proxy/pg/auth/md5_password.h"
#include "proxy/pg/client_session.h"
#include "proxy/pg/codec/frontend_messages.h"
#include "proxy/pg/codec/protocol.h"
#include "proxy/pg/codec/startup_packet.h"
#include "proxy/pg/pg_service.h"
#include "proxy/pg/server_connection.h"
#include "proxy/shared_state.h"

namespace sluice::proxy::pg {
// ---- startup --------------------------------------------------------------------------------

std::size_t ClientSession::handle_startup(std::string_view data) {
  StartupPacket p = decode_startup_packet(data);
  const auto& cfg = service_.config();
  switch (p.kind) {
    case StartupPacket::Kind::Incomplete:
      return 0;
    case StartupPacket::Kind::Invalid:
      protocol_error(p.error);
      return data.size();
    case StartupPacket::Kind::SslRequest: {
      if (data.size() > p.consumed) {
        protocol_error("received unencrypted data after SSL request");
        return data.size();
      }
      if (conn_->is_tls()) {
        protocol_error("SSL request on an already encrypted connection");
        return data.size();
      }
      SSL_CTX* ctx = service_.client_tls();
      if (ctx && cfg.tls.client_mode != common::TlsMode::Disable) {
        conn_->write("S");
        conn_->flush();
        conn_->start_tls_server(ctx);
        phase_ = Phase::TlsHandshake;
      } else {
        conn_->write("N");
        conn_->flush();
      }
      return p.consumed;
    }
    case StartupPacket::Kind::GssEncRequest:
      conn_->write("N");
      conn_->flush();
      return p.consumed;
    case StartupPacket::Kind::CancelRequest:
      service_.route_cancel(p.cancel_pid, p.cancel_secret);
      close_session("cancel request handled");
      return data.size();
    case StartupPacket::Kind::Startup:
      break;
  }
  if (data.size() > p.consumed) {
    protocol_error("received data after the startup packet before authentication");
    return data.size();
  }
  if (cfg.tls.client_mode == common::TlsMode::Require && !conn_->is_tls()) {
    terminate("28000", "TLS is required: connect with sslmode=require");
    return data.size();
  }
  if (p.param("replication")) {
    terminate("08P01", "replication connections are not supported by sluice");
    return data.size();
  }
  const std::string* user = p.param("user");
  if (!user || user->empty()) {
    terminate("28000", "no PostgreSQL user name specified in startup packet");
    return data.size();
  }
  user_ = *user;
  const std::string* db = p.param("database");
  database_ = db && !db->empty() ? *db : user_;
  for (const auto& [k, v] : p.params) {
    if (k == "options") {
      std::vector<std::pair<std::string, std::string>> opts;
      std::string err;
      if (!parse_options(v, opts, err)) {
        terminate("08P01", "invalid options in startup packet: " + err);
        return data.size();
      }
      for (const auto& [ok, ov] : opts) wanted_.set(ok, ov);
    } else if (!is_connection_key(k)) {
      wanted_.set(k, v);
    }
  }
  if (database_ == kAdminDatabaseName) {
    if (!may_use_admin_console(cfg, user_)) {
      terminate("28000", "user \"" + user_ + "\" may not use the admin console (set admin = true under [users." +
                             user_ + "])");
      return data.size();
    }
    admin_ = true;
    // Secrets are looked up as for the first database (its target user, auth_query).
    db_ = &cfg.databases.front();
  } else {
    db_ = cfg.find_database(database_);
  }
  if (!db_) {
    terminate("3D000", "database \"" + database_ + "\" is not configured in sluice");
    return data.size();
  }
  if (service_.draining()) {
    terminate("57P03", "the proxy is shutting down");
    return data.size();
  }
  int count = service_.shared().client_count.fetch_add(1, std::memory_order_relaxed) + 1;
  counted_ = true;
  if (count > cfg.limits.max_client_conn) {
    terminate("53300", "too many client connections (max_client_conn = " +
                           std::to_string(cfg.limits.max_client_conn) + ")");
    return data.size();
  }
  begin_auth();
  return p.consumed;
}

// ---- authentication -------------------------------------------------------------------------

void ClientSession::begin_auth() {
  if (service_.config().auth_type == common::AuthType::Trust) {
    phase_ = Phase::Auth;
    auth_succeeded();
    return;
  }
  phase_ = Phase::LookingUpSecret;
  service_.lookup_secret(*db_, user_, id_, [](ClientSession& c, const UserSecret& s, const std::string& error) {
    c.on_secret(s, error);
  });
}

void ClientSession::on_secret(const UserSecret& secret, const std::string& error) {
  if (phase_ != Phase::LookingUpSecret) return;
  if (!error.empty()) {
    spdlog::warn("client {}: cannot look up the secret of user \"{}\": {}", id_, user_, error);
    terminate("28000", "cannot check the password of user \"" + user_ + "\": " + error);
    return;
  }
  secret_ = secret;
  phase_ = Phase::Auth;
  if (!secret_.found || !secret_.has_any()) {
    auth_failed();
    return;
  }
  bool can_md5 = !secret_.plain_password.empty() || !secret_.md5_hash.empty();
  bool can_scram = secret_.scram.has_value() || !secret_.plain_password.empty();
  bool use_md5 = service_.config().auth_type == common::AuthType::Md5 ? can_md5 : !can_scram;
  if (use_md5) {
    auth_method_ = AuthMethod::Md5;
    RAND_bytes(md5_salt_, 4);
    write_auth_md5(conn_->out_buffer(), md5_salt_);
  } else {
    auth_method_ = AuthMethod::Scram;
    if (!secret_.scram) {
      unsigned char salt[16];
      RAND_bytes(salt, sizeof(salt));
      secret_.scram = auth::make_scram_secret(secret_.plain_password,
                                              std::string_view(reinterpret_cast<char*>(salt), sizeof(salt)));
      service_.shared().credentials.put(user_, secret_);
    }
    scram_ = std::make_unique<auth::ScramServer>(*secret_.scram);
    write_auth_sasl(conn_->out_buffer(), "SCRAM-SHA-256");
  }
  conn_->flush();
  resume_input();  // a pipelining client may already have sent its answer
}

void ClientSession::auth_failed() {
  spdlog::info("client {} ({}): password authentication failed for user \"{}\"", id_,
               conn_ ? conn_->peer_address() : "?", user_);
  terminate("28P01", "password authentication failed for user \"" + user_ + "\"");
}

void ClientSession::handle_auth_message(const Frame& f) {
  if (f.type != fe::kPassword) {
    protocol_error(std::string("expected a password message, got '") + f.type + "'");
    return;
  }
  if (auth_method_ == AuthMethod::Md5) {
    auto pw = decode_password(f.body);
    if (!pw) {
      protocol_error("malformed password message");
      return;
    }
    std::array<uint8_t, 4> salt{md5_salt_[0], md5_salt_[1], md5_salt_[2], md5_salt_[3]};
    const std::string& stored = !secret_.plain_password.empty() ? secret_.plain_password : secret_.md5_hash;
    if (!auth::md5_verify(stored, user_, salt, *pw)) {
      auth_failed();
      return;
    }
    auth_succeeded();
    return;
  }
  if (auth_method_ == AuthMethod::Scram && scram_) {
    if (!scram_got_first_) {
      auto init = decode_sasl_initial_response(f.body);
      if (!init) {
        protocol_error("malformed SASLInitialResponse");
        return;
      }
      if (init->mechanism != "SCRAM-SHA-256") {
        terminate("28000", "unsupported SASL mechanism \"" + std::string(init->mechanism) + "\"");
        return;
      }
      scram_got_first_ = true;
      auto step = scram_->handle_client_first(init->data);
      if (!step.ok) {
        terminate("08P01", "malformed SCRAM message: " + step.message);
        return;
      }
      write_auth_sasl_continue(conn_->out_buffer(), step.message);
      conn_->flush();
      return;
    }
    auto step = scram_->handle_client_final(f.body);
    if (!step.ok) {
      auth_failed();
      return;
    }
    write_auth_sasl_final(conn_->out_buffer(), step.message);
    UserSecret with_key = secret_;
    with_key.scram_client_key = scram_->client_key();
    service_.shared().credentials.put(user_, with_key);
    auth_succeeded();
    return;
  }
  protocol_error("unexpected password message");
}

void ClientSession::auth_succeeded() {
  write_auth_ok(conn_->out_buffer());
  scram_.reset();
  cancel_pid_ = service_.shared().cancels.add(service_.worker().index(), id_, cancel_secret_);
  if (admin_) {
    send_admin_welcome();
    return;
  }
  pool_entry_ = service_.pool_for(*db_, database_, user_);
  observer_.set_identity(database_, user_, pool_entry_->login_user);
  transaction_pooling_ = db_->pool_mode == common::PoolMode::Transaction;
  phase_ = Phase::Welcome;
  conn_->flush();
  if (!transaction_pooling_ || !pool_entry_->welcome_known) {
    // Session pooling keeps one server for the whole session; a pool that never had a server
    // needs one to learn the parameters to announce (server_version, encodings, ...).
    if (!acquire_server()) return;
    if (phase_ == Phase::Closed) return;
  }
  send_welcome();
}

void ClientSession::send_welcome() {
  if (server_ && !pool_entry_->welcome_known) {
    pool_entry_->welcome = server_->reported_params();
    pool_entry_->welcome_known = true;
  }
  auto& out = conn_->out_buffer();
  for (const auto& [key, entry] : pool_entry_->welcome.all()) {
    const std::string* mine = wanted_.get(key);
    write_parameter_status(out, entry.name, mine ? *mine : entry.value);
  }
  write_backend_key_data(out, cancel_pid_, cancel_secret_);
  write_ready_for_query(out, kTxIdle);
  welcome_sent_ = true;
  phase_ = Phase::Ready;
  spdlog::debug("client {} logged in as {} to {}", id_, user_, database_);
  if (server_ && transaction_pooling_ && queue_.empty()) release_server();
  if (conn_) conn_->flush();
}

}  // namespace sluice::proxy::pg
