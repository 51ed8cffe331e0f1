// One connection from the proxy to a PostgreSQL server: connect, optional TLS, startup and
// authentication (md5, SCRAM-SHA-256 with a password or pass-through keys), then either idle
// in its pool or linked to one client, whose session interprets the replies.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/config.h"
#include "proxy/net/connection.h"
#include "proxy/pg/auth/scram_client.h"
#include "proxy/pg/codec/message_framer.h"
#include "proxy/pg/credentials.h"
#include "proxy/pg/prepared_statements.h"
#include "proxy/pg/session_params.h"
#include "proxy/pool/pooled_server.h"

namespace sluice::proxy::pg {

class ClientSession;
class PgService;

struct ServerLogin {
  std::string host;
  uint16_t port = 5432;
  std::string user;
  std::string database;
  UserSecret secret;
  common::TlsMode tls_mode = common::TlsMode::Disable;
  SSL_CTX* tls_ctx = nullptr;
};

class ServerConnection : public pool::PooledServer, public net::ConnectionHandler {
 public:
  ServerConnection(PgService& service, ServerLogin login);
  // pool::PooledServer
  void start() override;
  void close_server(std::string_view reason) override;

  void attach(ClientSession* client) { client_ = client; }
  void detach() { client_ = nullptr; }
  ClientSession* client() const { return client_; }

  std::string& out() { return conn_ ? conn_->out_buffer() : scratch_; }
  void flush();
  bool congested() const { return conn_ && conn_->congested(); }
  void pause_reading();
  void resume_reading();

  char tx_status() const { return tx_status_; }
  void set_tx_status(char s) { tx_status_ = s; }
  ServerStatements& statements() { return statements_; }
  SessionParams& requested_params() { return requested_; }
  SessionParams& reported_params() { return reported_; }
  ParamsSyncMemo& params_sync_memo() { return params_sync_memo_; }
  int32_t backend_pid() const { return backend_pid_; }
  bool is_tls() const { return conn_ && conn_->is_tls(); }
  int32_t backend_secret() const { return backend_secret_; }
  const ServerLogin& login() const { return login_; }
  std::string describe() const;

  // Session pooling: DISCARD ALL, then back to the pool.
  void reset_and_release();

  // Moving an idle server to another worker: detach here (false if it cannot move now), then
  // attach on the new worker's thread.
  bool detach_for_migration();
  bool attach_to(PgService& service);

  // net::ConnectionHandler
  void on_read(net::Connection& c, std::string_view data) override;
  void on_closed(net::Connection& c, std::string_view reason) override;
  void on_connected(net::Connection& c, int status) override;
  void on_tls_ready(net::Connection& c, bool ok, std::string_view error) override;
  void on_drained(net::Connection& c) override;

 private:
  enum class Phase { Connecting, SslAnswer, TlsHandshake, Login, Ready, Resetting, Closed };

  void send_startup();
  void process(std::string_view data, std::size_t& consumed);
  void handle_login_message(const Frame& f);
  void handle_unlinked_message(const Frame& f, std::string_view raw);
  void handle_auth_request(const Frame& f);
  void fail(std::string_view sqlstate, std::string_view message);

  PgService* service_;
  net::DetachedSocket detached_;
  ServerLogin login_;
  net::Connection* conn_ = nullptr;
  Phase phase_ = Phase::Connecting;
  ClientSession* client_ = nullptr;
  std::string in_;
  std::string scratch_;
  char tx_status_ = 'I';
  int32_t backend_pid_ = 0;
  int32_t backend_secret_ = 0;
  ServerStatements statements_;
  SessionParams requested_;
  SessionParams reported_;
  ParamsSyncMemo params_sync_memo_;
  std::unique_ptr<auth::ScramClient> scram_;
};

}  // namespace sluice::proxy::pg
