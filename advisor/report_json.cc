#include "advisor/report_json.h"

#include <cmath>
#include <limits>
#include <utility>

namespace sluice::advisor {
namespace {

using json = nlohmann::json;

// Doubles: NaN and infinities have no JSON form; they are written as null and read back as NaN.
json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json optional_number(const std::optional<double>& v) { return v ? number(*v) : json(nullptr); }

json number_list(const std::vector<double>& values) {
  json out = json::array();
  for (double v : values) out.push_back(number(v));
  return out;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t utf8_sequence(const std::string& s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned min = 0;
  unsigned cp = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2, min = 0x80, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, min = 0x800, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Query text comes from the wire in whatever encoding the client used; JSON text must be UTF-8
// (nlohmann's dump throws on anything else), so invalid bytes become U+FFFD.
std::string utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t n = utf8_sequence(s, i);
    if (n == 0) break;
    i += n;
  }
  if (i == s.size()) return s;
  std::string out = s.substr(0, i);
  while (i < s.size()) {
    const size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

json utf8_list(const std::vector<std::string>& items) {
  json out = json::array();
  for (const auto& s : items) out.push_back(utf8(s));
  return out;
}

json to_json(const ReportQuery& q) {
  return json{{"id", q.id},
              {"database", q.database},
              {"text", utf8(q.text)},
              {"sample_text", utf8(q.sample_text)},
              {"calls", q.calls},
              {"total_ms", number(q.total_ms)},
              {"mean_ms", number(q.mean_ms)},
              {"p99_ms", number(q.p99_ms)},
              {"cost_before", number(q.cost_before)},
              {"cost_after", number(q.cost_after)},
              {"costed", q.costed},
              {"cost_error", utf8(q.cost_error)}};
}

json to_json(const QueryGain& g) {
  return json{{"query_id", g.query_id},
              {"cost_before", number(g.cost_before)},
              {"cost_after", number(g.cost_after)},
              {"measured_before_ms", optional_number(g.measured_before_ms)},
              {"measured_after_ms", optional_number(g.measured_after_ms)}};
}

json to_json(const ValidationEvidence& v) {
  json runs = json::array();
  for (const auto& r : v.runs) {
    runs.push_back(json{{"query_id", r.query_id},
                        {"before_runs_ms", number_list(r.before_runs_ms)},
                        {"after_runs_ms", number_list(r.after_runs_ms)},
                        {"before_ms", number(r.before_ms)},
                        {"after_ms", number(r.after_ms)}});
  }
  return json{{"ran", v.ran},
              {"kept", v.kept},
              {"verdict", v.verdict},
              {"build_ms", number(v.build_ms)},
              {"actual_size_bytes", v.actual_size_bytes},
              {"runs", std::move(runs)},
              {"error", utf8(v.error)}};
}

json to_json(const Suggestion& s) {
  json gains = json::array();
  for (const auto& g : s.gains) gains.push_back(to_json(g));
  return json{{"id", s.id},
              {"table", s.table},
              {"columns", s.columns},
              {"create_statement", s.create_statement},
              {"size_bytes", s.size_bytes},
              {"benefit", number(s.benefit)},
              {"maintenance_cost", number(s.maintenance_cost)},
              {"write_rows", number(s.write_rows)},
              {"replaces", s.replaces},
              {"reason", s.reason},
              {"gains", std::move(gains)},
              {"validation", to_json(s.validation)},
              {"status", s.status}};
}

json to_json(const DropSuggestion& d) {
  return json{{"table", d.table},
              {"index", d.index},
              {"size_bytes", d.size_bytes},
              {"idx_scan", d.idx_scan},
              {"reason", d.reason},
              {"covered_by", d.covered_by},
              {"drop_statement", d.drop_statement},
              {"explanation", d.explanation}};
}

json to_json(const RejectedIndex& r) { return json{{"index", r.index}, {"reason", r.reason}}; }

template <typename T>
json list_to_json(const std::vector<T>& items) {
  json out = json::array();
  for (const auto& item : items) out.push_back(to_json(item));
  return out;
}

// Reading: every accessor knows the path of the object it reads ("suggestions[2].validation"),
// so an error names the exact field.
[[noreturn]] void fail(const std::string& message) { throw ReportFormatError("report JSON: " + message); }

std::string join_path(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

std::string index_path(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

class Reader {
 public:
  Reader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) fail((path_.empty() ? std::string("the report") : "'" + path_ + "'") + " is not an object");
  }

  const std::string& path() const { return path_; }

  const json& field(const char* name) const {
    auto it = j_.find(name);
    if (it == j_.end()) fail("missing field '" + join_path(path_, name) + "'");
    return *it;
  }

  std::string where(const char* name) const { return join_path(path_, name); }

  std::string str(const char* name) const {
    const json& v = field(name);
    if (!v.is_string()) fail("field '" + where(name) + "' is not a string");
    return v.get<std::string>();
  }

  bool boolean(const char* name) const {
    const json& v = field(name);
    if (!v.is_boolean()) fail("field '" + where(name) + "' is not a boolean");
    return v.get<bool>();
  }

  uint64_t u64(const char* name) const { return as_u64(field(name), where(name)); }

  int64_t i64(const char* name) const {
    const json& v = field(name);
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      if (u > uint64_t(std::numeric_limits<int64_t>::max())) fail("field '" + where(name) + "' is too large");
      return int64_t(u);
    }
    if (v.is_number_integer()) return v.get<int64_t>();
    fail("field '" + where(name) + "' is not an integer");
  }

  int integer(const char* name) const {
    const int64_t v = i64(name);
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
      fail("field '" + where(name) + "' is out of range");
    }
    return int(v);
  }

  // null reads as NaN (written for NaN and infinities).
  double dbl(const char* name) const { return as_double(field(name), where(name)); }

  // Absent or null: no value.
  std::optional<double> optional_dbl(const char* name) const {
    auto it = j_.find(name);
    if (it == j_.end() || it->is_null()) return std::nullopt;
    return as_double(*it, where(name));
  }

  const json& array(const char* name) const {
    const json& v = field(name);
    if (!v.is_array()) fail("field '" + where(name) + "' is not an array");
    return v;
  }

  std::vector<std::string> strings(const char* name) const {
    std::vector<std::string> out;
    const json& a = array(name);
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string()) fail("field '" + index_path(where(name), i) + "' is not a string");
      out.push_back(a[i].get<std::string>());
    }
    return out;
  }

  std::vector<double> doubles(const char* name) const {
    std::vector<double> out;
    const json& a = array(name);
    for (size_t i = 0; i < a.size(); ++i) out.push_back(as_double(a[i], index_path(where(name), i)));
    return out;
  }

  template <typename T, typename F>
  std::vector<T> objects(const char* name, F&& read_one) const {
    std::vector<T> out;
    const json& a = array(name);
    for (size_t i = 0; i < a.size(); ++i) out.push_back(read_one(Reader(a[i], index_path(where(name), i))));
    return out;
  }

  Reader object(const char* name) const { return Reader(field(name), where(name)); }

 private:
  static uint64_t as_u64(const json& v, const std::string& where) {
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer() && v.get<int64_t>() >= 0) return uint64_t(v.get<int64_t>());
    fail("field '" + where + "' is not a non-negative integer");
  }

  static double as_double(const json& v, const std::string& where) {
    if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!v.is_number()) fail("field '" + where + "' is not a number");
    return v.get<double>();
  }

  const json& j_;
  std::string path_;
};

ReportQuery read_query(const Reader& r) {
  ReportQuery q;
  q.id = r.str("id");
  q.database = r.str("database");
  q.text = r.str("text");
  q.sample_text = r.str("sample_text");
  q.calls = r.u64("calls");
  q.total_ms = r.dbl("total_ms");
  q.mean_ms = r.dbl("mean_ms");
  q.p99_ms = r.dbl("p99_ms");
  q.cost_before = r.dbl("cost_before");
  q.cost_after = r.dbl("cost_after");
  q.costed = r.boolean("costed");
  q.cost_error = r.str("cost_error");
  return q;
}

QueryGain read_gain(const Reader& r) {
  QueryGain g;
  g.query_id = r.str("query_id");
  g.cost_before = r.dbl("cost_before");
  g.cost_after = r.dbl("cost_after");
  g.measured_before_ms = r.optional_dbl("measured_before_ms");
  g.measured_after_ms = r.optional_dbl("measured_after_ms");
  return g;
}

ValidationEvidence::Run read_run(const Reader& r) {
  ValidationEvidence::Run run;
  run.query_id = r.str("query_id");
  run.before_runs_ms = r.doubles("before_runs_ms");
  run.after_runs_ms = r.doubles("after_runs_ms");
  run.before_ms = r.dbl("before_ms");
  run.after_ms = r.dbl("after_ms");
  return run;
}

ValidationEvidence read_validation(const Reader& r) {
  ValidationEvidence v;
  v.ran = r.boolean("ran");
  v.kept = r.boolean("kept");
  v.verdict = r.str("verdict");
  v.build_ms = r.dbl("build_ms");
  v.actual_size_bytes = r.i64("actual_size_bytes");
  v.runs = r.objects<ValidationEvidence::Run>("runs", read_run);
  v.error = r.str("error");
  return v;
}

Suggestion read_suggestion(const Reader& r) {
  Suggestion s;
  s.id = r.str("id");
  s.table = r.str("table");
  s.columns = r.strings("columns");
  s.create_statement = r.str("create_statement");
  s.size_bytes = r.i64("size_bytes");
  s.benefit = r.dbl("benefit");
  s.maintenance_cost = r.dbl("maintenance_cost");
  s.write_rows = r.dbl("write_rows");
  s.replaces = r.str("replaces");
  s.reason = r.str("reason");
  s.gains = r.objects<QueryGain>("gains", read_gain);
  s.validation = read_validation(r.object("validation"));
  s.status = r.str("status");
  return s;
}

DropSuggestion read_drop(const Reader& r) {
  DropSuggestion d;
  d.table = r.str("table");
  d.index = r.str("index");
  d.size_bytes = r.i64("size_bytes");
  d.idx_scan = r.i64("idx_scan");
  d.reason = r.str("reason");
  d.covered_by = r.str("covered_by");
  d.drop_statement = r.str("drop_statement");
  d.explanation = r.str("explanation");
  return d;
}

RejectedIndex read_rejected(const Reader& r) {
  RejectedIndex x;
  x.index = r.str("index");
  x.reason = r.str("reason");
  return x;
}

}  // namespace

nlohmann::json report_to_json(const AdvisorReport& report) {
  return json{
      {"format_version", report.format_version},
      {"run_id", report.run_id},
      {"generated_at_ms", report.generated_at_ms},
      {"sluice_version", report.sluice_version},
      {"proxies", report.proxies},
      {"target", report.target},
      {"database", report.database},
      {"database_bytes", report.database_bytes},
      {"workload_since_ms", report.workload_since_ms},
      {"workload_until_ms", report.workload_until_ms},
      {"mode", report.mode},
      {"queries_seen", report.queries_seen},
      {"queries_advised", report.queries_advised},
      {"total_calls", report.total_calls},
      {"queries", list_to_json(report.queries)},
      {"budget_bytes", report.budget_bytes},
      {"used_bytes", report.used_bytes},
      {"workload_cost_before", number(report.workload_cost_before)},
      {"workload_cost_after", number(report.workload_cost_after)},
      {"suggestions", list_to_json(report.suggestions)},
      {"drops", list_to_json(report.drops)},
      {"rejected", list_to_json(report.rejected)},
      {"candidates", report.candidates},
      {"candidates_covered", report.candidates_covered},
      {"whatif_calls", report.whatif_calls},
      {"whatif_cache_hits", report.whatif_cache_hits},
      {"uncostable_queries", report.uncostable_queries},
      {"wall_ms", number(report.wall_ms)},
      {"validated", report.validated},
      {"warnings", utf8_list(report.warnings)},
  };
}

AdvisorReport report_from_json(const nlohmann::json& j) {
  const Reader r(j, "");
  AdvisorReport report;
  // The version first: a report from another version may lack or rename any other field.
  const json& version = r.field("format_version");
  if (!version.is_number_integer()) fail("field 'format_version' is not an integer");
  if (version.get<int64_t>() != kReportFormatVersion) {
    fail("format_version " + version.dump() + " is not supported (this sluice reads format_version " +
         std::to_string(kReportFormatVersion) + ")");
  }
  report.format_version = kReportFormatVersion;
  report.run_id = r.str("run_id");
  report.generated_at_ms = r.i64("generated_at_ms");
  report.sluice_version = r.str("sluice_version");
  report.proxies = r.strings("proxies");
  report.target = r.str("target");
  report.database = r.str("database");
  report.database_bytes = r.i64("database_bytes");
  report.workload_since_ms = r.i64("workload_since_ms");
  report.workload_until_ms = r.i64("workload_until_ms");
  report.mode = r.str("mode");
  report.queries_seen = r.u64("queries_seen");
  report.queries_advised = r.u64("queries_advised");
  report.total_calls = r.u64("total_calls");
  report.queries = r.objects<ReportQuery>("queries", read_query);
  report.budget_bytes = r.i64("budget_bytes");
  report.used_bytes = r.i64("used_bytes");
  report.workload_cost_before = r.dbl("workload_cost_before");
  report.workload_cost_after = r.dbl("workload_cost_after");
  report.suggestions = r.objects<Suggestion>("suggestions", read_suggestion);
  report.drops = r.objects<DropSuggestion>("drops", read_drop);
  report.rejected = r.objects<RejectedIndex>("rejected", read_rejected);
  report.candidates = r.u64("candidates");
  report.candidates_covered = r.u64("candidates_covered");
  report.whatif_calls = r.u64("whatif_calls");
  report.whatif_cache_hits = r.u64("whatif_cache_hits");
  report.uncostable_queries = r.u64("uncostable_queries");
  report.wall_ms = r.dbl("wall_ms");
  report.validated = r.boolean("validated");
  report.warnings = r.strings("warnings");
  return report;
}

}  // namespace sluice::advisor
