#include "advisor/advisor_config.h"

#include <algorithm>
#include <filesystem>
#include <initializer_list>

#include <toml++/toml.h>

#include "common/config_error.h"

namespace sluice::advisor {

namespace {

using common::ConfigError;

class AdvisorConfigLoader {
 public:
  explicit AdvisorConfigLoader(std::string path) : path_(std::move(path)) {}

  AdvisorConfig load() {
    toml::table root;
    try {
      root = toml::parse_file(path_);
    } catch (const toml::parse_error& e) {
      fail(e.source(), std::string(e.description()));
    }
    AdvisorConfig config;
    config.source = path_;
    base_ = std::filesystem::path(path_).parent_path();
    for (const auto& [key, node] : root) {
      static const std::initializer_list<std::string_view> kSections = {
          "proxy", "auth", "timeouts", "tls", "observe", "admin", "databases", "users", "advisor"};
      if (std::find(kSections.begin(), kSections.end(), key.str()) == kSections.end()) {
        fail(key.source(), "unknown section '" + std::string(key.str()) + "'");
      }
    }
    const toml::table* advisor = root["advisor"].as_table();
    if (advisor == nullptr) {
      throw ConfigError(path_ + ": no [advisor] section (it needs at least target = \"postgres://...\")");
    }
    std::string admin_listen, admin_token;
    if (const toml::table* admin = root["admin"].as_table()) {
      if (auto v = (*admin)["http_listen"].value<std::string>()) admin_listen = *v;
      if (auto v = (*admin)["http_token"].value<std::string>()) admin_token = *v;
    }
    static const std::initializer_list<std::string_view> kKeys = {
        "target",   "proxies",         "proxy_token", "out_dir",           "interval",
        "window_days", "budget",       "budget_bytes", "validate",         "validate_target",
        "mode",     "autonomous_window", "autonomous_max_index_bytes",     "audit_log"};
    for (const auto& [key, node] : *advisor) {
      if (std::find(kKeys.begin(), kKeys.end(), key.str()) == kKeys.end()) {
        std::string all;
        for (auto k : kKeys) all += (all.empty() ? "" : ", ") + std::string(k);
        fail(key.source(), "unknown key '" + std::string(key.str()) + "' in [advisor] (expected one of: " + all + ")");
      }
    }
    const toml::table& t = *advisor;
    if (const toml::node* n = t.get("target")) config.target = string_of(*n, "advisor.target");
    if (config.target.empty()) fail(t.source(), "advisor.target is required (postgres://user@host:5432/db)");
    std::string token = admin_token;
    if (const toml::node* n = t.get("proxy_token")) token = string_of(*n, "advisor.proxy_token");
    if (const toml::node* n = t.get("proxies")) {
      const toml::array* list = n->as_array();
      if (list == nullptr) fail(n->source(), "advisor.proxies must be an array of URLs");
      for (const toml::node& item : *list) {
        std::string url = string_of(item, "advisor.proxies entry");
        if (url.rfind("http://", 0) != 0) fail(item.source(), "advisor.proxies: '" + url + "' is not an http:// URL");
        config.proxies.push_back({url, token});
      }
    } else if (!admin_listen.empty()) {
      config.proxies.push_back({"http://" + admin_listen, token});
    }
    if (config.proxies.empty()) {
      fail(t.source(), "advisor.proxies is empty and [admin] http_listen is not set: the advisor has no workload");
    }
    if (const toml::node* n = t.get("out_dir")) config.out_dir = path_of(*n, "advisor.out_dir");
    if (const toml::node* n = t.get("interval")) {
      config.interval_s = number_of(*n, "advisor.interval");
      if (config.interval_s < 1) fail(n->source(), "advisor.interval must be at least 1 second");
    }
    if (const toml::node* n = t.get("window_days")) {
      config.window_days = number_of(*n, "advisor.window_days");
      if (config.window_days <= 0) fail(n->source(), "advisor.window_days must be positive");
    }
    if (const toml::node* n = t.get("budget")) {
      config.budget_fraction = number_of(*n, "advisor.budget");
      if (config.budget_fraction <= 0 || config.budget_fraction > 10) {
        fail(n->source(), "advisor.budget is a fraction of the database size (0.25 = 25%), between 0 and 10");
      }
    }
    if (const toml::node* n = t.get("budget_bytes")) {
      auto v = n->value<int64_t>();
      if (!v || *v < 0) fail(n->source(), "advisor.budget_bytes must be a non-negative integer");
      config.budget_bytes = *v;
    }
    if (const toml::node* n = t.get("validate")) {
      auto v = n->value<bool>();
      if (!v) fail(n->source(), "advisor.validate must be true or false");
      config.validate = *v;
    }
    if (const toml::node* n = t.get("validate_target")) config.validate_target = string_of(*n, "advisor.validate_target");
    if (const toml::node* n = t.get("mode")) {
      std::string text = string_of(*n, "advisor.mode");
      auto level = parse_trust_level(text);
      if (!level) fail(n->source(), "advisor.mode must be advise, supervised or autonomous, not '" + text + "'");
      config.mode = *level;
    }
    if (const toml::node* n = t.get("autonomous_window")) {
      try {
        config.autonomous_window = parse_time_window(string_of(*n, "advisor.autonomous_window"));
      } catch (const std::invalid_argument& e) {
        fail(n->source(), std::string("advisor.autonomous_window: ") + e.what());
      }
    }
    if (const toml::node* n = t.get("autonomous_max_index_bytes")) {
      auto v = n->value<int64_t>();
      if (!v || *v <= 0) fail(n->source(), "advisor.autonomous_max_index_bytes must be a positive integer");
      config.autonomous_max_index_bytes = *v;
    }
    if (config.mode == TrustLevel::Autonomous && !config.autonomous_window) {
      fail(t.source(), "advisor.mode = \"autonomous\" needs advisor.autonomous_window (e.g. \"02:00-05:00\" UTC)");
    }
    if (config.mode == TrustLevel::Autonomous && !config.validate) {
      fail(t.source(), "advisor.mode = \"autonomous\" needs advisor.validate = true (only validated indexes are created)");
    }
    if (const toml::node* n = t.get("audit_log")) config.audit_log = path_of(*n, "advisor.audit_log");
    if (config.audit_log.empty()) config.audit_log = (std::filesystem::path(config.out_dir) / "audit.log").string();
    return config;
  }

 private:
  [[noreturn]] void fail(const toml::source_region& region, const std::string& reason) const {
    if (region.begin.line == 0) throw ConfigError(path_ + ": " + reason);
    throw ConfigError(path_ + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column) +
                      ": " + reason);
  }
  std::string string_of(const toml::node& n, const std::string& what) const {
    auto v = n.value<std::string>();
    if (!v || !n.is_string()) fail(n.source(), what + " must be a string");
    return *v;
  }
  double number_of(const toml::node& n, const std::string& what) const {
    if (!n.is_number()) fail(n.source(), what + " must be a number");
    return *n.value<double>();
  }
  std::string path_of(const toml::node& n, const std::string& what) const {
    std::string text = string_of(n, what);
    std::filesystem::path p(text);
    if (!text.empty() && p.is_relative() && !base_.empty()) return (base_ / p).lexically_normal().string();
    return text;
  }

  std::string path_;
  std::filesystem::path base_;
};

}  // namespace

AdvisorConfig load_advisor_config(const std::string& path) {
  if (!std::filesystem::exists(path)) throw ConfigError(path + ": no such file");
  return AdvisorConfigLoader(path).load();
}

}  // namespace sluice::advisor
