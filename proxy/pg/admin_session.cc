// The admin console side of a ClientSession: a client that logs in to the database "sluice"
// as an admin user gets simple-query access to SHOW / RELOAD / PAUSE / RESUME
// (proxy/admin/admin_console.h runs the commands; this file speaks the protocol).
#include <spdlog/spdlog.h>

#include "proxy/admin/admin_console.h"
#include "proxy/pg/client_session.h"
#include "proxy/pg/codec/frontend_messages.h"
#include "proxy/pg/codec/message_writer.h"
#include "proxy/pg/codec/protocol.h"
#include "proxy/pg/pg_service.h"
#include "proxy/shared_state.h"

namespace sluice::proxy::pg {

bool may_use_admin_console(const common::Config& cfg, const std::string& user) {
  bool any_admin = false;
  for (const common::UserConfig& u : cfg.users) {
    if (!u.admin) continue;
    any_admin = true;
    if (u.name == user) return true;
  }
  if (any_admin) return false;
  // No admin users configured (the one-line start): the role the proxy logs in to the server
  // with may administer it.
  for (const common::DatabaseConfig& db : cfg.databases)
    if (!db.target.user.empty() && db.target.user == user) return true;
  return false;
}

void ClientSession::send_admin_welcome() {
  auto& out = conn_->out_buffer();
  write_parameter_status(out, "server_version", "15.0 (sluice admin console)");
  write_parameter_status(out, "server_encoding", "UTF8");
  write_parameter_status(out, "client_encoding", "UTF8");
  write_parameter_status(out, "DateStyle", "ISO, MDY");
  write_parameter_status(out, "integer_datetimes", "on");
  write_parameter_status(out, "standard_conforming_strings", "on");
  write_parameter_status(out, "TimeZone", "UTC");
  write_backend_key_data(out, cancel_pid_, cancel_secret_);
  write_ready_for_query(out, kTxIdle);
  welcome_sent_ = true;
  phase_ = Phase::Ready;
  spdlog::info("client {}: {} opened the admin console", id_, user_);
  conn_->flush();
}

std::size_t ClientSession::process_admin_messages(std::string_view data) {
  std::size_t consumed = 0;
  while (phase_ == Phase::Ready && !admin_busy_) {
    FrameResult fr = next_frame(data.substr(consumed), 1 << 20);
    if (fr.status == FrameStatus::Incomplete) break;
    if (fr.status != FrameStatus::Complete) {
      protocol_error("invalid message length");
      return data.size();
    }
    consumed += fr.frame.total;
    if (fr.frame.type == fe::kTerminate) {
      close_session("client terminated");
      return data.size();
    }
    if (fr.frame.type != fe::kQuery) {
      terminate("08P01", "the admin console accepts simple queries only (SHOW HELP lists the commands)");
      return data.size();
    }
    auto sql = decode_query(fr.frame.body);
    if (!sql) {
      protocol_error("malformed Query message");
      return data.size();
    }
    run_admin_command(*sql);
  }
  return consumed;
}

void ClientSession::run_admin_command(std::string_view sql) {
  admin_busy_ = true;
  PgService* svc = &service_;
  const uint64_t id = id_;
  admin::run_admin_command(service_.shared(), sql, [svc, id](std::string bytes) {
    // Back to this session's worker; the session may have gone meanwhile.
    svc->worker().post([svc, id, bytes = std::move(bytes)]() mutable {
      if (ClientSession* c = svc->find_client(id)) c->on_admin_reply(std::move(bytes));
    });
  });
}

void ClientSession::admin_reply(std::string bytes) {
  if (phase_ != Phase::Ready || !conn_) return;
  admin_busy_ = false;
  auto& out = conn_->out_buffer();
  out += bytes;
  write_ready_for_query(out, kTxIdle);
  conn_->flush();
  resume_input();
}

}  // namespace sluice::proxy::pg
