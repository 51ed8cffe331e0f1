// One client connection speaking PostgreSQL protocol v3 to the proxy: startup (TLS, GSS and
// cancel requests) and authentication (client_login.cc), then queries forwarded to a server
// connection from the pool (client_requests.cc), with the replies tracked (request_queue.h,
// client_replies.cc) so servers can be shared per transaction. client_session.cc: the rest.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/config.h"
#include "proxy/net/connection.h"
#include "proxy/observe/live_state.h"
#include "proxy/pg/auth/scram_server.h"
#include "proxy/pg/codec/message_framer.h"
#include "proxy/pg/codec/message_writer.h"
#include "proxy/pg/credentials.h"
#include "proxy/pg/prepared_statements.h"
#include "proxy/pg/query_observer.h"
#include "proxy/pg/request_queue.h"
#include "proxy/pg/session_params.h"
#include "proxy/pool/pooled_server.h"

namespace sluice::proxy::pg {

class PgService;
class ServerConnection;
struct PoolEntry;

// Whether user may open the admin console (database "sluice"): users marked admin = true, or,
// when none is, the user the targets log in as.
bool may_use_admin_console(const common::Config& cfg, const std::string& user);
inline constexpr std::string_view kAdminDatabaseName = "sluice";

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
  const PoolEntry* pool_entry() const { return pool_entry_; }
  bool is_admin_session() const { return admin_; }
  // For SHOW CLIENTS: times are the worker's loop clock (ms), the caller converts them.
  void describe_live(observe::ClientLive& out) const;

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
  void forward_to_client(std::string_view raw) {
    observer_.add_bytes_out(raw.size());
    conn_->write(raw);
  }
  void observe_ready_for_query(PendingRequest& head, char status, std::size_t bytes);
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

  // Admin console (database "sluice"): admin_console.cc.
  bool admin_ = false;
  std::size_t process_admin_messages(std::string_view data);
  void send_admin_welcome();
  void run_admin_command(std::string_view sql);
  void admin_reply(std::string bytes);
  bool admin_busy_ = false;  // a command is gathering state from the workers
 public:
  // The admin command's answer (result set or error), from whichever worker finished it.
  void on_admin_reply(std::string bytes) { admin_reply(std::move(bytes)); }

 private:
  // Query traffic.
  QueryObserver observer_;
  uint64_t arrival_ns_ = 0;       // when the bytes being processed were read
  uint64_t wait_started_ns_ = 0;  // when the client began waiting for a server
  bool resuming_ = false;         // processing bytes kept while waiting (keep their arrival time)
  ServerConnection* server_ = nullptr;
  RequestQueue queue_;
  ClientStatements statements_;
  char tx_status_ = 'I';
  bool in_copy_in_ = false;
  bool welcome_sent_ = false;
  bool in_read_ = false;
};

}  // namespace sluice::proxy::pg
