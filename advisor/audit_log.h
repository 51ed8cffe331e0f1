// The audit log: every action the advisor takes or is asked to take (a report written, a
// suggestion queued, approved, an index created or dropped), one JSON object per line, appended
// and flushed at once. Entries carry the trust level, who acted, the statement and its evidence,
// and the outcome, so an operator can see and undo anything.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sluice::advisor {

struct AuditEntry {
  int64_t at_ms = 0;        // filled in by append() when 0
  std::string action;       // report | queue | approve | create-index | drop-index | skip
  std::string level;        // advise | supervised | autonomous
  std::string actor;        // "advisor" (the sidecar) or "user:<login name>"
  std::string suggestion;   // suggestion id, when the action concerns one
  std::string statement;    // SQL run, when any
  std::string outcome;      // ok | failed | skipped
  std::string detail;       // error message or reason
  nlohmann::json evidence;  // benefit, size, validation verdict, run id, ...
};

class AuditLog {
 public:
  explicit AuditLog(std::string path);
  // Appends one line; throws std::runtime_error naming the path when it cannot be written.
  void append(AuditEntry entry) const;
  // Every entry, oldest first (lines that do not parse are skipped).
  std::vector<AuditEntry> read_all() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

nlohmann::json to_json(const AuditEntry& entry);

}  // namespace sluice::advisor
