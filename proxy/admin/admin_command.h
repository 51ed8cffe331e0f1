// The commands of the SQL admin console (database "sluice", like PgBouncer's "pgbouncer"):
// parsing one simple-query text into a command, or into an error a user can act on. Pure.
//
//   SHOW POOLS | CLIENTS | SERVERS | DATABASES | STATS | CONFIG | VERSION | HELP
//   SHOW QUERIES [ORDER BY total_time|mean_time|p99|calls|errors [DESC]] [LIMIT n]
//   RELOAD
//   PAUSE [db]
//   RESUME [db]
//
// Keywords are case-insensitive; whitespace, "--" and "/* */" comments and trailing semicolons
// are ignored. A database name keeps its case; "double quotes" allow any characters ("" is a
// quote). Text that is only whitespace, comments or semicolons parses as AdminVerb::Empty (the
// session answers it with EmptyQueryResponse, as PostgreSQL does).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "workload/workload_snapshot.h"

namespace sluice::proxy::admin {

enum class AdminVerb {
  Empty,
  ShowPools,
  ShowClients,
  ShowServers,
  ShowDatabases,
  ShowStats,
  ShowConfig,
  ShowQueries,
  ShowVersion,
  ShowHelp,
  Reload,
  Pause,
  Resume,
};

struct AdminCommand {
  static constexpr std::size_t kDefaultLimit = 20;

  AdminVerb verb = AdminVerb::Empty;
  workload::OrderBy order_by = workload::OrderBy::TotalTime;  // SHOW QUERIES
  std::size_t limit = kDefaultLimit;                          // SHOW QUERIES
  std::string database;  // PAUSE / RESUME; empty: every database

  bool operator==(const AdminCommand&) const = default;
};

struct AdminParseError {
  static constexpr std::string_view kSyntaxError = "42601";

  std::string message;  // e.g. unknown command "SHOW FOO"; try SHOW HELP
  std::string sqlstate{kSyntaxError};

  bool operator==(const AdminParseError&) const = default;
};

using AdminParseResult = std::variant<AdminCommand, AdminParseError>;

AdminParseResult parse_admin_command(std::string_view sql);

// The command tag of a command's CommandComplete: "SHOW", "RELOAD", "PAUSE", "RESUME" ("" for
// Empty, which gets EmptyQueryResponse instead).
std::string_view command_tag(AdminVerb verb);

// One line per command form, for SHOW HELP: the syntax and what it shows or does.
struct AdminHelpEntry {
  std::string_view syntax;
  std::string_view description;
};
const std::vector<AdminHelpEntry>& admin_help();

}  // namespace sluice::proxy::admin
