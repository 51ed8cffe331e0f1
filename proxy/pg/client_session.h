// One client connection speaking PostgreSQL protocol v3 to the proxy: startup (TLS, GSS and
// cancel requests) and authentication (client_login.cc), then queries forwarded to a server connection from the
// pool, with the replies tracked (request_queue.h) so servers can be shared per transaction.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/config.h"
#include "proxy/net/connection.h"
#include "proxy/pg/auth/scram_server.h"
#include "proxy/pg/codec/message_framer.h"
#include "proxy/pg/codec/message_writer.h"
#include "proxy/pg/credentials.h"
#include "proxy/pg/prepared_statements.h"
#include "proxy/pg/request_queue.h"
#include "proxy/pg/session_params.h"
#include "proxy/pool/pooled_server.h"

namespace sluice::proxy::pg {

class PgService;
class ServerConnection;
struct PoolEntry;

class ClientSession : public net::ConnectionHandler, public pool::PoolWaiter {
 public:
  ClientSession(PgService& service, uint64_t id);
  ~ClientSession() override;
  // Takes the accepted connection.
  void start(net::Connection* conn);

  uint64_t id() const { return id_; }
  const std::string& user() const { return user_; }
  const std::string& database() const { return database_; }
  ServerConnection* server() const { return server_; }
  bool logged_in() const { return phase_ == Phase::Ready; }
  bool idle_between_transactions() const;
  uint64_t last_activity_ms() const { return last_activity_ms_; }
  uint64_t connected_ms() const { return connected_ms_; }

  // From the server connection it is linked to.
  void on_server_message(ServerConnection& s, const Frame& f, std::string_view raw);
  void after_server_data(ServerConnection& s);
  void on_server_lost(ServerConnection& s, std::string_view reason);
  void on_server_drained(ServerConnection& s);

  // pool::PoolWaiter
  void on_server_assigned(pool::PooledServer* server) override;
  void on_pool_error(std::string_view sqlstate, std::string_view message, bool fatal) override;

  // net::ConnectionHandler
  void on_read(net::Connection& c, std::string_view data) override;
  void on_closed(net::Connection& c, std::string_view reason) override;
  void on_tls_ready(net::Connection& c, bool ok, std::string_view error) override;
  void on_drained(net::Connection& c) override;

  // Janitor and shutdown: ends the session with a FATAL error (sqlstate, message).
  void terminate(std::string_view sqlstate, std::string_view message);
  // Sends CancelRequest for whatever the linked server is running.
  void cancel_running_query();

 private:
  enum class Phase { Startup, TlsHandshake, Auth, LookingUpSecret, Welcome, Ready, Closed };
  enum class AuthMethod { None, Md5, Scram };

  // Startup and authentication.
  std::size_t handle_startup(std::string_view data);
  void begin_auth();
  void on_secret(const UserSecret& secret, const std::string& error);
  void handle_auth_message(const Frame& f);
  void auth_succeeded();
  void send_welcome();
  // Processes bytes kept in in_ after an asynchronous step (secret looked up, server assigned).
  void resume_input();
  void auth_failed();

  // Queries.
  std::size_t process_messages(std::string_view data);
  bool handle_frame(const Frame& f, std::string_view raw);
  bool acquire_server();
  void link(ServerConnection* s);
  void release_server();
  void sync_params_on_link();
  void ensure_prepared(const ClientStatement& st);
  void push(PendingRequest::Kind kind, std::string server_statement = {}, std::string client_statement = {});
  // Between transactions, Parse+Sync of a statement some server already accepted (and Close+Sync
  // of a named statement) is answered without a server. Returns bytes consumed, 0 if not.
  std::size_t answer_without_server(std::string_view data, const Frame& first);
  void reject_duplicate_statement(std::string_view name);
  void emit_synthetic();
  void on_error_from_server(std::string_view raw);
  void forward_to_client(std::string_view raw) { conn_->write(raw); }
  void maybe_release_after_ready();

  void send_error(std::string_view severity, std::string_view sqlstate, std::string_view message,
                  std::string_view detail = {});
  void protocol_error(std::string_view message);
  void close_session(std::string_view reason);
  void leave_server();

  PgService& service_;
  uint64_t id_;
  net::Connection* conn_ = nullptr;
  Phase phase_ = Phase::Startup;
  std::string in_;
  uint64_t connected_ms_ = 0;
  uint64_t last_activity_ms_ = 0;
  bool counted_ = false;

  // Who and where.
  std::string user_;
  std::string database_;
  const common::DatabaseConfig* db_ = nullptr;
  PoolEntry* pool_entry_ = nullptr;
  bool transaction_pooling_ = true;
  SessionParams wanted_;  // session parameters this client asked for

  // Authentication.
  AuthMethod auth_method_ = AuthMethod::None;
  UserSecret secret_;
  uint8_t md5_salt_[4] = {0, 0, 0, 0};
  std::unique_ptr<auth::ScramServer> scram_;
  bool scram_got_first_ = false;
  int32_t cancel_pid_ = 0;
  int32_t cancel_secret_ = 0;

  // Query traffic.
  ServerConnection* server_ = nullptr;
  RequestQueue queue_;
  ClientStatements statements_;
  char tx_status_ = 'I';
  bool in_copy_in_ = false;
  bool welcome_sent_ = false;
  bool in_read_ = false;
};

}  // namespace sluice::proxy::pg
