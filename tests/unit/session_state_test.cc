// Session parameter syncing (varcache) and prepared statement naming.
#include <gtest/gtest.h>

#include "proxy/pg/prepared_statements.h"
#include "proxy/pg/session_params.h"

namespace sluice::proxy::pg {
namespace {

TEST(ParseOptions, ReadsDashCSettings) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string err;
  ASSERT_TRUE(parse_options("-c intervalstyle=iso_8601 -csearch_path=a,b --work-mem=64MB", out, err)) << err;
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (std::pair<std::string, std::string>{"intervalstyle", "iso_8601"}));
  EXPECT_EQ(out[1], (std::pair<std::string, std::string>{"search_path", "a,b"}));
  EXPECT_EQ(out[2], (std::pair<std::string, std::string>{"work_mem", "64MB"}));
  out.clear();
  ASSERT_TRUE(parse_options("-c application_name=with\\ space", out, err));
  EXPECT_EQ(out[0].second, "with space");
  EXPECT_FALSE(parse_options("-c", out, err));
  EXPECT_FALSE(parse_options("-x foo", out, err));
  EXPECT_FALSE(parse_options("-c novalue", out, err));
}

TEST(SyncParams, SetsOnlyWhatDiffersAndResetsLeftovers) {
  SessionParams wanted, requested, reported;
  reported.set("TimeZone", "Etc/UTC");
  reported.set("DateStyle", "ISO, MDY");
  wanted.set("timezone", "Europe/Paris");
  wanted.set("DateStyle", "ISO, MDY");
  std::string sql = sync_params_sql(wanted, requested, reported);
  EXPECT_EQ(sql, "SELECT pg_catalog.set_config('timezone', 'Europe/Paris', false);");
  // Same client again: nothing to do.
  EXPECT_EQ(sync_params_sql(wanted, requested, reported), "");
  // A client that wants nothing special: the earlier setting is reset.
  SessionParams plain;
  EXPECT_EQ(sync_params_sql(plain, requested, reported), "RESET timezone;");
  EXPECT_EQ(sync_params_sql(plain, requested, reported), "");
}

TEST(SyncParams, QuotesValuesAndSkipsOddNames) {
  SessionParams wanted, requested, reported;
  wanted.set("application_name", "it's");
  wanted.set("bad name;", "x");
  EXPECT_EQ(sync_params_sql(wanted, requested, reported),
            "SELECT pg_catalog.set_config('application_name', 'it''s', false);");
}

TEST(SessionParams, DigestDependsOnContentNotOnOrderOrHistory) {
  SessionParams a, b;
  a.set("TimeZone", "UTC");
  a.set("application_name", "x");
  b.set("application_name", "y");
  b.set("timezone", "UTC");
  EXPECT_NE(a.digest(), b.digest());
  b.set("application_name", "x");
  EXPECT_EQ(a.digest(), b.digest());
  // Name and value boundaries count: ("ab", "c") is not ("a", "bc").
  SessionParams c, d;
  c.set("ab", "c");
  d.set("a", "bc");
  EXPECT_NE(c.digest(), d.digest());
  uint64_t v = a.version();
  a.set("timezone", "UTC");  // the same value: no change
  EXPECT_EQ(a.version(), v);
  a.erase("TIMEZONE");
  EXPECT_GT(a.version(), v);
  SessionParams only_app;
  only_app.set("application_name", "x");
  EXPECT_EQ(a.digest(), only_app.digest());
  a.clear();
  EXPECT_EQ(a.digest(), SessionParams().digest());
}

TEST(SyncParams, MemoSkipsOnlyWhileNothingChanged) {
  SessionParams wanted, requested, reported;
  reported.set("TimeZone", "Etc/UTC");
  wanted.set("timezone", "Europe/Paris");
  ParamsSyncMemo memo;
  EXPECT_EQ(sync_params_sql(wanted, requested, reported, memo),
            "SELECT pg_catalog.set_config('timezone', 'Europe/Paris', false);");
  // Another client wanting the same: skipped without looking (requested already matches).
  SessionParams same;
  same.set("TimeZone", "Europe/Paris");
  EXPECT_EQ(sync_params_sql(same, requested, reported, memo), "");
  // The server's state changed behind the memo (a client ran SET timezone): computed again.
  requested.set("timezone", "Asia/Tokyo");
  EXPECT_EQ(sync_params_sql(same, requested, reported, memo),
            "SELECT pg_catalog.set_config('timezone', 'Europe/Paris', false);");
  // A client wanting something else is never skipped.
  SessionParams other;
  other.set("application_name", "app");
  EXPECT_EQ(sync_params_sql(other, requested, reported, memo),
            "SELECT pg_catalog.set_config('application_name', 'app', false);RESET timezone;");
  // DISCARD ALL forgets what was requested: the next link sets it again.
  requested.clear();
  EXPECT_EQ(sync_params_sql(other, requested, reported, memo),
            "SELECT pg_catalog.set_config('application_name', 'app', false);");
  // A ParameterStatus changing what the server reports also invalidates the memo.
  reported.set("application_name", "app");
  requested.clear();
  EXPECT_EQ(sync_params_sql(other, requested, reported, memo), "");
}

TEST(SessionParams, KeepsTheFirstSpellingOfANameButMatchesAnyCase) {
  SessionParams p;
  p.set("DateStyle", "ISO");
  p.set("datestyle", "German");
  ASSERT_NE(p.get("DATESTYLE"), nullptr);
  EXPECT_EQ(*p.get("DATESTYLE"), "German");
  EXPECT_EQ(p.all().at("datestyle").name, "DateStyle");
}

TEST(PreparedStatements, ServerNamesDependOnTextAndTypes) {
  std::string a = server_statement_name("SELECT $1", std::string("\0\0\0\x17", 4));
  std::string b = server_statement_name("SELECT $1", std::string("\0\0\0\x19", 4));
  std::string c = server_statement_name("SELECT $1", std::string("\0\0\0\x17", 4));
  EXPECT_NE(a, b);
  EXPECT_EQ(a, c);
  EXPECT_EQ(a.rfind("sluice_", 0), 0u);
  EXPECT_LT(a.size(), 64u);  // fits NAMEDATALEN

  ClientStatements cs;
  const auto& st = cs.add("s1", "SELECT 1", "", 0);
  EXPECT_EQ(st.server_name, server_statement_name("SELECT 1", ""));
  ASSERT_NE(cs.find("s1"), nullptr);
  cs.add("s1", "SELECT 2", "", 0);  // redefinition replaces
  EXPECT_EQ(cs.find("s1")->query, "SELECT 2");
  cs.remove("s1");
  EXPECT_EQ(cs.find("s1"), nullptr);
}

}  // namespace
}  // namespace sluice::proxy::pg
