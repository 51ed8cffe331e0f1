#include "schema/lint/workload_refs.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "schema/lint/live_tables.h"
#include "sql/parse_tree.h"
#include "sql/statement_info.h"
#include "workload/workload_fetch.h"

namespace sluice::schema::lint {

namespace {

using json = nlohmann::json;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void add_target_name(const json& item, std::set<std::string>& columns) {
  if (!item.is_object()) return;
  auto it = item.find("ResTarget");
  if (it == item.end() || !it->is_object()) return;
  if (auto name = it->find("name"); name != it->end() && name->is_string()) columns.insert(name->get<std::string>());
}

// Walks libpg_query's JSON tree; `type` is the node type of the object being walked.
void collect_columns(const json& node, std::string_view type, std::set<std::string>& columns) {
  if (node.is_array()) {
    for (const json& item : node) collect_columns(item, "", columns);
    return;
  }
  if (!node.is_object()) return;
  if (type == "ColumnRef") {
    if (auto fields = node.find("fields"); fields != node.end() && fields->is_array() && !fields->empty()) {
      const json& last = fields->back();
      if (auto s = last.find("String"); s != last.end() && s->is_object()) {
        if (auto v = s->find("sval"); v != s->end() && v->is_string()) columns.insert(v->get<std::string>());
      }
    }
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string& key = it.key();
    bool targets = key == "cols" || (key == "targetList" && (type == "UpdateStmt" || type == "OnConflictClause"));
    if (targets && it->is_array()) {
      for (const json& item : *it) add_target_name(item, columns);
    }
    bool is_type = !key.empty() && std::isupper(static_cast<unsigned char>(key[0])) && it->is_object();
    collect_columns(*it, is_type ? std::string_view(key) : std::string_view(), columns);
  }
}

int64_t int_or(const json& j, const char* key, int64_t fallback) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return fallback;
  return it->get<int64_t>();
}

std::string string_or(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void add_queries(const json& list, std::map<std::string, WorkloadQuery>& by_key) {
  if (!list.is_array()) throw std::runtime_error("\"queries\" is not an array");
  for (const json& q : list) {
    if (!q.is_object()) continue;
    WorkloadQuery w;
    w.fingerprint = string_or(q, "fingerprint");
    w.database = string_or(q, "database");
    w.text = string_or(q, "text");
    if (w.text.empty()) w.text = string_or(q, "query");
    w.calls = int_or(q, "calls", 0);
    w.last_seen_ms = int_or(q, "last_seen_ms", 0);
    if (w.text.empty()) continue;
    std::string key = w.fingerprint + "\x1f" + w.database + "\x1f" + w.text;
    auto [it, inserted] = by_key.emplace(key, w);
    if (!inserted) {
      it->second.calls += w.calls;
      it->second.last_seen_ms = std::max(it->second.last_seen_ms, w.last_seen_ms);
    }
  }
}

}  // namespace

QueryRefs query_refs(std::string_view text) {
  QueryRefs refs;
  refs.tables = sql::describe_postgres(text).tables;
  const json tree = sql::parse_tree::parse_postgres(text);
  if (!tree.is_discarded()) {
    collect_columns(tree, "", refs.columns);
    refs.parsed = true;
  }
  if (!refs.parsed) {
    // Every identifier-like word, lower-cased: a column candidate.
    std::string word;
    for (char c : std::string(text) + " ") {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
        word += c;
      } else {
        if (!word.empty() && !std::isdigit(static_cast<unsigned char>(word[0]))) refs.columns.insert(lower(word));
        word.clear();
      }
    }
  }
  return refs;
}

double Workload::minutes() const { return std::max(1.0, static_cast<double>(until_ms - since_ms) / 60000.0); }

Workload parse_workload_json(const json& j, int64_t now_ms, int64_t days) {
  if (!j.is_object()) throw std::runtime_error("not a JSON object");
  std::map<std::string, WorkloadQuery> by_key;
  if (auto s = j.find("summary"); s != j.end() && s->is_object() && s->contains("queries")) {
    add_queries((*s)["queries"], by_key);
  } else if (j.contains("queries")) {
    add_queries(j["queries"], by_key);
  } else if (auto b = j.find("buckets"); b != j.end() && b->is_array()) {
    for (const json& bucket : *b) {
      if (bucket.is_object() && bucket.contains("table") && bucket["table"].contains("queries")) {
        add_queries(bucket["table"]["queries"], by_key);
      }
    }
  } else {
    throw std::runtime_error("no \"summary\", \"queries\" or \"buckets\": not a Sluice workload export");
  }
  Workload w;
  const int64_t cutoff = now_ms - days * 86'400'000;
  int64_t first = INT64_MAX, last = 0;
  for (auto& [key, q] : by_key) {
    if (days > 0 && q.last_seen_ms > 0 && q.last_seen_ms < cutoff) continue;
    q.refs = query_refs(q.text);
    w.queries.push_back(std::move(q));
  }
  // The window: the API's since/until, else the queries' first and last sightings.
  auto collect_window = [&](const json& list) {
    if (!list.is_array()) return;
    for (const json& q : list) {
      int64_t f = int_or(q, "first_seen_ms", 0), l = int_or(q, "last_seen_ms", 0);
      if (f > 0) first = std::min(first, f);
      if (l > 0) last = std::max(last, l);
    }
  };
  int64_t since = int_or(j, "since_ms", 0), until = int_or(j, "until_ms", 0);
  if (since > 0 && until > since) {
    w.since_ms = since;
    w.until_ms = until;
  } else {
    if (auto s = j.find("summary"); s != j.end() && s->is_object()) collect_window(s->value("queries", json::array()));
    collect_window(j.value("queries", json::array()));
    if (first != INT64_MAX && last > first) {
      w.since_ms = first;
      w.until_ms = last;
    } else {
      w.since_ms = w.until_ms = 0;
    }
  }
  std::stable_sort(w.queries.begin(), w.queries.end(),
                   [](const WorkloadQuery& a, const WorkloadQuery& b) { return a.calls > b.calls; });
  return w;
}

Workload load_workload(const std::string& source, int64_t now_ms, int64_t days) {
  std::string body;
  if (workload::is_http_location(source)) {
    std::string path = workload::path_of_url(source);
    if (path.empty()) path = "/api/v1/workload";
    if (path.find("since=") == std::string::npos) {
      int64_t since = days > 0 ? now_ms - days * 86'400'000 : 0;
      path += std::string(path.find('?') == std::string::npos ? "?" : "&") + "since=" + std::to_string(since);
    }
    const char* token = std::getenv("SLUICE_ADMIN_TOKEN");
    body = workload::http_get_export(source, path, token != nullptr ? token : "", 60);
  } else {
    body = workload::read_export_file(source);
  }
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(source + ": not valid JSON");
  try {
    return parse_workload_json(j, now_ms, days);
  } catch (const std::exception& e) {
    throw std::runtime_error(source + ": " + e.what());
  }
}

bool same_table(std::string_view query_table, std::string_view table) {
  auto split = [](std::string_view s) {
    std::size_t dot = s.find('.');
    return dot == std::string_view::npos ? std::pair(std::string_view(), s) : std::pair(s.substr(0, dot), s.substr(dot + 1));
  };
  auto [qs, qn] = split(query_table);
  auto [ts, tn] = split(table);
  return qn == tn && (qs.empty() || ts.empty() || qs == ts);
}

bool references_table(const WorkloadQuery& q, std::string_view table) {
  return std::any_of(q.refs.tables.begin(), q.refs.tables.end(), [&](const std::string& t) { return same_table(t, table); });
}

bool references_column(const WorkloadQuery& q, std::string_view table, std::string_view column) {
  if (!references_table(q, table)) return false;
  return q.refs.columns.count(std::string(column)) != 0 || (!q.refs.parsed && q.refs.columns.count(lower(column)) != 0);
}

double table_calls_per_minute(const Workload& w, std::string_view table, int64_t* calls) {
  int64_t total = 0;
  for (const WorkloadQuery& q : w.queries) {
    if (references_table(q, table)) total += q.calls;
  }
  if (calls != nullptr) *calls = total;
  return static_cast<double>(total) / w.minutes();
}

std::size_t add_broken_query_notes(LintResult& result, const Workload& w, int64_t days) {
  std::size_t noted = 0;
  for (Finding& f : result.findings) {
    bool column = f.rule == "rename-column" || f.rule == "drop-column";
    bool table = f.rule == "rename-table" || f.rule == "drop-table";
    if ((!column && !table) || f.table.empty() || (column && f.column.empty())) continue;
    std::vector<const WorkloadQuery*> broken;
    int64_t calls = 0;
    for (const WorkloadQuery& q : w.queries) {
      if (column ? references_column(q, f.table, f.column) : references_table(q, f.table)) {
        broken.push_back(&q);
        calls += q.calls;
      }
    }
    std::string what = column ? f.table + "." + f.column : f.table;
    if (broken.empty()) {
      f.notes.push_back("no query in the workload references " + what);
      continue;
    }
    std::string window = days > 0 ? " seen in the last " + std::to_string(days) + (days == 1 ? " day" : " days") : " seen";
    f.notes.push_back("breaks " + std::to_string(broken.size()) + (broken.size() == 1 ? " query" : " queries") + window +
                      " (" + with_thousands(calls) + " calls) that still reference " + what);
    for (std::size_t i = 0; i < broken.size() && i < 3; ++i) {
      std::string text = broken[i]->text;
      if (text.size() > 200) text = text.substr(0, 197) + "...";
      f.notes.push_back("  " + (broken[i]->fingerprint.empty() ? std::string() : broken[i]->fingerprint + " ") + "(" +
                        with_thousands(broken[i]->calls) + " calls): " + text);
    }
    if (broken.size() > 3) f.notes.push_back("  and " + std::to_string(broken.size() - 3) + " more");
    ++noted;
  }
  return noted;
}

}  // namespace sluice::schema::lint
