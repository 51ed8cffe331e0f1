#include "schema/lint/lint_config.h"

#include <fnmatch.h>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <toml++/toml.h>

#include "schema/lint/live_context.h"
#include "schema/lint/pg_rules.h"

namespace sluice::schema::lint {

std::optional<Severity> parse_severity(std::string_view text) {
  if (text == "notice") return Severity::Notice;
  if (text == "warning") return Severity::Warning;
  if (text == "error") return Severity::Error;
  return std::nullopt;
}

bool is_known_rule_id(std::string_view id) {
  return find_pg_rule(id) != nullptr || id.starts_with("mysql-") || is_live_rule_id(id);
}

bool LintConfig::path_excluded(const std::string& path) const {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  for (const std::string& pattern : exclude_paths) {
    if (fnmatch(pattern.c_str(), path.c_str(), 0) == 0 || fnmatch(pattern.c_str(), base.c_str(), 0) == 0) return true;
  }
  return false;
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

class Loader {
 public:
  explicit Loader(std::string source) : source_(std::move(source)) {}

  LintConfig load(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, source_);
    } catch (const toml::parse_error& e) {
      fail_at(e.source(), std::string(e.description()));
    }
    LintConfig config;
    config.source = source_;
    check_keys(root, "", {"fail_on", "exclude_rules", "exclude_paths", "severity", "postgres", "live"});
    if (const toml::node* n = root.get("fail_on")) config.fail_on = severity(*n, "fail_on");
    if (const toml::node* n = root.get("exclude_rules")) {
      for (const toml::node* item : string_array(*n, "exclude_rules")) {
        std::string id = item->as_string()->get();
        check_rule(*item, id);
        config.exclude_rules.insert(id);
      }
    }
    if (const toml::node* n = root.get("exclude_paths")) {
      for (const toml::node* item : string_array(*n, "exclude_paths")) config.exclude_paths.push_back(item->as_string()->get());
    }
    if (const toml::table* t = section(root, "severity")) {
      for (const auto& [key, node] : *t) {
        std::string id(key.str());
        if (!is_known_rule_id(id)) fail_at(key.source(), unknown_rule(id));
        config.severity[id] = severity(node, "severity." + id);
      }
    }
    if (const toml::table* t = section(root, "postgres")) {
      check_keys(*t, "postgres", {"version", "assume_in_transaction"});
      if (const toml::node* n = t->get("version")) {
        int64_t v = integer(*n, "postgres.version");
        if (v < 9 || v > 99) fail_at(*n, "postgres.version must be a major version between 9 and 99 (got " + std::to_string(v) + ")");
        config.pg_version = static_cast<int>(v);
      }
      if (const toml::node* n = t->get("assume_in_transaction")) {
        if (!n->is_boolean()) fail_at(*n, "postgres.assume_in_transaction must be true or false");
        config.assume_in_transaction = n->as_boolean()->get();
      }
    }
    if (const toml::table* t = section(root, "live")) {
      check_keys(*t, "live", {"large_table_rows", "small_table_rows", "large_table_bytes",
                              "hot_table_queries_per_minute", "workload_days", "rewrite_mb_per_second",
                              "scan_mb_per_second", "long_transaction_seconds"});
      auto read = [&](const char* key, int64_t& into) {
        if (const toml::node* n = t->get(key)) {
          into = integer(*n, std::string("live.") + key);
          if (into < 0) fail_at(*n, std::string("live.") + key + " must be >= 0");
        }
      };
      read("large_table_rows", config.live.large_table_rows);
      read("small_table_rows", config.live.small_table_rows);
      read("large_table_bytes", config.live.large_table_bytes);
      read("hot_table_queries_per_minute", config.live.hot_table_queries_per_minute);
      read("workload_days", config.live.workload_days);
      read("rewrite_mb_per_second", config.live.rewrite_mb_per_second);
      read("scan_mb_per_second", config.live.scan_mb_per_second);
      read("long_transaction_seconds", config.live.long_transaction_seconds);
      for (const char* key : {"rewrite_mb_per_second", "scan_mb_per_second"}) {
        if (const toml::node* n = t->get(key); n != nullptr && n->as_integer()->get() == 0) {
          fail_at(*n, std::string("live.") + key + " must be > 0");
        }
      }
      if (config.live.small_table_rows > config.live.large_table_rows) {
        fail_at(*t, "live.small_table_rows must not exceed live.large_table_rows");
      }
    }
    return config;
  }

 private:
  [[noreturn]] void fail_at(const toml::source_region& region, const std::string& reason) const {
    if (region.begin.line == 0) throw common::ConfigError(source_ + ": " + reason);
    throw common::ConfigError(source_ + ":" + std::to_string(region.begin.line) + ":" +
                              std::to_string(region.begin.column) + ": " + reason);
  }
  [[noreturn]] void fail_at(const toml::node& node, const std::string& reason) const { fail_at(node.source(), reason); }

  void check_keys(const toml::table& table, std::string_view name, std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, node] : table) {
      std::string_view k = key.str();
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      std::string reason = name.empty() ? "unknown key " + squote(k) : "unknown key " + squote(k) + " in [" + std::string(name) + "]";
      std::string_view best;
      std::size_t best_distance = 3;
      for (std::string_view candidate : allowed) {
        if (std::size_t d = edit_distance(k, candidate); d < best_distance) {
          best_distance = d;
          best = candidate;
        }
      }
      if (!best.empty()) {
        reason += " (did you mean " + squote(best) + "?)";
      } else {
        std::string all;
        for (std::string_view a : allowed) all += (all.empty() ? "" : ", ") + std::string(a);
        reason += " (expected one of: " + all + ")";
      }
      fail_at(key.source(), reason);
    }
  }

  const toml::table* section(const toml::table& root, std::string_view name) const {
    const toml::node* n = root.get(name);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) fail_at(*n, squote(name) + " must be a table ([" + std::string(name) + "])");
    return n->as_table();
  }

  std::string unknown_rule(const std::string& id) const {
    std::string reason = "unknown rule " + squote(id);
    std::string_view best;
    std::size_t best_distance = 4;
    for (const PgRule& r : pg_rules()) {
      if (std::size_t d = edit_distance(id, r.id); d < best_distance) {
        best_distance = d;
        best = r.id;
      }
    }
    if (!best.empty()) reason += " (did you mean " + squote(best) + "?)";
    return reason;
  }

  void check_rule(const toml::node& node, const std::string& id) const {
    if (!is_known_rule_id(id)) fail_at(node, unknown_rule(id));
  }

  Severity severity(const toml::node& node, const std::string& what) const {
    const auto* s = node.as_string();
    std::optional<Severity> v = s != nullptr ? parse_severity(s->get()) : std::nullopt;
    if (!v) fail_at(node, what + " must be one of notice, warning, error");
    return *v;
  }

  int64_t integer(const toml::node& node, const std::string& what) const {
    if (!node.is_integer()) fail_at(node, what + " must be an integer");
    return node.as_integer()->get();
  }

  std::vector<const toml::node*> string_array(const toml::node& node, const std::string& what) const {
    const toml::array* a = node.as_array();
    if (a == nullptr) fail_at(node, what + " must be an array of strings");
    std::vector<const toml::node*> out;
    for (const toml::node& item : *a) {
      if (!item.is_string()) fail_at(item, what + " must be an array of strings");
      out.push_back(&item);
    }
    return out;
  }

  std::string source_;
};

}  // namespace

LintConfig load_lint_config_string(std::string_view toml_text, const std::string& source_name) {
  return Loader(source_name).load(toml_text);
}

LintConfig load_lint_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw common::ConfigError(path + ": cannot read");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return load_lint_config_string(buffer.str(), path);
}

}  // namespace sluice::schema::lint
