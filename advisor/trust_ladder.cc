#include "advisor/trust_ladder.h"

#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <libpq-fe.h>

#include "advisor/advisor_run.h"
#include "common/clock.h"
#include "optimizer/index_definition.h"

namespace sluice::advisor {

std::string_view to_string(TrustLevel level) {
  switch (level) {
    case TrustLevel::Advise: return "advise";
    case TrustLevel::Supervised: return "supervised";
    case TrustLevel::Autonomous: return "autonomous";
  }
  return "advise";
}

std::optional<TrustLevel> parse_trust_level(std::string_view text) {
  if (text == "advise") return TrustLevel::Advise;
  if (text == "supervised") return TrustLevel::Supervised;
  if (text == "autonomous") return TrustLevel::Autonomous;
  return std::nullopt;
}

namespace {

int parse_hhmm(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) throw std::invalid_argument("expected HH:MM, got '" + std::string(text) + "'");
  int h = -1, m = -1;
  auto a = std::from_chars(text.data(), text.data() + colon, h);
  auto b = std::from_chars(text.data() + colon + 1, text.data() + text.size(), m);
  if (a.ec != std::errc() || a.ptr != text.data() + colon || b.ec != std::errc() ||
      b.ptr != text.data() + text.size() || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) {
    throw std::invalid_argument("expected HH:MM (00:00 to 24:00), got '" + std::string(text) + "'");
  }
  return h * 60 + m;
}

}  // namespace

TimeWindow parse_time_window(std::string_view text) {
  auto dash = text.find('-');
  if (dash == std::string_view::npos) {
    throw std::invalid_argument("expected a UTC window like \"02:00-05:00\", got '" + std::string(text) + "'");
  }
  TimeWindow w;
  w.start_minute = parse_hhmm(text.substr(0, dash));
  w.end_minute = parse_hhmm(text.substr(dash + 1));
  if (w.start_minute == w.end_minute) throw std::invalid_argument("the window '" + std::string(text) + "' is empty");
  return w;
}

bool TimeWindow::contains(int64_t unix_ms) const {
  int minute = static_cast<int>((unix_ms / 60'000) % (24 * 60));
  if (start_minute < end_minute) return minute >= start_minute && minute < end_minute;
  return minute >= start_minute || minute < end_minute;  // wraps past midnight
}

ActionQueue::ActionQueue(std::string path) : path_(std::move(path)) {
  std::ifstream in(path_);
  if (!in) return;
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(buffer.str(), nullptr, false);
  if (j.is_discarded() || !j.contains("actions")) {
    throw std::runtime_error(path_ + ": not an action queue (expected {\"actions\": [...]})");
  }
  for (const auto& a : j["actions"]) {
    QueuedAction q;
    q.id = a.value("id", "");
    q.table = a.value("table", "");
    q.create_statement = a.value("create_statement", "");
    q.drop_statement = a.value("drop_statement", "");
    q.status = a.value("status", "pending");
    q.run_id = a.value("run_id", "");
    q.queued_at_ms = a.value("queued_at_ms", int64_t{0});
    q.done_at_ms = a.value("done_at_ms", int64_t{0});
    q.detail = a.value("detail", "");
    if (a.contains("evidence")) q.evidence = a["evidence"];
    actions_.push_back(std::move(q));
  }
}

std::vector<std::string> ActionQueue::enqueue(const AdvisorReport& report) {
  std::vector<std::string> added;
  for (const auto& s : report.suggestions) {
    if (s.status == "rejected-by-validation") continue;
    if (find(s.id) != nullptr) continue;
    QueuedAction q;
    q.id = s.id;
    q.table = s.table;
    q.create_statement = s.create_statement;
    // The index the create statement builds, named the same way (IndexDefinition::name()).
    const auto dot = s.table.find('.');
    const optimizer::IndexDefinition index{dot == std::string::npos ? "public" : s.table.substr(0, dot),
                                           dot == std::string::npos ? s.table : s.table.substr(dot + 1), s.columns};
    q.drop_statement = index.drop_statement(true);
    q.run_id = report.run_id;
    q.queued_at_ms = report.generated_at_ms;
    q.evidence = {{"reason", s.reason},
                  {"benefit", s.benefit},
                  {"size_bytes", s.size_bytes},
                  {"validated", s.validation.ran},
                  {"kept_by_validation", s.validation.kept},
                  {"verdict", s.validation.verdict}};
    actions_.push_back(std::move(q));
    added.push_back(s.id);
  }
  return added;
}

const QueuedAction* ActionQueue::find(const std::string& id) const {
  for (const auto& a : actions_) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

QueuedAction* ActionQueue::find(const std::string& id) {
  for (auto& a : actions_) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

void ActionQueue::save() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : actions_) {
    list.push_back({{"id", a.id},
                    {"table", a.table},
                    {"create_statement", a.create_statement},
                    {"drop_statement", a.drop_statement},
                    {"status", a.status},
                    {"run_id", a.run_id},
                    {"queued_at_ms", a.queued_at_ms},
                    {"done_at_ms", a.done_at_ms},
                    {"detail", a.detail},
                    {"evidence", a.evidence}});
  }
  std::filesystem::path p(path_);
  std::error_code ec;
  if (!p.parent_path().empty()) std::filesystem::create_directories(p.parent_path(), ec);
  std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << nlohmann::json{{"actions", list}}.dump(2) << "\n";
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path_, ec);
  if (ec) throw std::runtime_error("cannot rename " + tmp + " to " + path_ + ": " + ec.message());
}

namespace {

// Runs one statement on a fresh direct connection; empty string on success, else the error.
std::string run_statement(const std::string& target, const std::string& sql) {
  PGconn* conn = PQconnectdb(target.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = "cannot connect to " + describe_target(target) + ": " + PQerrorMessage(conn);
    PQfinish(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return message;
  }
  PGresult* res = PQexec(conn, sql.c_str());
  std::string error;
  if (PQresultStatus(res) != PGRES_COMMAND_OK) {
    error = PQresultErrorMessage(res);
    while (!error.empty() && error.back() == '\n') error.pop_back();
  }
  PQclear(res);
  PQfinish(conn);
  return error;
}

}  // namespace

bool create_index(const std::string& target, QueuedAction& action, TrustLevel level, const std::string& actor,
                  const AuditLog& audit) {
  AuditEntry entry;
  entry.action = "create-index";
  entry.level = std::string(to_string(level));
  entry.actor = actor;
  entry.suggestion = action.id;
  entry.statement = action.create_statement;
  entry.evidence = action.evidence;
  std::string error = run_statement(target, action.create_statement);
  if (!error.empty()) {
    // A failed CONCURRENTLY build leaves an INVALID index behind: remove it.
    run_statement(target, action.drop_statement);
    action.status = "failed";
    action.detail = error;
    entry.outcome = "failed";
    entry.detail = error;
  } else {
    action.status = "created";
    action.detail.clear();
    entry.outcome = "ok";
  }
  action.done_at_ms = common::unix_now_ms();
  audit.append(entry);
  return error.empty();
}

bool drop_created_index(const std::string& target, QueuedAction& action, TrustLevel level, const std::string& actor,
                        const AuditLog& audit) {
  AuditEntry entry;
  entry.action = "drop-index";
  entry.level = std::string(to_string(level));
  entry.actor = actor;
  entry.suggestion = action.id;
  entry.statement = action.drop_statement;
  std::string error = run_statement(target, action.drop_statement);
  entry.outcome = error.empty() ? "ok" : "failed";
  entry.detail = error;
  if (error.empty()) action.status = "dropped";
  action.done_at_ms = common::unix_now_ms();
  audit.append(entry);
  return error.empty();
}

std::string current_user_actor() {
  if (const char* login = getlogin(); login != nullptr) return std::string("user:") + login;
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr) return std::string("user:") + pw->pw_name;
  return "user:" + std::to_string(geteuid());
}

}  // namespace sluice::advisor
