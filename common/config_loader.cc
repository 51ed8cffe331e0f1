// The TOML file -> Config: every table and key checked for its type and range, unknown keys
// named with a suggestion, then the auth file (config_auth_file.cc) and validate_config().
#include "common/config_loader.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <toml++/toml.h>
#include <utility>
#include <vector>

#include "common/config_checks.h"
#include "common/target_url.h"

namespace sluice::common {

using namespace config_checks;

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

bool position_before(const toml::source_region& a, const toml::source_region& b) {
  return std::pair(a.begin.line, a.begin.column) < std::pair(b.begin.line, b.begin.column);
}

// ---------------------------------------------------------------------------------------------
// TOML -> Config

class TomlLoader {
 public:
  TomlLoader(std::string source, std::filesystem::path base_dir)
      : source_(std::move(source)), base_dir_(std::move(base_dir)) {}

  Config load(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, source_);
    } catch (const toml::parse_error& e) {
      fail_at(e.source(), std::string(e.description()));
    }

    Config config;
    config.source = source_;
    check_keys(root, "", {"proxy", "auth", "timeouts", "tls", "observe", "admin", "databases", "users", "advisor"});
    // [advisor] belongs to the sidecar (advisor/advisor_config.h): one file may hold both.
    if (const toml::table* t = section(root, "proxy")) load_proxy(*t, config);
    if (const toml::table* t = section(root, "auth")) load_auth(*t, config);
    if (const toml::table* t = section(root, "timeouts")) load_timeouts(*t, config);
    if (const toml::table* t = section(root, "tls")) load_tls(*t, config);
    if (const toml::table* t = section(root, "observe")) load_observe(*t, config);
    if (const toml::table* t = section(root, "admin")) load_admin(*t, config);
    const toml::table* databases = section(root, "databases");
    if (databases != nullptr) load_databases(*databases, config);
    if (const toml::table* t = section(root, "users")) load_users(*t, config);

    if (config.databases.empty()) {
      std::string reason = "no databases configured (add a [databases.<name>] table with a target)";
      if (databases != nullptr) fail_at(databases->source(), reason);
      throw ConfigError(source_ + ": " + reason);
    }
    return config;
  }

 private:
  [[noreturn]] void fail_at(const toml::source_region& region, const std::string& reason) const {
    if (region.begin.line == 0) throw ConfigError(source_ + ": " + reason);
    throw ConfigError(source_ + ":" + std::to_string(region.begin.line) + ":" +
                      std::to_string(region.begin.column) + ": " + reason);
  }
  [[noreturn]] void fail_at(const toml::node& node, const std::string& reason) const {
    fail_at(node.source(), reason);
  }

  static std::string qualified(std::string_view table, std::string_view key) {
    return table.empty() ? std::string(key) : std::string(table) + "." + std::string(key);
  }

  void check_keys(const toml::table& table, std::string_view name,
                  std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, node] : table) {
      std::string_view k = key.str();
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      std::string reason = name.empty() ? "unknown section " + squote(k)
                                        : "unknown key " + squote(k) + " in [" + std::string(name) + "]";
      std::string_view best;
      std::size_t best_distance = 3;
      for (std::string_view candidate : allowed) {
        std::size_t d = edit_distance(k, candidate);
        if (d < best_distance) {
          best_distance = d;
          best = candidate;
        }
      }
      if (!best.empty()) {
        reason += " (did you mean " + squote(best) + "?)";
      } else {
        reason += " (expected one of: " + join(allowed, ", ") + ")";
      }
      fail_at(key.source(), reason);
    }
  }

  const toml::table* section(const toml::table& root, std::string_view name) const {
    const toml::node* node = root.get(name);
    if (node == nullptr) return nullptr;
    const toml::table* table = node->as_table();
    if (table == nullptr) {
      fail_at(*node, squote(name) + " must be a table ([" + std::string(name) + "]), not " +
                         std::string(type_name(*node)));
    }
    return table;
  }

  std::string get_string(const toml::node& node, const std::string& what) const {
    const auto* v = node.as_string();
    if (v == nullptr) fail_at(node, what + " must be a string, not " + std::string(type_name(node)));
    return v->get();
  }

  bool get_bool(const toml::node& node, const std::string& what) const {
    const auto* v = node.as_boolean();
    if (v == nullptr) fail_at(node, what + " must be true or false, not " + std::string(type_name(node)));
    return v->get();
  }

  int64_t get_int(const toml::node& node, const std::string& what, int64_t min, int64_t max) const {
    const auto* v = node.as_integer();
    if (v == nullptr) fail_at(node, what + " must be an integer, not " + std::string(type_name(node)));
    std::string range = check_int_range(v->get(), min, max);
    if (!range.empty()) fail_at(node, what + " " + range);
    return v->get();
  }

  double get_seconds(const toml::node& node, const std::string& what) const {
    double value = 0;
    if (const auto* i = node.as_integer()) {
      value = static_cast<double>(i->get());
    } else if (const auto* f = node.as_floating_point()) {
      value = f->get();
    } else {
      fail_at(node, what + " must be a number of seconds, not " + std::string(type_name(node)));
    }
    std::string problem = check_seconds(value);
    if (!problem.empty()) fail_at(node, what + " " + problem);
    return value;
  }

  std::string get_path(const toml::node& node, const std::string& what) const {
    std::string text = get_string(node, what);
    if (text.empty()) return text;
    std::filesystem::path p(text);
    if (p.is_relative() && !base_dir_.empty()) return (base_dir_ / p).lexically_normal().string();
    return text;
  }

  // A path that must name a readable file (TLS certificates and keys).
  std::string get_readable_file(const toml::node& node, const std::string& what) const {
    std::string path = get_path(node, what);
    if (path.empty()) return path;
    std::string problem = check_readable(path);
    if (!problem.empty()) fail_at(node, what + ": cannot read " + squote(path) + ": " + problem);
    return path;
  }

  void load_proxy(const toml::table& t, Config& config) const {
    check_keys(t, "proxy", {"listen", "workers", "io", "log_level", "data_dir", "max_client_conn", "max_message_size"});
    if (const toml::node* n = t.get("listen")) {
      std::vector<const toml::node*> items;
      if (n->is_string()) {
        items.push_back(n);
      } else if (const toml::array* array = n->as_array()) {
        if (array->empty()) fail_at(*n, "proxy.listen must list at least one address");
        for (const toml::node& item : *array) items.push_back(&item);
      } else {
        fail_at(*n, "proxy.listen must be a string or an array of strings, not " + std::string(type_name(*n)));
      }
      config.listen.clear();
      for (const toml::node* item : items) {
        std::string text = get_string(*item, "proxy.listen entry");
        Endpoint endpoint;
        try {
          endpoint = parse_listen_address(text);
        } catch (const ConfigError& e) {
          fail_at(*item, "proxy.listen: invalid address " + squote(text) + ": " + e.what());
        }
        for (const Endpoint& seen : config.listen) {
          if (seen.host == endpoint.host && seen.port == endpoint.port) {
            fail_at(*item, "proxy.listen: duplicate address " + squote(text));
          }
        }
        config.listen.push_back(endpoint);
      }
    }
    if (const toml::node* n = t.get("workers")) {
      config.workers = static_cast<int>(get_int(*n, "proxy.workers", 0, kMaxWorkers));
    }
    if (const toml::node* n = t.get("io")) {
      std::string text = get_string(*n, "proxy.io");
      std::optional<IoBackend> io = parse_io_backend(text);
      if (!io) fail_at(*n, one_of("proxy.io", kIoBackends, text));
      config.io = *io;
    }
    if (const toml::node* n = t.get("log_level")) {
      std::string level = get_string(*n, "proxy.log_level");
      if (!is_valid_log_level(level)) fail_at(*n, one_of("proxy.log_level", kLogLevels, level));
      config.log_level = level;
    }
    if (const toml::node* n = t.get("data_dir")) config.data_dir = get_path(*n, "proxy.data_dir");
    if (const toml::node* n = t.get("max_client_conn")) {
      config.limits.max_client_conn = static_cast<int>(get_int(*n, "proxy.max_client_conn", 1, INT_MAX));
    }
    if (const toml::node* n = t.get("max_message_size")) {
      config.limits.max_message_size =
          static_cast<std::size_t>(get_int(*n, "proxy.max_message_size", kMinMessageSize, kMaxMessageSize));
    }
  }

  void load_observe(const toml::table& t, Config& config) const {
    check_keys(t, "observe", {"enabled", "samples", "max_fingerprints", "max_fingerprints_per_minute",
                              "retention_days", "hourly_retention_days", "flush_interval"});
    ObserveConfig& o = config.observe;
    if (const toml::node* n = t.get("enabled")) o.enabled = get_bool(*n, "observe.enabled");
    if (const toml::node* n = t.get("samples")) {
      std::string text = get_string(*n, "observe.samples");
      std::optional<SampleMode> mode = parse_sample_mode(text);
      if (!mode) fail_at(*n, one_of("observe.samples", kSampleModes, text));
      o.samples = *mode;
    }
    if (const toml::node* n = t.get("max_fingerprints"))
      o.max_fingerprints = static_cast<int>(get_int(*n, "observe.max_fingerprints", 100, 10'000'000));
    if (const toml::node* n = t.get("max_fingerprints_per_minute"))
      o.max_fingerprints_per_minute =
          static_cast<int>(get_int(*n, "observe.max_fingerprints_per_minute", 10, 10'000'000));
    if (const toml::node* n = t.get("retention_days"))
      o.retention_days = get_seconds(*n, "observe.retention_days");
    if (const toml::node* n = t.get("hourly_retention_days"))
      o.hourly_retention_days = get_seconds(*n, "observe.hourly_retention_days");
    if (const toml::node* n = t.get("flush_interval")) {
      o.flush_interval = get_seconds(*n, "observe.flush_interval");
      if (o.flush_interval < 0.05 || o.flush_interval > 1)
        fail_at(*n, "observe.flush_interval must be between 0.05 and 1 second");
    }
  }

  void load_admin(const toml::table& t, Config& config) const {
    check_keys(t, "admin", {"http_listen", "http_token", "metrics_top_n"});
    if (const toml::node* n = t.get("http_listen")) {
      std::string text = get_string(*n, "admin.http_listen");
      try {
        config.admin.http_listen = parse_listen_address(text);
      } catch (const ConfigError& e) {
        fail_at(*n, "admin.http_listen: invalid address " + squote(text) + ": " + e.what());
      }
    }
    if (const toml::node* n = t.get("http_token")) config.admin.http_token = get_string(*n, "admin.http_token");
    if (const toml::node* n = t.get("metrics_top_n"))
      config.admin.metrics_top_n = static_cast<int>(get_int(*n, "admin.metrics_top_n", 0, 1000));
  }

  void load_auth(const toml::table& t, Config& config) const {
    check_keys(t, "auth", {"type", "file", "query"});
    if (const toml::node* n = t.get("type")) {
      std::string text = get_string(*n, "auth.type");
      std::optional<AuthType> type = parse_auth_type(text);
      if (!type) fail_at(*n, one_of("auth.type", kAuthTypes, text));
      config.auth_type = *type;
    }
    if (const toml::node* n = t.get("file")) config.auth_file = get_path(*n, "auth.file");
    if (const toml::node* n = t.get("query")) config.auth_query = get_string(*n, "auth.query");
  }

  void load_timeouts(const toml::table& t, Config& config) const {
    check_keys(t, "timeouts",
               {"query_wait_timeout", "server_connect_timeout", "server_idle_timeout", "server_lifetime",
                "client_idle_timeout", "client_login_timeout", "shutdown_timeout"});
    for (const TimeoutKey& key : kTimeoutKeys) {
      if (const toml::node* n = t.get(key.name)) {
        config.timeouts.*key.member = get_seconds(*n, qualified("timeouts", key.name));
      }
    }
  }

  void load_tls(const toml::table& t, Config& config) const {
    check_keys(t, "tls", {"client_mode", "client_cert", "client_key", "server_mode", "server_ca"});
    auto mode = [&](const toml::node& n, const std::string& what) {
      std::string text = get_string(n, what);
      std::optional<TlsMode> m = parse_tls_mode(text);
      if (!m) fail_at(n, one_of(what, kTlsModes, text));
      return *m;
    };
    const toml::node* client_mode = t.get("client_mode");
    const toml::node* cert = t.get("client_cert");
    const toml::node* key = t.get("client_key");
    if (client_mode != nullptr) config.tls.client_mode = mode(*client_mode, "tls.client_mode");
    if (const toml::node* n = t.get("server_mode")) config.tls.server_mode = mode(*n, "tls.server_mode");
    if (cert != nullptr) config.tls.client_cert_file = get_readable_file(*cert, "tls.client_cert");
    if (key != nullptr) config.tls.client_key_file = get_readable_file(*key, "tls.client_key");
    if (const toml::node* n = t.get("server_ca")) config.tls.server_ca_file = get_readable_file(*n, "tls.server_ca");

    const bool has_cert = !config.tls.client_cert_file.empty();
    const bool has_key = !config.tls.client_key_file.empty();
    if (config.tls.client_mode == TlsMode::Require && (!has_cert || !has_key)) {
      fail_at(*client_mode, "tls.client_mode = \"require\" needs both tls.client_cert and tls.client_key");
    }
    if (has_cert && !has_key) fail_at(*cert, "tls.client_cert is set but tls.client_key is not");
    if (has_key && !has_cert) fail_at(*key, "tls.client_key is set but tls.client_cert is not");
  }

  // Entries of [databases] / [users] in the order they appear in the file.
  static std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (const auto& [key, node] : t) entries.emplace_back(&key, &node);
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return position_before(a.first->source(), b.first->source()); });
    return entries;
  }

  void load_databases(const toml::table& t, Config& config) const {
    for (const auto& [key, node] : in_file_order(t)) {
      std::string name(key->str());
      std::string where = "databases." + name;
      const toml::table* db = node->as_table();
      if (db == nullptr) {
        fail_at(*node, where + " must be a table ([databases." + name + "]), not " + std::string(type_name(*node)));
      }
      if (name.empty()) fail_at(key->source(), "database name must not be empty");
      if (name == kAdminDatabase) {
        fail_at(key->source(), "database name " + squote(name) + " is reserved for the admin console");
      }
      check_keys(*db, where, {"target", "pool_mode", "pool_size", "force_user"});

      DatabaseConfig out;
      out.name = name;
      const toml::node* target = db->get("target");
      if (target == nullptr) {
        fail_at(db->source().begin.line != 0 ? db->source() : key->source(),
                where + ": missing required key 'target' (e.g. target = \"postgres://user:password@host:5432/dbname\")");
      }
      std::string url = get_string(*target, where + ".target");
      try {
        out.target = parse_target_url(url);
      } catch (const ConfigError& e) {
        fail_at(*target, where + ".target: " + e.what());
      }
      if (name != "*" && out.target.dbname.empty()) {
        fail_at(*target, where + ".target: the URL names no database and no user");
      }
      if (const toml::node* n = db->get("pool_mode")) {
        std::string text = get_string(*n, where + ".pool_mode");
        std::optional<PoolMode> m = parse_pool_mode(text);
        if (!m) fail_at(*n, one_of(where + ".pool_mode", kPoolModes, text));
        out.pool_mode = *m;
      }
      if (const toml::node* n = db->get("pool_size")) {
        out.pool_size = static_cast<int>(get_int(*n, where + ".pool_size", kMinPoolSize, kMaxPoolSize));
      }
      if (const toml::node* n = db->get("force_user")) out.force_user = get_bool(*n, where + ".force_user");
      config.databases.push_back(std::move(out));
    }
  }

  void load_users(const toml::table& t, Config& config) const {
    for (const auto& [key, node] : in_file_order(t)) {
      std::string name(key->str());
      std::string where = "users." + name;
      const toml::table* user = node->as_table();
      if (user == nullptr) {
        fail_at(*node, where + " must be a table ([users." + name + "]), not " + std::string(type_name(*node)));
      }
      if (name.empty()) fail_at(key->source(), "user name must not be empty");
      check_keys(*user, where, {"password", "admin"});
      UserConfig out;
      out.name = name;
      if (const toml::node* n = user->get("password")) {
        out.password = get_string(*n, where + ".password");
        std::string problem = check_password_secret(out.password);
        if (!problem.empty()) fail_at(*n, where + ".password: " + problem);
      }
      if (const toml::node* n = user->get("admin")) out.admin = get_bool(*n, where + ".admin");
      config.users.push_back(std::move(out));
    }
  }

  std::string source_;
  std::filesystem::path base_dir_;
};

}  // namespace

Config load_config_string(std::string_view toml_text, const std::string& source_name) {
  Config config = TomlLoader(source_name, {}).load(toml_text);
  load_auth_file(config);
  validate_config(config);
  return config;
}

Config load_config_file(const std::string& path) {
  std::string text;
  if (int err = read_whole_file(path, text); err != 0) {
    throw ConfigError(path + ": cannot read: " + std::strerror(err));
  }
  std::filesystem::path base_dir = std::filesystem::path(path).parent_path();
  Config config = TomlLoader(path, base_dir).load(text);
  load_auth_file(config);
  validate_config(config);
  return config;
}

}  // namespace sluice::common
