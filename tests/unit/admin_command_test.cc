// The admin console's command parser: accepted spellings and the messages for what it refuses.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "proxy/admin/admin_command.h"

namespace sluice::proxy::admin {
namespace {

using workload::OrderBy;

AdminCommand cmd(AdminVerb verb, OrderBy order = OrderBy::TotalTime, std::size_t limit = 20, std::string db = {}) {
  AdminCommand c;
  c.verb = verb;
  c.order_by = order;
  c.limit = limit;
  c.database = std::move(db);
  return c;
}

std::string describe(const AdminParseResult& r) {
  if (const auto* e = std::get_if<AdminParseError>(&r)) return "error: " + e->message;
  const auto& c = std::get<AdminCommand>(r);
  return "verb " + std::to_string(int(c.verb)) + " order " + std::string(workload::to_string(c.order_by)) +
         " limit " + std::to_string(c.limit) + " db '" + c.database + "'";
}

struct Valid {
  const char* sql;
  AdminCommand expected;
};

TEST(AdminCommandTest, ParsesValidCommands) {
  const Valid cases[] = {
      {"SHOW POOLS", cmd(AdminVerb::ShowPools)},
      {"show pools", cmd(AdminVerb::ShowPools)},
      {"Show Pools;", cmd(AdminVerb::ShowPools)},
      {"  \tSHOW\n  POOLS  ;  ", cmd(AdminVerb::ShowPools)},
      {"SHOW POOLS;;", cmd(AdminVerb::ShowPools)},
      {"SHOW POOLS ; ", cmd(AdminVerb::ShowPools)},
      {"-- comment\nSHOW /* inline */ POOLS -- trailing", cmd(AdminVerb::ShowPools)},
      {"SHOW CLIENTS", cmd(AdminVerb::ShowClients)},
      {"SHOW SERVERS;", cmd(AdminVerb::ShowServers)},
      {"show databases", cmd(AdminVerb::ShowDatabases)},
      {"SHOW STATS", cmd(AdminVerb::ShowStats)},
      {"SHOW CONFIG", cmd(AdminVerb::ShowConfig)},
      {"SHOW VERSION;", cmd(AdminVerb::ShowVersion)},
      {"SHOW HELP", cmd(AdminVerb::ShowHelp)},
      {"SHOW QUERIES", cmd(AdminVerb::ShowQueries)},
      {"SHOW QUERIES;", cmd(AdminVerb::ShowQueries)},
      {"show queries order by calls", cmd(AdminVerb::ShowQueries, OrderBy::Calls)},
      {"SHOW QUERIES ORDER BY MEAN_TIME", cmd(AdminVerb::ShowQueries, OrderBy::MeanTime)},
      {"SHOW QUERIES ORDER BY p99 LIMIT 5", cmd(AdminVerb::ShowQueries, OrderBy::P99, 5)},
      {"SHOW QUERIES ORDER BY errors DESC LIMIT 3;", cmd(AdminVerb::ShowQueries, OrderBy::Errors, 3)},
      {"SHOW QUERIES LIMIT 7 ORDER BY total_time", cmd(AdminVerb::ShowQueries, OrderBy::TotalTime, 7)},
      {"SHOW QUERIES LIMIT 1", cmd(AdminVerb::ShowQueries, OrderBy::TotalTime, 1)},
      {"SHOW QUERIES ORDER BY \"calls\"", cmd(AdminVerb::ShowQueries, OrderBy::Calls)},
      {"SHOW\tQUERIES\nORDER\n BY\ttotal_time\nLIMIT\n100000", cmd(AdminVerb::ShowQueries, OrderBy::TotalTime, 100000)},
      {"RELOAD", cmd(AdminVerb::Reload)},
      {"reload;", cmd(AdminVerb::Reload)},
      {"PAUSE", cmd(AdminVerb::Pause)},
      {"pause shop;", cmd(AdminVerb::Pause, OrderBy::TotalTime, 20, "shop")},
      {"PAUSE MixedCase", cmd(AdminVerb::Pause, OrderBy::TotalTime, 20, "MixedCase")},
      {"PAUSE \"my db\"", cmd(AdminVerb::Pause, OrderBy::TotalTime, 20, "my db")},
      {"PAUSE \"say \"\"hi\"\"\"", cmd(AdminVerb::Pause, OrderBy::TotalTime, 20, "say \"hi\"")},
      {"RESUME", cmd(AdminVerb::Resume)},
      {"Resume shop", cmd(AdminVerb::Resume, OrderBy::TotalTime, 20, "shop")},
      {"", cmd(AdminVerb::Empty)},
      {"   ", cmd(AdminVerb::Empty)},
      {";", cmd(AdminVerb::Empty)},
      {"-- only a comment", cmd(AdminVerb::Empty)},
  };
  for (const Valid& c : cases) {
    AdminParseResult r = parse_admin_command(c.sql);
    ASSERT_TRUE(std::holds_alternative<AdminCommand>(r)) << c.sql << " -> " << describe(r);
    EXPECT_EQ(std::get<AdminCommand>(r), c.expected) << c.sql << " -> " << describe(r);
  }
}

struct Invalid {
  const char* sql;
  const char* message;
};

TEST(AdminCommandTest, RefusesWithActionableMessages) {
  const Invalid cases[] = {
      {"SHOW FOO", "unknown command \"SHOW FOO\"; try SHOW HELP"},
      {"show foo;", "unknown command \"show foo\"; try SHOW HELP"},
      {"SELECT 1", "unknown command \"SELECT 1\"; try SHOW HELP"},
      {"SHOW \"POOLS\"", "unknown command \"SHOW \"POOLS\"\"; try SHOW HELP"},
      {"SHOW", "SHOW needs what to show, e.g. SHOW POOLS; try SHOW HELP"},
      {"SHOW;", "SHOW needs what to show, e.g. SHOW POOLS; try SHOW HELP"},
      {"SHOW POOLS extra", "unexpected \"extra\" after SHOW POOLS"},
      {"SHOW POOLS LIMIT 5", "ORDER BY and LIMIT only apply to SHOW QUERIES"},
      {"SHOW CLIENTS ORDER BY calls", "ORDER BY and LIMIT only apply to SHOW QUERIES"},
      {"SHOW QUERIES LIMIT", "LIMIT needs a positive integer"},
      {"SHOW QUERIES LIMIT 0", "LIMIT needs a positive integer (got \"0\")"},
      {"SHOW QUERIES LIMIT -3", "LIMIT needs a positive integer (got \"-3\")"},
      {"SHOW QUERIES LIMIT ten", "LIMIT needs a positive integer (got \"ten\")"},
      {"SHOW QUERIES LIMIT 5x", "LIMIT needs a positive integer (got \"5x\")"},
      {"SHOW QUERIES LIMIT 2.5", "LIMIT needs a positive integer (got \"2.5\")"},
      {"SHOW QUERIES LIMIT 99999999999999999999999", "LIMIT needs a positive integer (got \"99999999999999999999999\")"},
      {"SHOW QUERIES LIMIT \"5\"", "LIMIT needs a positive integer (got \"\"5\"\")"},
      {"SHOW QUERIES LIMIT 5 LIMIT 6", "LIMIT given twice"},
      {"SHOW QUERIES ORDER", "expected BY after ORDER"},
      {"SHOW QUERIES ORDER calls", "expected BY after ORDER"},
      {"SHOW QUERIES ORDER BY", "ORDER BY needs a column: total_time, mean_time, p99, calls or errors"},
      {"SHOW QUERIES ORDER BY rows",
       "unknown ORDER BY column \"rows\"; use total_time, mean_time, p99, calls or errors"},
      {"SHOW QUERIES ORDER BY calls ASC", "SHOW QUERIES sorts largest first only; drop ASC"},
      {"SHOW QUERIES ORDER BY calls ORDER BY p99", "ORDER BY given twice"},
      {"SHOW QUERIES WHERE x", "unexpected \"WHERE\" in SHOW QUERIES; expected ORDER BY or LIMIT"},
      {"SHOW POOLS; SHOW CLIENTS", "one command at a time: send the text after \";\" as its own query"},
      {"RELOAD now", "RELOAD takes no arguments"},
      {"PAUSE a b", "PAUSE takes at most one database name"},
      {"RESUME a b", "RESUME takes at most one database name"},
      {"PAUSE \"unterminated", "unterminated quoted name \"unterminated"},
      {"PAUSE \"\"", "empty quoted name \"\""},
      {"SHOW /* POOLS", "unterminated /* comment"},
  };
  for (const Invalid& c : cases) {
    AdminParseResult r = parse_admin_command(c.sql);
    ASSERT_TRUE(std::holds_alternative<AdminParseError>(r)) << c.sql << " -> " << describe(r);
    const auto& e = std::get<AdminParseError>(r);
    EXPECT_EQ(e.message, c.message) << c.sql;
    EXPECT_EQ(e.sqlstate, "42601") << c.sql;
  }
}

TEST(AdminCommandTest, LongUnknownCommandsAreCutInTheMessage) {
  std::string sql = "SELECT " + std::string(200, 'x');
  AdminParseResult r = parse_admin_command(sql);
  ASSERT_TRUE(std::holds_alternative<AdminParseError>(r));
  const std::string& m = std::get<AdminParseError>(r).message;
  EXPECT_LT(m.size(), 120u);
  EXPECT_EQ(m.rfind("unknown command \"SELECT xxx", 0), 0u) << m;
  EXPECT_NE(m.find("...\"; try SHOW HELP"), std::string::npos) << m;
}

TEST(AdminCommandTest, CommandTags) {
  EXPECT_EQ(command_tag(AdminVerb::ShowPools), "SHOW");
  EXPECT_EQ(command_tag(AdminVerb::ShowQueries), "SHOW");
  EXPECT_EQ(command_tag(AdminVerb::Reload), "RELOAD");
  EXPECT_EQ(command_tag(AdminVerb::Pause), "PAUSE");
  EXPECT_EQ(command_tag(AdminVerb::Resume), "RESUME");
  EXPECT_EQ(command_tag(AdminVerb::Empty), "");
}

TEST(AdminCommandTest, EveryHelpEntryParses) {
  // The first words of each help line ("SHOW POOLS", "PAUSE") are a valid command.
  for (const AdminHelpEntry& h : admin_help()) {
    std::string syntax(h.syntax);
    std::size_t cut = syntax.find(" [");
    if (cut != std::string::npos) syntax.resize(cut);
    EXPECT_TRUE(std::holds_alternative<AdminCommand>(parse_admin_command(syntax))) << syntax;
    EXPECT_FALSE(h.description.empty()) << syntax;
  }
}

}  // namespace
}  // namespace sluice::proxy::admin
