// SHOW POOLS, CLIENTS, SERVERS, DATABASES, VERSION and HELP: the live state and configuration
// as PgBouncer-shaped tables. SHOW STATS and QUERIES are in show_workload.cc, CONFIG in
// show_config.cc.
#include "proxy/admin/show_tables.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "common/config_loader.h"
#include "proxy/admin/admin_command.h"
#include "proxy/admin/live_pools.h"
#include "proxy/admin/show_format.h"

namespace sluice::proxy::admin {
namespace {

using observe::ClientLive;
using observe::LiveState;
using observe::PoolLive;
using observe::ServerLive;

Column text(std::string name) { return Column{std::move(name), kTextOid}; }
Column int8(std::string name) { return Column{std::move(name), kInt8Oid}; }

std::vector<Column> connection_columns() {
  return {text("type"),       text("user"),       text("database"),     text("state"),
          text("addr"),       int8("port"),       text("local_addr"),   int8("local_port"),
          text("connect_time"), text("request_time"), int8("wait"),     int8("wait_us"),
          int8("close_needed"), text("ptr"),      text("link"),         int8("remote_pid"),
          text("tls"),        text("application_name")};
}

// The fields SHOW CLIENTS and SHOW SERVERS have in common, in connection_columns() order.
struct ConnectionRow {
  std::string_view type, user, database, state, addr;
  int port = 0;
  int64_t connect_time_ms = 0, request_time_ms = 0;
  double wait_ms = 0;
  uint64_t id = 0, link = 0;
  int remote_pid = 0;
  bool tls = false;
  std::string_view application_name;
};

Row connection_row(const ConnectionRow& c) {
  SecondsAndMicros wait = split_ms(c.wait_ms);
  return {text_cell(c.type),
          text_cell(c.user),
          text_cell(c.database),
          text_cell(c.state),
          text_cell(c.addr),
          int_cell(c.port),
          text_cell(""),
          int_cell(0),
          time_cell(c.connect_time_ms),
          time_cell(c.request_time_ms),
          int_cell(wait.seconds),
          int_cell(wait.micros),
          int_cell(0),
          hex_id(c.id),
          c.link ? Cell(hex_id(c.link)) : text_cell(""),
          int_cell(c.remote_pid),
          text_cell(c.tls ? "TLS" : ""),
          text_cell(c.application_name)};
}

template <typename T>
std::vector<const T*> sorted_by_id(const std::vector<T>& items) {
  std::vector<const T*> out;
  out.reserve(items.size());
  for (const T& item : items) out.push_back(&item);
  std::stable_sort(out.begin(), out.end(), [](const T* a, const T* b) { return a->id < b->id; });
  return out;
}

Row database_row(std::string_view name, const common::DatabaseConfig& db, std::string_view server_database,
                 int64_t current_connections, bool paused) {
  return {text_cell(name),
          text_cell(db.target.host),
          int_cell(db.target.port),
          text_cell(server_database),
          db.force_user ? text_cell(db.target.user) : Cell(),
          int_cell(db.pool_size),
          int_cell(0),
          int_cell(0),
          text_cell(common::to_string(db.pool_mode)),
          int_cell(0),
          int_cell(current_connections),
          int_cell(paused ? 1 : 0),
          int_cell(0)};
}

}  // namespace

ResultSet show_pools(const LiveState& live) {
  ResultSet rs;
  rs.columns = {text("database"),  text("user"),
                int8("cl_active"), int8("cl_waiting"), int8("cl_active_cancel_req"), int8("cl_waiting_cancel_req"),
                int8("sv_active"), int8("sv_active_cancel"), int8("sv_being_canceled"), int8("sv_idle"),
                int8("sv_used"),   int8("sv_tested"), int8("sv_login"),
                int8("maxwait"),   int8("maxwait_us"), text("pool_mode"), int8("paused")};
  for (const PoolLive& p : sum_live_pools(live.pools)) {
    SecondsAndMicros maxwait = split_ms(p.maxwait_ms);
    rs.rows.push_back({text_cell(p.database), text_cell(p.user), int_cell(p.cl_active), int_cell(p.cl_waiting),
                       int_cell(0), int_cell(0), int_cell(p.sv_active), int_cell(0), int_cell(0),
                       int_cell(p.sv_idle), int_cell(0), int_cell(0), int_cell(p.sv_login),
                       int_cell(maxwait.seconds), int_cell(maxwait.micros), text_cell(p.pool_mode),
                       int_cell(p.paused ? 1 : 0)});
  }
  return rs;
}

ResultSet show_clients(const LiveState& live) {
  ResultSet rs;
  rs.columns = connection_columns();
  for (const ClientLive* c : sorted_by_id(live.clients)) {
    rs.rows.push_back(connection_row({"C", c->user, c->database, c->state, c->addr, c->port, c->connect_time_ms,
                                      c->request_time_ms, c->wait_ms, c->id, c->server_id, 0, c->tls,
                                      c->application_name}));
  }
  return rs;
}

ResultSet show_servers(const LiveState& live) {
  ResultSet rs;
  rs.columns = connection_columns();
  for (const ServerLive* s : sorted_by_id(live.servers)) {
    rs.rows.push_back(connection_row({"S", s->user, s->database, s->state, s->addr, s->port, s->connect_time_ms,
                                      s->request_time_ms, 0, s->id, s->client_id, s->backend_pid, s->tls, ""}));
  }
  return rs;
}

ResultSet show_databases(const common::Config& config, const LiveState& live) {
  std::map<std::string, int64_t, std::less<>> servers;  // open server connections per database
  for (const ServerLive& s : live.servers) ++servers[s.database];
  std::set<std::string, std::less<>> paused;
  std::set<std::string, std::less<>> live_names;
  for (const PoolLive& p : live.pools) {
    live_names.insert(p.database);
    if (p.paused) paused.insert(p.database);
  }
  for (const auto& [name, count] : servers) live_names.insert(name);

  auto count = [&](std::string_view name) {
    auto it = servers.find(name);
    return it == servers.end() ? int64_t{0} : it->second;
  };
  std::map<std::string, Row, std::less<>> rows;  // by name
  const common::DatabaseConfig* wildcard = nullptr;
  for (const common::DatabaseConfig& db : config.databases) {
    if (db.name == "*" && wildcard == nullptr) wildcard = &db;
    rows.try_emplace(db.name, database_row(db.name, db, db.target.dbname, count(db.name), paused.contains(db.name)));
  }
  if (wildcard != nullptr) {
    for (const std::string& name : live_names) {
      if (rows.contains(name)) continue;
      rows.emplace(name, database_row(name, *wildcard, name, count(name), paused.contains(name)));
    }
  }

  ResultSet rs;
  rs.columns = {text("name"),          text("host"),         int8("port"),            text("database"),
                text("force_user"),    int8("pool_size"),    int8("min_pool_size"),   int8("reserve_pool"),
                text("pool_mode"),     int8("max_connections"), int8("current_connections"),
                int8("paused"),        int8("disabled")};
  for (auto& [name, row] : rows) rs.rows.push_back(std::move(row));
  return rs;
}

ResultSet show_version(std::string_view version) {
  ResultSet rs;
  rs.columns = {text("version")};
  rs.rows.push_back({"Sluice " + std::string(version)});
  return rs;
}

ResultSet show_help() {
  ResultSet rs;
  rs.columns = {text("command"), text("description")};
  for (const AdminHelpEntry& e : admin_help()) rs.rows.push_back({text_cell(e.syntax), text_cell(e.description)});
  return rs;
}

}  // namespace sluice::proxy::admin
