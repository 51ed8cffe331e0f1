// Helpers shared by the observation and administration tests (observe_*_test.cc, admin_*_test.cc):
// the admin console (database "sluice") through libpq, GETs on the admin HTTP listener, a small
// checker of the Prometheus text format, the proxy's resident memory, and TOML snippets for the
// [observe] and [admin] sections. Header-only, like raw_wire_helpers.h.
#pragma once

#include <httplib.h>
#include <libpq-fe.h>
#include <sys/types.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/fixtures/free_port.h"
#include "tests/fixtures/pg_client.h"
#include "tests/fixtures/proxy_test.h"
#include "tests/integration/raw_wire_helpers.h"

namespace sluice::testing::observe {

using json = nlohmann::json;
using namespace std::chrono_literals;

// ---- TOML ---------------------------------------------------------------------------------------

struct ObserveToml {
  std::string samples;           // "" = default
  int max_fingerprints = 0;      // 0 = default
  double flush_interval = 0;     // 0 = default (1 s)
  uint16_t http_port = 0;        // 0 = no HTTP listener
  std::string http_token;        // "" = none
  std::string extra;             // appended as is

  // Chainable setters: ObserveToml().with_samples("redacted").with_flush_interval(0.2)
  ObserveToml& with_samples(std::string v) { samples = std::move(v); return *this; }
  ObserveToml& with_max_fingerprints(int v) { max_fingerprints = v; return *this; }
  ObserveToml& with_flush_interval(double v) { flush_interval = v; return *this; }
  ObserveToml& with_token(std::string v) { http_token = std::move(v); return *this; }
};

// The [observe] and [admin] tables for ProxyOptions::extra.
inline std::string observe_toml(const ObserveToml& o) {
  std::ostringstream out;
  out << "[observe]\n";
  if (!o.samples.empty()) out << "samples = " << toml_string(o.samples) << "\n";
  if (o.max_fingerprints > 0) out << "max_fingerprints = " << o.max_fingerprints << "\n";
  if (o.flush_interval > 0) out << "flush_interval = " << o.flush_interval << "\n";
  out << "\n[admin]\n";
  if (o.http_port != 0) out << "http_listen = " << toml_string("127.0.0.1:" + std::to_string(o.http_port)) << "\n";
  if (!o.http_token.empty()) out << "http_token = " << toml_string(o.http_token) << "\n";
  out << "\n" << o.extra << "\n";
  return out.str();
}

// ---- admin console ------------------------------------------------------------------------------

inline std::string admin_conninfo(uint16_t port, const std::string& user = "postgres",
                                  const std::string& password = "postgres") {
  std::string s = "host=127.0.0.1 port=" + std::to_string(port) + " dbname=sluice sslmode=disable connect_timeout=15" +
                  " user=" + conninfo_quote(user);
  if (!password.empty()) s += " password=" + conninfo_quote(password);
  return s;
}

// A result of the admin console as text: column names and rows by column name. NULL is "<NULL>".
struct Table {
  std::vector<std::string> columns;
  std::vector<std::map<std::string, std::string>> rows;
  std::string error;     // "" when the command succeeded
  std::string sqlstate;  // of the error
  std::string command_tag;

  bool ok() const { return error.empty(); }
  bool has_column(const std::string& c) const { return std::find(columns.begin(), columns.end(), c) != columns.end(); }
  // Rows whose columns equal the given values.
  std::vector<std::map<std::string, std::string>> where(const std::map<std::string, std::string>& match) const {
    std::vector<std::map<std::string, std::string>> out;
    for (const auto& r : rows) {
      bool all = true;
      for (const auto& [k, v] : match) {
        auto it = r.find(k);
        all = all && it != r.end() && it->second == v;
      }
      if (all) out.push_back(r);
    }
    return out;
  }
  std::string describe() const {
    std::ostringstream s;
    if (!ok()) s << "error " << sqlstate << ": " << error << "\n";
    for (std::size_t i = 0; i < columns.size(); ++i) s << (i ? "|" : "") << columns[i];
    s << "\n";
    for (const auto& r : rows) {
      for (std::size_t i = 0; i < columns.size(); ++i) {
        auto it = r.find(columns[i]);
        s << (i ? "|" : "") << (it == r.end() ? "?" : it->second);
      }
      s << "\n";
    }
    return s.str();
  }
};

inline Table to_table(const PGresult* res) {
  Table t;
  if (res == nullptr) {
    t.error = "no result";
    return t;
  }
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
    t.error = describe_result(res);
    t.sqlstate = sqlstate_of(res);
    return t;
  }
  t.command_tag = PQcmdStatus(const_cast<PGresult*>(res));
  for (int c = 0; c < PQnfields(res); ++c) t.columns.emplace_back(PQfname(res, c));
  for (int r = 0; r < PQntuples(res); ++r) {
    std::map<std::string, std::string> row;
    for (int c = 0; c < PQnfields(res); ++c) {
      row[t.columns[std::size_t(c)]] = PQgetisnull(res, r, c) ? "<NULL>" : PQgetvalue(res, r, c);
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

inline Table admin_query(PGconn* conn, const std::string& sql) {
  PgResultPtr res = pg_exec(conn, sql);
  return to_table(res.get());
}
inline Table admin_query(const PgConnPtr& conn, const std::string& sql) { return admin_query(conn.get(), sql); }

inline double num(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end == s.c_str() || *end != '\0') return std::nan("");
  return v;
}
inline int64_t integer(const std::string& s) {
  double v = num(s);
  return std::isnan(v) ? INT64_MIN : int64_t(std::llround(v));
}

// ---- HTTP ---------------------------------------------------------------------------------------

struct HttpResult {
  int status = 0;  // 0: no response
  std::string body;
  std::string error;  // transport error
  std::multimap<std::string, std::string> headers;

  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
        return v;
    }
    return "";
  }
  std::string describe() const {
    return "HTTP " + std::to_string(status) + (error.empty() ? "" : " (" + error + ")") + ": " +
           (body.size() > 2000 ? body.substr(0, 2000) + "..." : body);
  }
};

// GET http://127.0.0.1:port<path>, with "Authorization: <authorization>" when not empty.
inline HttpResult http_get(uint16_t port, const std::string& path, const std::string& authorization = "") {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(5, 0);
  cli.set_read_timeout(20, 0);
  cli.set_write_timeout(5, 0);
  httplib::Headers headers;
  if (!authorization.empty()) headers.emplace("Authorization", authorization);
  HttpResult out;
  auto res = cli.Get(path.c_str(), headers);
  if (!res) {
    out.error = httplib::to_string(res.error());
    return out;
  }
  out.status = res->status;
  out.body = res->body;
  for (const auto& [k, v] : res->headers) out.headers.emplace(k, v);
  return out;
}

// GET and parse a JSON body; a failure (status, transport, parse) is recorded in *why.
inline std::optional<json> http_json(uint16_t port, const std::string& path, std::string* why,
                                     const std::string& authorization = "") {
  HttpResult r = http_get(port, path, authorization);
  if (r.status != 200) {
    if (why) *why = path + ": " + r.describe();
    return std::nullopt;
  }
  try {
    return json::parse(r.body);
  } catch (const std::exception& e) {
    if (why) *why = path + ": body is not JSON (" + e.what() + "): " + r.body.substr(0, 500);
    return std::nullopt;
  }
}

// The admin HTTP listener accepts TCP (it starts right after the PostgreSQL listeners).
inline bool wait_http(uint16_t port, std::chrono::milliseconds timeout = 10s) {
  return wait_port_accepts(port, timeout);
}

// The entry of a queries array (from /api/v1/queries or a workload table) whose text field
// contains needle; nullopt unless exactly one does (*count gets how many did).
inline std::optional<json> find_query(const json& queries, const std::string& field, const std::string& needle,
                                      int* count = nullptr) {
  std::optional<json> found;
  int n = 0;
  if (queries.is_array()) {
    for (const json& q : queries) {
      if (q.contains(field) && q[field].is_string() && q[field].get<std::string>().find(needle) != std::string::npos) {
        ++n;
        found = q;
      }
    }
  }
  if (count) *count = n;
  if (n != 1) return std::nullopt;
  return found;
}

inline double jnum(const json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nan("");
  return j[key].get<double>();
}

// ---- Prometheus text format ---------------------------------------------------------------------

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromParse {
  std::vector<std::string> errors;  // each with its line number
  std::vector<PromSample> samples;
  std::map<std::string, std::string> types;  // family -> type

  // The value of the one sample with this name whose labels include `labels`; nullopt when none or several.
  std::optional<double> value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    std::optional<double> v;
    int n = 0;
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool match = true;
      for (const auto& [k, val] : labels) {
        auto it = s.labels.find(k);
        match = match && it != s.labels.end() && it->second == val;
      }
      if (!match) continue;
      ++n;
      v = s.value;
    }
    return n == 1 ? v : std::nullopt;
  }
  std::vector<PromSample> all(const std::string& name) const {
    std::vector<PromSample> out;
    for (const auto& s : samples)
      if (s.name == name) out.push_back(s);
    return out;
  }
  std::string error_text() const {
    std::string s;
    for (const auto& e : errors) s += e + "\n";
    return s;
  }
};

inline bool prom_metric_name_ok(const std::string& n) {
  static const std::regex re("^[a-zA-Z_:][a-zA-Z0-9_:]*$");
  return std::regex_match(n, re);
}
inline bool prom_label_name_ok(const std::string& n) {
  static const std::regex re("^[a-zA-Z_][a-zA-Z0-9_]*$");
  return std::regex_match(n, re) && n.rfind("__", 0) != 0;
}

inline std::optional<double> prom_float(const std::string& s) {
  if (s == "NaN") return std::nan("");
  if (s == "+Inf" || s == "Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  static const std::regex re(R"(^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$)");
  if (!std::regex_match(s, re)) return std::nullopt;
  return std::strtod(s.c_str(), nullptr);
}

// Checks the Prometheus text exposition format 0.0.4: HELP / TYPE lines (at most one each per
// family, TYPE before the samples), metric and label name syntax, label value escapes, float
// values, families not interleaved, no duplicate series, counters not negative, and histograms
// whose buckets are cumulative, sorted by le, end with le="+Inf" equal to _count, with a _sum.
inline PromParse parse_prometheus(const std::string& text) {
  PromParse p;
  std::map<std::string, std::string> helps;
  std::set<std::string> closed_families;
  std::string current_family;
  std::set<std::string> series_seen;
  auto err = [&](int line, const std::string& what) { p.errors.push_back("line " + std::to_string(line) + ": " + what); };
  auto family_of = [&](const std::string& name) -> std::string {
    if (p.types.count(name)) return name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string sfx = suffix;
      if (name.size() > sfx.size() && name.compare(name.size() - sfx.size(), sfx.size(), sfx) == 0) {
        std::string base = name.substr(0, name.size() - sfx.size());
        auto it = p.types.find(base);
        if (it != p.types.end() && (it->second == "histogram" || it->second == "summary")) return base;
      }
    }
    return name;
  };
  auto switch_family = [&](int line, const std::string& fam) {
    if (fam == current_family) return;
    if (closed_families.count(fam)) err(line, "family " + fam + " is split (its lines are not together)");
    if (!current_family.empty()) closed_families.insert(current_family);
    current_family = fam;
  };

  if (!text.empty() && text.back() != '\n') p.errors.push_back("the text does not end with a newline");
  std::istringstream in(text);
  std::string line;
  int ln = 0;
  while (std::getline(in, line)) {
    ++ln;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream ls(line);
      std::string hash, kind, name;
      ls >> hash >> kind >> name;
      if (hash != "#") {
        err(ln, "comment must start with '# '");
        continue;
      }
      if (kind != "HELP" && kind != "TYPE") continue;  // other comments are allowed
      if (!prom_metric_name_ok(name)) {
        err(ln, "bad metric name in " + kind + ": '" + name + "'");
        continue;
      }
      switch_family(ln, name);
      if (kind == "HELP") {
        if (helps.count(name)) err(ln, "second HELP for " + name);
        std::string rest;
        std::getline(ls, rest);
        helps[name] = rest;
        // Only \\ and \n escapes are valid in HELP text.
        for (std::size_t i = 0; i < rest.size(); ++i) {
          if (rest[i] == '\\') {
            if (i + 1 >= rest.size() || (rest[i + 1] != '\\' && rest[i + 1] != 'n')) err(ln, "bad escape in HELP");
            ++i;
          }
        }
      } else {
        std::string type, more;
        ls >> type;
        if (ls >> more) err(ln, "trailing text after TYPE");
        if (p.types.count(name)) err(ln, "second TYPE for " + name);
        static const std::set<std::string> kTypes{"counter", "gauge", "histogram", "summary", "untyped"};
        if (!kTypes.count(type)) err(ln, "unknown TYPE '" + type + "'");
        for (const auto& s : p.samples)
          if (family_of(s.name) == name) err(ln, "TYPE for " + name + " after its samples");
        p.types[name] = type;
      }
      continue;
    }
    // name{labels} value [timestamp]
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    PromSample s;
    s.name = line.substr(0, i);
    if (!prom_metric_name_ok(s.name)) {
      err(ln, "bad metric name '" + s.name + "'");
      continue;
    }
    bool bad = false;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        std::size_t eq = line.find('=', i);
        if (eq == std::string::npos) {
          bad = true;
          break;
        }
        std::string lname = line.substr(i, eq - i);
        if (!prom_label_name_ok(lname)) {
          err(ln, "bad label name '" + lname + "'");
          bad = true;
          break;
        }
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') {
          bad = true;
          break;
        }
        ++i;
        std::string value;
        bool closed = false;
        while (i < line.size()) {
          char c = line[i];
          if (c == '\\') {
            if (i + 1 >= line.size()) break;
            char e = line[i + 1];
            if (e == '\\') value += '\\';
            else if (e == '"') value += '"';
            else if (e == 'n') value += '\n';
            else {
              err(ln, "bad escape in label value");
              value += e;
            }
            i += 2;
            continue;
          }
          if (c == '"') {
            closed = true;
            ++i;
            break;
          }
          value += c;
          ++i;
        }
        if (!closed) {
          bad = true;
          break;
        }
        if (s.labels.count(lname)) err(ln, "label " + lname + " twice");
        s.labels[lname] = value;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (bad || i >= line.size() || line[i] != '}') {
        err(ln, "malformed labels: " + line);
        continue;
      }
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      err(ln, "no value: " + line);
      continue;
    }
    std::istringstream rest(line.substr(i + 1));
    std::string value_text, ts, more;
    rest >> value_text;
    auto v = prom_float(value_text);
    if (!v) {
      err(ln, "value is not a float: '" + value_text + "'");
      continue;
    }
    if (rest >> ts) {
      static const std::regex int_re("^-?[0-9]+$");
      if (!std::regex_match(ts, int_re)) err(ln, "bad timestamp '" + ts + "'");
      if (rest >> more) err(ln, "trailing text: " + line);
    }
    s.value = *v;
    std::string fam = family_of(s.name);
    switch_family(ln, fam);
    auto type_it = p.types.find(fam);
    if (type_it == p.types.end()) err(ln, "sample of " + s.name + " without a TYPE line before it");
    if (!helps.count(fam)) err(ln, "sample of " + s.name + " without a HELP line before it");
    if (type_it != p.types.end() && type_it->second == "counter" && !(s.value >= 0))
      err(ln, "negative or NaN counter " + s.name);
    if (type_it != p.types.end() && type_it->second == "histogram" && s.name == fam)
      err(ln, "histogram sample without _bucket/_sum/_count suffix: " + s.name);
    std::string key = s.name;
    for (const auto& [k, val] : s.labels) key += "\x1f" + k + "=" + val;
    if (!series_seen.insert(key).second) err(ln, "duplicate series " + line);
    p.samples.push_back(std::move(s));
  }

  // Histograms: per series (labels without le), buckets sorted by le, cumulative, +Inf last and == _count.
  for (const auto& [fam, type] : p.types) {
    if (type != "histogram") continue;
    std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
    std::map<std::map<std::string, std::string>, double> counts;
    std::set<std::map<std::string, std::string>> sums;
    for (const auto& s : p.samples) {
      if (s.name == fam + "_bucket") {
        auto labels = s.labels;
        auto le = labels.find("le");
        if (le == labels.end()) {
          p.errors.push_back(fam + "_bucket without le");
          continue;
        }
        auto bound = prom_float(le->second);
        if (!bound) p.errors.push_back(fam + "_bucket le is not a float: " + le->second);
        labels.erase(le);
        buckets[labels].emplace_back(bound.value_or(NAN), s.value);
      } else if (s.name == fam + "_count") {
        counts[s.labels] = s.value;
      } else if (s.name == fam + "_sum") {
        sums.insert(s.labels);
      }
    }
    for (const auto& [labels, bs] : buckets) {
      std::string where = fam + " series " + std::to_string(labels.size()) + " labels";
      for (const auto& [k, v] : labels) where += " " + k + "=" + v;
      for (std::size_t i = 1; i < bs.size(); ++i) {
        if (!(bs[i].first > bs[i - 1].first)) p.errors.push_back(where + ": le not increasing");
        if (bs[i].second < bs[i - 1].second) p.errors.push_back(where + ": bucket counts not cumulative");
      }
      if (bs.empty() || !std::isinf(bs.back().first)) p.errors.push_back(where + ": last bucket is not le=\"+Inf\"");
      auto c = counts.find(labels);
      if (c == counts.end()) p.errors.push_back(where + ": no _count");
      else if (!bs.empty() && bs.back().second != c->second)
        p.errors.push_back(where + ": +Inf bucket " + std::to_string(bs.back().second) + " != _count " +
                           std::to_string(c->second));
      if (!sums.count(labels)) p.errors.push_back(where + ": no _sum");
    }
    for (const auto& [labels, c] : counts) {
      if (!buckets.count(labels)) p.errors.push_back(fam + ": _count without buckets");
    }
  }
  return p;
}

// ---- process ------------------------------------------------------------------------------------

// VmRSS of a process in KiB; -1 when unreadable.
inline long vm_rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

// Local port of a libpq connection's socket (for matching SHOW CLIENTS rows).
inline int local_port(PGconn* conn) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(PQsocket(conn), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  return ntohs(addr.sin_port);
}

// ---- fixture ------------------------------------------------------------------------------------

// A proxy with observation on and the admin HTTP listener on a free port. Proxy-only behaviour:
// skipped in SLUICE_TEST_DIRECT mode.
class ObserveProxyTest : public ProxyTest {
 protected:
  void SetUp() override {
    ProxyTest::SetUp();
    if (direct()) GTEST_SKIP() << "observation and the admin console are proxy features";
  }

  // Starts the proxy with the given [observe] / [admin] settings (http_port is filled in).
  void start_observed(ObserveToml o = {}, PoolMode mode = PoolMode::Transaction, int pool_size = 4,
                      ProxyOptions options = {}) {
    http_port_ = free_port();
    o.http_port = http_port_;
    options.extra += observe_toml(o);
    options_ = options;
    ASSERT_NO_FATAL_FAILURE(start_proxy(mode, pool_size, options));
    ASSERT_TRUE(wait_http(http_port_)) << "the admin HTTP listener does not accept on 127.0.0.1:" << http_port_
                                       << proxy_log();
  }

  PgConnPtr admin(const std::string& user = "postgres", const std::string& password = "postgres") const {
    return pg_connect(admin_conninfo(port(), user, password));
  }

  uint16_t http_port() const { return http_port_; }

  // GET path as JSON; a failure is a test failure and gives an empty object.
  json get_json(const std::string& path, const std::string& authorization = "") const {
    std::string why;
    auto j = http_json(http_port_, path, &why, authorization);
    if (!j) {
      ADD_FAILURE() << why << proxy_log();
      return json::object();
    }
    return *j;
  }

  // /api/v1/queries?order_by=calls&limit=n (quietly: nullopt when it failed).
  std::optional<json> api_queries(const std::string& order_by = "calls", int limit = 100) const {
    return http_json(http_port_, "/api/v1/queries?order_by=" + order_by + "&limit=" + std::to_string(limit), nullptr);
  }

  // Polls /api/v1/queries until pred(body) holds (up to timeout); returns the last body.
  json poll_queries(const std::function<bool(const json&)>& pred, std::chrono::milliseconds timeout = 5s,
                    const std::string& order_by = "calls", int limit = 100) const {
    json last = json::object();
    wire::eventually(timeout, [&] {
      auto j = api_queries(order_by, limit);
      if (!j) return false;
      last = *j;
      return pred(last);
    });
    return last;
  }

  // Calls of the one entry whose query text contains needle (-1 when there is not exactly one).
  static int64_t calls_of(const json& body, const std::string& needle) {
    auto q = find_query(body.value("queries", json::array()), "query", needle);
    return q ? q->value("calls", int64_t(-1)) : -1;
  }

  PromParse get_metrics(const std::string& authorization = "") const {
    HttpResult r = http_get(http_port_, "/metrics", authorization);
    PromParse p;
    if (r.status != 200) {
      ADD_FAILURE() << "/metrics: " << r.describe() << proxy_log();
      p.errors.push_back("no /metrics");
      return p;
    }
    return parse_prometheus(r.body);
  }

  // The config the running proxy was started with, with another pool size (for reloads).
  std::string toml_with_pool_size(int pool_size) const {
    return proxy_toml(pg(), mode(), pool_size, port(), options_);
  }

  uint16_t http_port_ = 0;
  ProxyOptions options_;  // as passed to start_proxy() by start_observed()
};

}  // namespace sluice::testing::observe
