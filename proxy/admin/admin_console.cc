#include "proxy/admin/admin_console.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <variant>

#include "common/clock.h"
#include "proxy/admin/admin_command.h"
#include "proxy/admin/live_gather.h"
#include "proxy/admin/result_set.h"
#include "proxy/admin/show_tables.h"
#include "proxy/observe/workload_merger.h"
#include "proxy/pg/codec/message_writer.h"
#include "proxy/pg/pg_service.h"
#include "proxy/shared_state.h"

namespace sluice::proxy::admin {

namespace {

using Done = std::function<void(std::string)>;

constexpr uint64_t kPausePollMs = 100;

std::string error_bytes(std::string_view sqlstate, std::string_view message) {
  std::string out;
  pg::ErrorFields e;
  e.severity = "ERROR";
  e.sqlstate = std::string(sqlstate);
  e.message = std::string(message);
  pg::write_error_response(out, e);
  return out;
}

std::string result_bytes(const ResultSet& rs) {
  std::string out;
  write_result_set(out, rs);
  return out;
}

std::string tag_bytes(std::string_view tag) {
  std::string out;
  pg::write_command_complete(out, tag);
  return out;
}

double uptime_seconds(const SharedState& shared) {
  return double(common::unix_now_ms() - shared.started_unix_ms) / 1000.0;
}

// Sets the pause flag on every worker, then answers once no server of the paused pools is
// linked to a client any more (PgBouncer's PAUSE waits the same way).
void pause_and_wait(SharedState& shared, const std::string& database, Done done) {
  for (pg::PgService* svc : shared.services) {
    svc->worker().post([svc, database] { svc->set_paused(database, true); });
  }
  auto check = std::make_shared<std::function<void()>>();
  *check = [&shared, database, done, check] {
    gather_live(shared, [&shared, database, done, check](observe::LiveState live) {
      int active = 0;
      bool still_paused = false;
      for (const auto& p : live.pools) {
        if (!database.empty() && p.database != database) continue;
        active += p.sv_active;
        still_paused = still_paused || p.paused;
      }
      if (active == 0 || !still_paused) {
        done(tag_bytes("PAUSE"));
        *check = nullptr;  // break the self-reference
        return;
      }
      // Ask again shortly, from the first worker's loop (this callback runs on a worker).
      pg::PgService* first = shared.services.front();
      first->worker().post([first, check] { first->worker().after(kPausePollMs, [check] {
                             if (*check) (*check)();
                           }); });
    });
  };
  // The flags are set by tasks already queued on each worker; the first gather runs after them.
  (*check)();
}

}  // namespace

void run_admin_command(SharedState& shared, std::string_view sql, Done done) {
  AdminParseResult parsed = parse_admin_command(sql);
  if (const auto* err = std::get_if<AdminParseError>(&parsed)) {
    done(error_bytes(err->sqlstate, err->message));
    return;
  }
  const AdminCommand cmd = std::get<AdminCommand>(parsed);
  std::shared_ptr<const common::Config> config = shared.current_config();
  switch (cmd.verb) {
    case AdminVerb::Empty: {
      std::string out;
      pg::write_empty_query(out);
      done(out);
      return;
    }
    case AdminVerb::ShowPools:
    case AdminVerb::ShowClients:
    case AdminVerb::ShowServers:
    case AdminVerb::ShowDatabases:
      gather_live(shared, [verb = cmd.verb, config, done](observe::LiveState live) {
        switch (verb) {
          case AdminVerb::ShowPools:
            done(result_bytes(show_pools(live)));
            break;
          case AdminVerb::ShowClients:
            done(result_bytes(show_clients(live)));
            break;
          case AdminVerb::ShowServers:
            done(result_bytes(show_servers(live)));
            break;
          default:
            done(result_bytes(show_databases(*config, live)));
            break;
        }
      });
      return;
    case AdminVerb::ShowStats:
      done(result_bytes(show_stats(shared.merger ? shared.merger->totals() : workload::WorkloadTable(1), uptime_seconds(shared))));
      return;
    case AdminVerb::ShowQueries: {
      if (!shared.merger) {
        done(error_bytes("55000", "query statistics are off ([observe] enabled = false)"));
        return;
      }
      ResultSet rs;
      shared.merger->with_totals(
          [&](const workload::WorkloadTable& t) { rs = show_queries(t, cmd.order_by, cmd.limit); });
      done(result_bytes(rs));
      return;
    }
    case AdminVerb::ShowConfig:
      done(result_bytes(show_config(*config)));
      return;
    case AdminVerb::ShowVersion:
      done(result_bytes(show_version()));
      return;
    case AdminVerb::ShowHelp:
      done(result_bytes(show_help()));
      return;
    case AdminVerb::Reload: {
      std::string error = shared.reload ? shared.reload() : "reload is not available";
      if (!error.empty()) {
        done(error_bytes("F0000", error));
        return;
      }
      done(tag_bytes("RELOAD"));
      return;
    }
    case AdminVerb::Pause:
      spdlog::info("admin console: PAUSE {}", cmd.database.empty() ? "(all databases)" : cmd.database);
      pause_and_wait(shared, cmd.database, std::move(done));
      return;
    case AdminVerb::Resume:
      spdlog::info("admin console: RESUME {}", cmd.database.empty() ? "(all databases)" : cmd.database);
      for (pg::PgService* svc : shared.services) {
        svc->worker().post([svc, db = cmd.database] { svc->set_paused(db, false); });
      }
      done(tag_bytes("RESUME"));
      return;
  }
  done(error_bytes("XX000", "unhandled admin command"));
}

}  // namespace sluice::proxy::admin
