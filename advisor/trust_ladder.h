// The trust ladder for index creation: advise (report only) -> supervised (suggestions queued
// until a person approves one with `sluice advisor approve <id>`) -> autonomous (the sidecar
// creates validated suggestions itself, CONCURRENTLY, only inside a configured time window and
// under a size limit). Every step is written to the audit log.
//
// The queue is OUT/actions.json: one entry per suggestion id with its statement, evidence and
// status (pending, created, failed, dropped). Each run adds new suggestions as pending; approve
// runs the statement; undo drops an index the advisor created.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "advisor/advisor_report.h"
#include "advisor/audit_log.h"

namespace sluice::advisor {

enum class TrustLevel { Advise, Supervised, Autonomous };
std::string_view to_string(TrustLevel level);
std::optional<TrustLevel> parse_trust_level(std::string_view text);

// A daily window in UTC, "02:00-05:00" (may wrap past midnight: "22:00-02:00").
struct TimeWindow {
  int start_minute = 0;  // minutes after midnight UTC
  int end_minute = 0;
  bool contains(int64_t unix_ms) const;
};
// Throws std::invalid_argument with what is wrong.
TimeWindow parse_time_window(std::string_view text);

struct QueuedAction {
  std::string id;  // the suggestion id
  std::string table;
  std::string create_statement;
  std::string drop_statement;
  std::string status = "pending";  // pending | created | failed | dropped
  std::string run_id;              // the run that suggested it
  int64_t queued_at_ms = 0;
  int64_t done_at_ms = 0;
  std::string detail;       // error message when failed
  nlohmann::json evidence;  // benefit, size, validation
};

class ActionQueue {
 public:
  explicit ActionQueue(std::string path);  // OUT/actions.json; loaded when it exists
  // Adds the report's suggestions not yet known (rejected-by-validation ones are left out).
  // Returns the ids added.
  std::vector<std::string> enqueue(const AdvisorReport& report);
  const QueuedAction* find(const std::string& id) const;
  QueuedAction* find(const std::string& id);
  const std::vector<QueuedAction>& actions() const { return actions_; }
  std::vector<QueuedAction>& actions() { return actions_; }
  // Writes the file (temporary name + rename). Throws std::runtime_error on failure.
  void save() const;

 private:
  std::string path_;
  std::vector<QueuedAction> actions_;
};

// Runs create_statement on the target (direct libpq connection, CONCURRENTLY, outside a
// transaction); a failed build's INVALID index is dropped again. Records the outcome in the
// action and the audit log. Returns true on success.
bool create_index(const std::string& target, QueuedAction& action, TrustLevel level, const std::string& actor,
                  const AuditLog& audit);
// DROP INDEX CONCURRENTLY for an index the advisor created; audited.
bool drop_created_index(const std::string& target, QueuedAction& action, TrustLevel level, const std::string& actor,
                        const AuditLog& audit);

// "user:<login name>" for actions a person takes from the command line.
std::string current_user_actor();

}  // namespace sluice::advisor
