#include "advisor/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "common/clock.h"

namespace sluice::advisor {

nlohmann::json to_json(const AuditEntry& e) {
  nlohmann::json j = {{"at", common::format_utc(e.at_ms, "%Y-%m-%dT%H:%M:%SZ")},
                      {"at_ms", e.at_ms},
                      {"action", e.action},
                      {"level", e.level},
                      {"actor", e.actor},
                      {"outcome", e.outcome}};
  if (!e.suggestion.empty()) j["suggestion"] = e.suggestion;
  if (!e.statement.empty()) j["statement"] = e.statement;
  if (!e.detail.empty()) j["detail"] = e.detail;
  if (!e.evidence.is_null()) j["evidence"] = e.evidence;
  return j;
}

AuditLog::AuditLog(std::string path) : path_(std::move(path)) {}

void AuditLog::append(AuditEntry entry) const {
  if (entry.at_ms == 0) entry.at_ms = common::unix_now_ms();
  std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::string line = to_json(entry).dump(-1, '?', false, nlohmann::json::error_handler_t::replace) + "\n";
  // One write(2) per entry on an O_APPEND descriptor: concurrent writers never interleave lines.
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) throw std::runtime_error("cannot open the audit log " + path_ + ": " + std::strerror(errno));
  ssize_t n = ::write(fd, line.data(), line.size());
  int saved = errno;
  ::fsync(fd);
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    throw std::runtime_error("cannot write the audit log " + path_ + ": " + std::strerror(saved));
  }
}

std::vector<AuditEntry> AuditLog::read_all() const {
  std::vector<AuditEntry> out;
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    AuditEntry e;
    e.at_ms = j.value("at_ms", int64_t{0});
    e.action = j.value("action", "");
    e.level = j.value("level", "");
    e.actor = j.value("actor", "");
    e.suggestion = j.value("suggestion", "");
    e.statement = j.value("statement", "");
    e.outcome = j.value("outcome", "");
    e.detail = j.value("detail", "");
    if (j.contains("evidence")) e.evidence = j["evidence"];
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace sluice::advisor
