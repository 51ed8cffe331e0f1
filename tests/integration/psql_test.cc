// psql through the proxy: a script with DDL, DML, \copy in both directions and a transaction.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/fixtures/proxy_test.h"
#include "tests/fixtures/subprocess.h"
#include "tests/fixtures/temp_dir.h"

namespace sluice::testing {
namespace {

class PsqlTest : public PoolModeTest {
 protected:
  RunResult run_psql(const std::string& script_path) {
    RunOptions o;
    o.timeout = std::chrono::seconds(60);
    o.cwd = dir_.path();
    o.unset_env = {"PGSERVICE", "PGOPTIONS", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD"};
    return run_command({pg().bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", script_path,
                        conninfo()},
                       o);
  }
  TempDir dir_{"sluice-psql"};
};

TEST_P(PsqlTest, ScriptWithCopyAndTransaction) {
  std::string t = unique_name("psql_t");
  std::ostringstream csv;
  for (int i = 3; i <= 102; ++i) csv << i << ",name" << i << "\n";
  std::string data = dir_.write_file("data.csv", csv.str());
  std::string out = dir_.file("out.csv");
  std::string script =
      "CREATE TABLE " + t + " (id int PRIMARY KEY, name text);\n"
      "INSERT INTO " + t + " VALUES (1, 'one'), (2, 'two');\n"
      "\\copy " + t + " FROM '" + data + "' WITH (FORMAT csv)\n"
      "SELECT count(*) || '|' || sum(id) FROM " + t + ";\n"
      "\\copy (SELECT id, name FROM " + t + " ORDER BY id) TO '" + out + "' WITH (FORMAT csv)\n"
      "BEGIN;\n"
      "UPDATE " + t + " SET name = upper(name) WHERE id <= 2;\n"
      "SELECT 'in transaction: ' || count(*) FROM " + t + " WHERE name = upper(name) AND id <= 2;\n"
      "COMMIT;\n"
      "SELECT string_agg(name, ',' ORDER BY id) FROM " + t + " WHERE id <= 3;\n"
      "SELECT current_user, current_database();\n"
      "DROP TABLE " + t + ";\n"
      "SELECT 'end of script';\n";
  std::string script_path = dir_.write_file("script.sql", script);
  RunResult r = run_psql(script_path);
  ASSERT_TRUE(r.ok()) << r.describe() << proxy_log();
  EXPECT_EQ(r.output,
            "102|5253\n"
            "in transaction: 2\n"
            "ONE,TWO,name3\n"
            "scram_user|testdb\n"
            "end of script\n");
  std::string exported = read_text_file(out);
  std::istringstream lines(exported);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    std::string expected = n == 1 ? "1,one" : n == 2 ? "2,two" : std::to_string(n) + ",name" + std::to_string(n);
    ASSERT_EQ(line, expected) << "line " << n;
  }
  EXPECT_EQ(n, 102);
}

TEST_P(PsqlTest, StopsAtFirstError) {
  std::string t = unique_name("psql_err");
  std::string script =
      "CREATE TABLE " + t + " (v int);\n"
      "INSERT INTO " + t + " VALUES (1);\n"
      "SELECT 1/0;\n"
      "INSERT INTO " + t + " VALUES (2);\n";
  RunResult r = run_psql(dir_.write_file("err.sql", script));
  EXPECT_TRUE(r.status.exited) << r.describe();
  EXPECT_EQ(r.status.code, 3) << r.describe();  // psql: script error with ON_ERROR_STOP
  EXPECT_NE(r.output.find("division by zero"), std::string::npos) << r.output;
  EXPECT_EQ(pg().query_value("SELECT string_agg(v::text, ',') FROM " + t), "1");
  pg().exec("DROP TABLE " + t);
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(PsqlTest);

}  // namespace
}  // namespace sluice::testing
