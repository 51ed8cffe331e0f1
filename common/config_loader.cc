#include "common/config_loader.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <iterator>
#include <map>
#include <set>
#include <toml++/toml.h>
#include <unistd.h>
#include <utility>

#include "common/target_url.h"

namespace sluice::common {

namespace {

constexpr int kMaxWorkers = 1024;
constexpr int kMinPoolSize = 1;
constexpr int kMaxPoolSize = 10000;
constexpr int64_t kMinMessageSize = 1024;
constexpr int64_t kMaxMessageSize = INT32_MAX;  // the protocol's length field is an int32
constexpr std::string_view kAdminDatabase = "sluice";

// ---------------------------------------------------------------------------------------------
// Small helpers

// Reads a whole file; returns 0 or the errno of the failure.
int read_whole_file(const std::string& path, std::string& out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return errno;
  out.clear();
  char buf[65536];
  int err = 0;
  for (;;) {
    std::size_t n = std::fread(buf, 1, sizeof buf, f);
    out.append(buf, n);
    if (n < sizeof buf) {
      if (std::ferror(f) != 0) err = errno != 0 ? errno : EIO;
      break;
    }
  }
  std::fclose(f);
  return err;
}

// "" when the file can be opened for reading, else the reason.
std::string check_readable(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return std::strerror(EISDIR);
  if (::access(path.c_str(), R_OK) != 0) return std::strerror(errno);
  return {};
}

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

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

template <typename Range>
std::string join(const Range& items, std::string_view sep) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// Decoded length of standard base64 text, or -1 when it is not valid base64.
long base64_decoded_length(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return -1;
  std::size_t pad = 0;
  while (pad < 2 && s.size() > pad && s[s.size() - 1 - pad] == '=') ++pad;
  for (std::size_t i = 0; i < s.size() - pad; ++i) {
    char c = s[i];
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '/') return -1;
  }
  return static_cast<long>(s.size() / 4 * 3 - pad);
}

// Reasons are phrased after "<what> " so they read well in any message.
std::string check_int_range(int64_t value, int64_t min, int64_t max) {
  if (value >= min && value <= max) return {};
  if (value < min && max >= INT_MAX) {  // no meaningful upper bound: do not print one
    return "must be at least " + std::to_string(min) + " (got " + std::to_string(value) + ")";
  }
  return "must be between " + std::to_string(min) + " and " + std::to_string(max) + " (got " +
         std::to_string(value) + ")";
}

std::string check_seconds(double value) {
  if (!std::isfinite(value)) return "must be a finite number of seconds";
  if (value < 0) return "must be >= 0 seconds (0 disables it)";
  return {};
}

template <typename Range>
std::string one_of(std::string_view what, const Range& allowed, std::string_view got) {
  return std::string(what) + " must be one of " + join(allowed, ", ") + " (got " + squote(got) + ")";
}

constexpr std::string_view kPoolModes[] = {"session", "transaction"};
constexpr std::string_view kTlsModes[] = {"disable", "prefer", "require"};
constexpr std::string_view kAuthTypes[] = {"trust", "md5", "scram-sha-256"};
constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
constexpr std::string_view kSampleModes[] = {"on", "redacted", "off"};
constexpr std::string_view kIoBackends[] = {"auto", "io_uring", "libuv"};

struct TimeoutKey {
  std::string_view name;
  double TimeoutConfig::*member;
};
constexpr TimeoutKey kTimeoutKeys[] = {
    {"query_wait_timeout", &TimeoutConfig::query_wait_timeout},
    {"server_connect_timeout", &TimeoutConfig::server_connect_timeout},
    {"server_idle_timeout", &TimeoutConfig::server_idle_timeout},
    {"server_lifetime", &TimeoutConfig::server_lifetime},
    {"client_idle_timeout", &TimeoutConfig::client_idle_timeout},
    {"client_login_timeout", &TimeoutConfig::client_login_timeout},
    {"shutdown_timeout", &TimeoutConfig::shutdown_timeout},
};

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

// ---------------------------------------------------------------------------------------------
// The userlist file

class AuthFileParser {
 public:
  AuthFileParser(const std::string& path, const std::string& text) : path_(path), text_(text) {}

  // Calls add(line, user, password) for each entry.
  template <typename Add>
  void parse(Add&& add) {
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text_.size()) {
      std::size_t end = text_.find('\n', pos);
      if (end == std::string::npos) end = text_.size();
      std::string_view line(text_.data() + pos, end - pos);
      pos = end + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 BOM

      line_ = line_no;
      std::size_t i = skip_space(line, 0);
      if (i == line.size() || line[i] == ';' || line[i] == '#') continue;
      if (line[i] != '"') fail("expected a quoted user name, as in: \"user\" \"password\"");
      std::string user = read_quoted(line, i, "user name");
      if (user.empty()) fail("empty user name");
      i = skip_space(line, i);
      if (i == line.size()) fail("missing password after user " + squote(user));
      if (line[i] != '"') fail("expected a quoted password after user " + squote(user));
      std::string password = read_quoted(line, i, "password");
      i = skip_space(line, i);
      if (i != line.size() && line[i] != ';' && line[i] != '#') {
        fail("unexpected text after the password of user " + squote(user));
      }
      add(line_no, user, password);
    }
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw ConfigError(path_ + ":" + std::to_string(line_) + ": " + reason);
  }

 private:
  static std::size_t skip_space(std::string_view line, std::size_t i) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    return i;
  }

  // line[i] is the opening quote; leaves i after the closing one. "" inside is a literal quote.
  std::string read_quoted(std::string_view line, std::size_t& i, std::string_view what) const {
    std::string out;
    ++i;
    for (;;) {
      if (i >= line.size()) fail("missing closing quote in " + std::string(what));
      char c = line[i++];
      if (c != '"') {
        out.push_back(c);
      } else if (i < line.size() && line[i] == '"') {
        out.push_back('"');
        ++i;
      } else {
        return out;
      }
    }
  }

  const std::string& path_;
  const std::string& text_;
  std::size_t line_ = 0;
};

}  // namespace

// -----------------------------------------------------------------------------------------------
// Public helpers

std::optional<PoolMode> parse_pool_mode(std::string_view text) {
  if (text == "session") return PoolMode::Session;
  if (text == "transaction") return PoolMode::Transaction;
  return std::nullopt;
}

std::optional<TlsMode> parse_tls_mode(std::string_view text) {
  if (text == "disable") return TlsMode::Disable;
  if (text == "prefer") return TlsMode::Prefer;
  if (text == "require") return TlsMode::Require;
  return std::nullopt;
}

std::optional<SampleMode> parse_sample_mode(std::string_view text) {
  if (text == "on") return SampleMode::On;
  if (text == "redacted") return SampleMode::Redacted;
  if (text == "off") return SampleMode::Off;
  return std::nullopt;
}

std::string_view to_string(SampleMode mode) {
  switch (mode) {
    case SampleMode::On:
      return "on";
    case SampleMode::Redacted:
      return "redacted";
    case SampleMode::Off:
      return "off";
  }
  return "on";
}

std::optional<IoBackend> parse_io_backend(std::string_view text) {
  if (text == "auto") return IoBackend::Auto;
  if (text == "io_uring") return IoBackend::IoUring;
  if (text == "libuv") return IoBackend::Libuv;
  return std::nullopt;
}

std::string_view to_string(IoBackend io) {
  switch (io) {
    case IoBackend::Auto:
      return "auto";
    case IoBackend::IoUring:
      return "io_uring";
    case IoBackend::Libuv:
      return "libuv";
  }
  return "auto";
}

std::optional<AuthType> parse_auth_type(std::string_view text) {
  if (text == "trust") return AuthType::Trust;
  if (text == "md5") return AuthType::Md5;
  if (text == "scram-sha-256") return AuthType::ScramSha256;
  return std::nullopt;
}

bool is_valid_log_level(std::string_view text) {
  return std::find(std::begin(kLogLevels), std::end(kLogLevels), text) != std::end(kLogLevels);
}

std::string_view to_string(PoolMode mode) {
  return mode == PoolMode::Session ? "session" : "transaction";
}

std::string_view to_string(TlsMode mode) {
  switch (mode) {
    case TlsMode::Disable: return "disable";
    case TlsMode::Prefer: return "prefer";
    case TlsMode::Require: return "require";
  }
  return "?";
}

std::string_view to_string(AuthType type) {
  switch (type) {
    case AuthType::Trust: return "trust";
    case AuthType::Md5: return "md5";
    case AuthType::ScramSha256: return "scram-sha-256";
  }
  return "?";
}

std::string check_password_secret(std::string_view secret) {
  constexpr std::string_view kScram = "SCRAM-SHA-256$";
  if (secret.substr(0, kScram.size()) == kScram) {
    const std::string expected = " (expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)";
    std::string_view rest = secret.substr(kScram.size());
    std::size_t dollar = rest.find('$');
    if (dollar == std::string_view::npos) return "malformed SCRAM-SHA-256 secret" + expected;
    std::string_view iter_salt = rest.substr(0, dollar);
    std::string_view keys = rest.substr(dollar + 1);
    std::size_t colon = iter_salt.find(':');
    std::size_t colon2 = keys.find(':');
    if (colon == std::string_view::npos || colon2 == std::string_view::npos) {
      return "malformed SCRAM-SHA-256 secret" + expected;
    }
    std::string_view iterations = iter_salt.substr(0, colon);
    if (iterations.empty() || iterations.size() > 9 || !std::all_of(iterations.begin(), iterations.end(), [](char c) {
          return c >= '0' && c <= '9';
        }) || std::stol(std::string(iterations)) == 0) {
      return "malformed SCRAM-SHA-256 secret: bad iteration count " + squote(iterations) + expected;
    }
    if (base64_decoded_length(iter_salt.substr(colon + 1)) <= 0) {
      return "malformed SCRAM-SHA-256 secret: the salt is not base64" + expected;
    }
    if (base64_decoded_length(keys.substr(0, colon2)) != 32 || base64_decoded_length(keys.substr(colon2 + 1)) != 32) {
      return "malformed SCRAM-SHA-256 secret: StoredKey and ServerKey must be base64 of 32 bytes" + expected;
    }
    return {};
  }
  if (secret.size() > 3 && secret.substr(0, 3) == "md5" && is_hex(secret.substr(3)) && secret.size() != 35) {
    return "looks like an md5 secret but has " + std::to_string(secret.size() - 3) +
           " hex digits (expected \"md5\" followed by 32)";
  }
  return {};
}

Endpoint parse_listen_address(std::string_view text) {
  Endpoint endpoint;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) throw ConfigError("missing ']' after the IPv6 address");
    endpoint.host = std::string(text.substr(1, close - 1));
    if (endpoint.host.empty()) throw ConfigError("empty IPv6 address '[]'");
    std::string_view after = text.substr(close + 1);
    if (after.empty() || after.front() != ':') throw ConfigError("expected ':<port>' after ']'");
    port_text = after.substr(1);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) throw ConfigError("expected host:port");
    endpoint.host = std::string(text.substr(0, colon));
    if (endpoint.host.find(':') != std::string::npos) {
      throw ConfigError("an IPv6 address must be written in brackets, e.g. [::1]:6432");
    }
    if (endpoint.host.empty()) throw ConfigError("missing host before ':' (use 0.0.0.0 or [::] for all interfaces)");
    port_text = text.substr(colon + 1);
  }
  for (char c : endpoint.host) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0 || std::iscntrl(static_cast<unsigned char>(c)) != 0) {
      throw ConfigError("invalid character in host " + squote(endpoint.host));
    }
  }
  long port = 0;
  bool ok = !port_text.empty() && port_text.size() <= 5;
  for (char c : port_text) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    port = port * 10 + (c - '0');
  }
  if (!ok || port < 1 || port > 65535) {
    throw ConfigError("invalid port " + squote(port_text) + " (expected a number from 1 to 65535)");
  }
  endpoint.port = static_cast<uint16_t>(port);
  return endpoint;
}

std::string to_string(const Endpoint& endpoint) {
  std::string host = endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host;
  return host + ":" + std::to_string(endpoint.port);
}

// -----------------------------------------------------------------------------------------------
// Validation

void validate_config(const Config& config) {
  const std::string prefix = (config.source.empty() ? std::string("config") : config.source) + ": ";
  auto fail = [&](const std::string& reason) { throw ConfigError(prefix + reason); };

  if (config.listen.empty()) fail("no listen address");
  for (std::size_t i = 0; i < config.listen.size(); ++i) {
    const Endpoint& e = config.listen[i];
    if (e.host.empty()) fail("listen address with an empty host");
    if (e.port == 0) fail("listen address " + squote(to_string(e)) + " has port 0");
    for (std::size_t j = 0; j < i; ++j) {
      if (config.listen[j].host == e.host && config.listen[j].port == e.port) {
        fail("duplicate listen address " + squote(to_string(e)));
      }
    }
  }
  if (config.workers < 0 || config.workers > kMaxWorkers) {
    fail("workers " + check_int_range(config.workers, 0, kMaxWorkers));
  }

  if (config.databases.empty()) fail("no databases configured");
  std::set<std::string> names;
  for (const DatabaseConfig& db : config.databases) {
    if (db.name.empty()) fail("database with an empty name");
    if (db.name == kAdminDatabase) fail("database name " + squote(db.name) + " is reserved for the admin console");
    if (!names.insert(db.name).second) fail("duplicate database " + squote(db.name));
    std::string range = check_int_range(db.pool_size, kMinPoolSize, kMaxPoolSize);
    if (!range.empty()) fail("database " + squote(db.name) + ": pool_size " + range);
    if (default_port_for_scheme(db.target.scheme) == 0) {
      fail("database " + squote(db.name) + ": unsupported target scheme " + squote(db.target.scheme));
    }
    if (db.target.host.empty()) fail("database " + squote(db.name) + ": target has no host");
    if (db.target.port == 0) fail("database " + squote(db.name) + ": target has port 0");
    if (db.name != "*" && db.target.dbname.empty()) {
      fail("database " + squote(db.name) + ": target names no database");
    }
  }

  names.clear();
  for (const UserConfig& user : config.users) {
    if (user.name.empty()) fail("user with an empty name");
    if (!names.insert(user.name).second) fail("duplicate user " + squote(user.name));
    std::string problem = check_password_secret(user.password);
    if (!problem.empty()) fail("user " + squote(user.name) + ": " + problem);
  }

  for (const TimeoutKey& key : kTimeoutKeys) {
    std::string problem = check_seconds(config.timeouts.*key.member);
    if (!problem.empty()) fail(std::string(key.name) + " " + problem);
  }
  if (config.limits.max_client_conn < 1) {
    fail("max_client_conn " + check_int_range(config.limits.max_client_conn, 1, INT_MAX));
  }
  if (config.limits.max_message_size < static_cast<std::size_t>(kMinMessageSize) ||
      config.limits.max_message_size > static_cast<std::size_t>(kMaxMessageSize)) {
    fail("max_message_size " +
         check_int_range(static_cast<int64_t>(std::min<std::size_t>(config.limits.max_message_size, INT64_MAX)),
                         kMinMessageSize, kMaxMessageSize));
  }
  if (!is_valid_log_level(config.log_level)) fail(one_of("log_level", kLogLevels, config.log_level));

  const TlsConfig& tls = config.tls;
  const bool has_cert = !tls.client_cert_file.empty();
  const bool has_key = !tls.client_key_file.empty();
  if (tls.client_mode == TlsMode::Require && (!has_cert || !has_key)) {
    fail("client TLS mode \"require\" needs a certificate and a key");
  }
  if (has_cert != has_key) fail("a client TLS certificate and key must be given together");
  for (const auto& [what, path] : {std::pair<std::string_view, const std::string*>{"TLS certificate", &tls.client_cert_file},
                                   {"TLS key", &tls.client_key_file},
                                   {"TLS CA file", &tls.server_ca_file}}) {
    if (path->empty()) continue;
    std::string problem = check_readable(*path);
    if (!problem.empty()) fail(std::string(what) + ": cannot read " + squote(*path) + ": " + problem);
  }
}

// -----------------------------------------------------------------------------------------------
// Loading

void load_auth_file(Config& config) {
  if (config.auth_file.empty()) return;
  const std::string& path = config.auth_file;
  std::string text;
  if (int err = read_whole_file(path, text); err != 0) {
    throw ConfigError(path + ": cannot read: " + std::strerror(err));
  }
  AuthFileParser parser(path, text);
  std::map<std::string, std::size_t> seen;  // user -> line
  parser.parse([&](std::size_t line, const std::string& user, const std::string& password) {
    auto [it, inserted] = seen.emplace(user, line);
    if (!inserted) parser.fail("duplicate user " + squote(user) + " (first on line " + std::to_string(it->second) + ")");
    std::string problem = check_password_secret(password);
    if (!problem.empty()) parser.fail("user " + squote(user) + ": " + problem);
    for (UserConfig& existing : config.users) {
      if (existing.name != user) continue;
      if (existing.password.empty()) {
        existing.password = password;
      } else if (existing.password != password) {
        parser.fail("user " + squote(user) + " already has a password in " + config.source);
      }
      return;
    }
    config.users.push_back(UserConfig{user, password, false});
  });
}

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

Config config_from_command_line(const CommandLineOptions& options) {
  auto fail = [](const std::string& reason) { throw ConfigError("command line: " + reason); };
  Config config;
  config.source = "command line";

  if (options.target.empty()) {
    fail("a target URL is required (--target postgres://user:password@host:5432/dbname)");
  }
  TargetUrl target;
  try {
    target = parse_target_url(options.target);
  } catch (const ConfigError& e) {
    fail(std::string("--target: ") + e.what());
  }
  if (target.dbname.empty()) fail("--target: the URL names no database and no user (add /dbname)");

  if (!options.listen.empty()) {
    config.listen.clear();
    for (const std::string& text : options.listen) {
      try {
        config.listen.push_back(parse_listen_address(text));
      } catch (const ConfigError& e) {
        fail("--listen " + squote(text) + ": " + e.what());
      }
    }
  }

  std::optional<PoolMode> pool_mode = parse_pool_mode(options.pool_mode);
  if (!pool_mode) fail(one_of("--pool-mode", kPoolModes, options.pool_mode));
  std::string range = check_int_range(options.pool_size, kMinPoolSize, kMaxPoolSize);
  if (!range.empty()) fail("--pool-size " + range);
  range = check_int_range(options.workers, 0, kMaxWorkers);
  if (!range.empty()) fail("--workers " + range);
  config.workers = options.workers;
  if (!options.io.empty()) {
    std::optional<IoBackend> io = parse_io_backend(options.io);
    if (!io) fail(one_of("--io", kIoBackends, options.io));
    config.io = *io;
  }

  if (!options.auth_type.empty()) {
    std::optional<AuthType> type = parse_auth_type(options.auth_type);
    if (!type) fail(one_of("--auth-type", kAuthTypes, options.auth_type));
    config.auth_type = *type;
  }
  config.auth_file = options.users_file;

  if (!options.log_level.empty()) {
    if (!is_valid_log_level(options.log_level)) fail(one_of("--log-level", kLogLevels, options.log_level));
    config.log_level = options.log_level;
  }
  config.data_dir = options.data_dir;
  if (!options.admin_http.empty()) {
    try {
      config.admin.http_listen = parse_listen_address(options.admin_http);
    } catch (const ConfigError& e) {
      fail("--admin-http " + squote(options.admin_http) + ": " + e.what());
    }
  }
  config.admin.http_token = options.admin_token;
  if (!options.samples.empty()) {
    std::optional<SampleMode> mode = parse_sample_mode(options.samples);
    if (!mode) fail(one_of("--samples", kSampleModes, options.samples));
    config.observe.samples = *mode;
  }
  if (options.no_observe) config.observe.enabled = false;

  if (options.query_wait_timeout != -1) {
    std::string problem = check_seconds(options.query_wait_timeout);
    if (!problem.empty()) fail("--query-wait-timeout " + problem);
    config.timeouts.query_wait_timeout = options.query_wait_timeout;
  }
  if (options.max_client_conn != -1) {
    range = check_int_range(options.max_client_conn, 1, INT_MAX);
    if (!range.empty()) fail("--max-client-conn " + range);
    config.limits.max_client_conn = options.max_client_conn;
  }

  config.tls.client_cert_file = options.tls_cert;
  config.tls.client_key_file = options.tls_key;
  if (!options.client_tls.empty()) {
    std::optional<TlsMode> mode = parse_tls_mode(options.client_tls);
    if (!mode) fail(one_of("--client-tls", kTlsModes, options.client_tls));
    config.tls.client_mode = *mode;
  }
  if (!options.server_tls.empty()) {
    std::optional<TlsMode> mode = parse_tls_mode(options.server_tls);
    if (!mode) fail(one_of("--server-tls", kTlsModes, options.server_tls));
    config.tls.server_mode = *mode;
  }

  DatabaseConfig db;
  db.target = target;
  db.pool_mode = *pool_mode;
  db.pool_size = options.pool_size;
  if (target.dbname != "*") {
    db.name = target.dbname;
    config.databases.push_back(db);
  }
  db.name = "*";
  config.databases.push_back(db);

  load_auth_file(config);
  validate_config(config);
  return config;
}

}  // namespace sluice::common
