// SHOW CONFIG: one row per scalar setting, its value, its default (from a default-constructed
// Config) and whether RELOAD applies it. "changeable" reflects what the running proxy reads
// again after a reload (workers take the new Config; listeners, TLS contexts, the worker count
// and the observation store are set up once at start).
#include <cmath>
#include <cstdio>
#include <string>

#include "common/config_loader.h"
#include "proxy/admin/show_tables.h"

namespace sluice::proxy::admin {
namespace {

using common::Config;

std::string seconds(double value) {
  if (!std::isfinite(value)) return "";
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%g", value);
  return std::string(buf, std::size_t(n));
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

std::string listen(const std::vector<common::Endpoint>& endpoints) {
  std::string s;
  for (const common::Endpoint& e : endpoints) {
    if (!s.empty()) s += ", ";
    s += common::to_string(e);
  }
  return s;
}

struct Setting {
  const char* key;
  std::string (*value)(const Config&);
  bool changeable;
};

// clang-format off
const Setting kSettings[] = {
    {"config_file", [](const Config& c) { return c.source; }, false},
    {"proxy.listen", [](const Config& c) { return listen(c.listen); }, false},
    {"proxy.workers", [](const Config& c) { return std::to_string(c.workers); }, false},
    {"proxy.io", [](const Config& c) { return std::string(common::to_string(c.io)); }, false},
    {"proxy.log_level", [](const Config& c) { return c.log_level; }, true},
    {"proxy.data_dir", [](const Config& c) { return c.data_dir; }, false},
    {"proxy.max_client_conn", [](const Config& c) { return std::to_string(c.limits.max_client_conn); }, true},
    {"proxy.max_message_size", [](const Config& c) { return std::to_string(c.limits.max_message_size); }, true},
    {"auth.type", [](const Config& c) { return std::string(common::to_string(c.auth_type)); }, true},
    {"auth.file", [](const Config& c) { return c.auth_file; }, true},
    {"auth.query", [](const Config& c) { return c.auth_query; }, true},
    {"timeouts.query_wait_timeout", [](const Config& c) { return seconds(c.timeouts.query_wait_timeout); }, true},
    {"timeouts.server_connect_timeout", [](const Config& c) { return seconds(c.timeouts.server_connect_timeout); }, true},
    {"timeouts.server_idle_timeout", [](const Config& c) { return seconds(c.timeouts.server_idle_timeout); }, true},
    {"timeouts.server_lifetime", [](const Config& c) { return seconds(c.timeouts.server_lifetime); }, true},
    {"timeouts.client_idle_timeout", [](const Config& c) { return seconds(c.timeouts.client_idle_timeout); }, true},
    {"timeouts.client_login_timeout", [](const Config& c) { return seconds(c.timeouts.client_login_timeout); }, true},
    {"timeouts.shutdown_timeout", [](const Config& c) { return seconds(c.timeouts.shutdown_timeout); }, true},
    {"tls.client_mode", [](const Config& c) { return std::string(common::to_string(c.tls.client_mode)); }, true},
    {"tls.client_cert", [](const Config& c) { return c.tls.client_cert_file; }, false},
    {"tls.client_key", [](const Config& c) { return c.tls.client_key_file; }, false},
    {"tls.server_mode", [](const Config& c) { return std::string(common::to_string(c.tls.server_mode)); }, true},
    {"tls.server_ca", [](const Config& c) { return c.tls.server_ca_file; }, false},
    {"observe.enabled", [](const Config& c) { return yes_no(c.observe.enabled); }, false},
    {"observe.samples", [](const Config& c) { return std::string(common::to_string(c.observe.samples)); }, false},
    {"observe.max_fingerprints", [](const Config& c) { return std::to_string(c.observe.max_fingerprints); }, false},
    {"observe.max_fingerprints_per_minute", [](const Config& c) { return std::to_string(c.observe.max_fingerprints_per_minute); }, false},
    {"observe.retention_days", [](const Config& c) { return seconds(c.observe.retention_days); }, false},
    {"observe.hourly_retention_days", [](const Config& c) { return seconds(c.observe.hourly_retention_days); }, false},
    {"observe.flush_interval", [](const Config& c) { return seconds(c.observe.flush_interval); }, false},
    {"admin.http_listen", [](const Config& c) { return c.admin.http_listen ? common::to_string(*c.admin.http_listen) : std::string(); }, false},
    {"admin.http_token", [](const Config& c) { return c.admin.http_token.empty() ? std::string() : std::string("********"); }, false},
    {"admin.metrics_top_n", [](const Config& c) { return std::to_string(c.admin.metrics_top_n); }, false},
};
// clang-format on

}  // namespace

ResultSet show_config(const Config& config) {
  static const Config kDefaults;
  ResultSet rs;
  rs.columns = {Column{"key"}, Column{"value"}, Column{"default"}, Column{"changeable"}};
  for (const Setting& s : kSettings) {
    rs.rows.push_back({text_cell(s.key), s.value(config), s.value(kDefaults), yes_no(s.changeable)});
  }
  return rs;
}

}  // namespace sluice::proxy::admin
