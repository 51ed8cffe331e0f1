#include "cli/lint_command.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "schema/lint/lint_config.h"
#include "schema/lint/lint_output.h"
#include "schema/lint/linter.h"
#include "schema/lint/live_context.h"
#include "schema/lint/pg_live_catalog.h"
#include "schema/lint/pg_trace.h"

namespace sluice::cli {

namespace {

namespace lint = sluice::schema::lint;

struct LintArgs {
  std::string dialect = "postgres";
  std::string db;
  std::string workload;
  bool trace = false;
  std::string format = "text";
  std::string config_file;
  int pg_version = 0;  // 0: from the config, else 15
  std::string mysql_flavor = "mariadb";
  std::string fail_on;
  bool assume_in_transaction = false;
  std::string color = "auto";
  std::vector<std::string> files;
};

int run_lint(const LintArgs& args) {
  auto usage = [](const std::string& message) {
    std::cerr << "sluice lint: " << message << "\n";
    return 2;
  };
  std::optional<lint::OutputFormat> format = lint::parse_output_format(args.format);
  if (!format) return usage("--format must be text, json, github, sarif or markdown (got '" + args.format + "')");
  if (args.dialect != "postgres" && args.dialect != "mysql") {
    return usage("--dialect must be postgres or mysql (got '" + args.dialect + "')");
  }
  if (args.files.empty()) return usage("no migration files given");

  lint::LintOptions options;
  options.dialect = args.dialect == "mysql" ? lint::Dialect::MySql : lint::Dialect::Postgres;
  if (args.mysql_flavor != "mariadb" && args.mysql_flavor != "mysql8")
    return usage("--mysql-flavor must be mariadb or mysql8 (got '" + args.mysql_flavor + "')");
  options.mysql8 = args.mysql_flavor == "mysql8";
  if (!args.config_file.empty()) {
    try {
      options.config = lint::load_lint_config_file(args.config_file);
    } catch (const std::exception& e) {
      return usage(e.what());
    }
  }
  options.postgres.pg_version = args.pg_version != 0 ? args.pg_version : options.config.pg_version.value_or(15);
  if (options.postgres.pg_version < 9 || options.postgres.pg_version > 99) {
    return usage("--pg-version must be a major version such as 15 (got " + std::to_string(args.pg_version) + ")");
  }
  options.postgres.assume_in_transaction =
      args.assume_in_transaction || options.config.assume_in_transaction.value_or(false);
  lint::Severity fail_on = options.config.fail_on.value_or(lint::Severity::Error);
  if (!args.fail_on.empty()) {
    std::optional<lint::Severity> s = lint::parse_severity(args.fail_on);
    if (!s) return usage("--fail-on must be error, warning or notice (got '" + args.fail_on + "')");
    fail_on = *s;
  }
  lint::LiveOptions live;
  live.db_url = args.db;
  live.workload = args.workload;
  live.trace = args.trace;
  live.mysql = options.dialect == lint::Dialect::MySql;
  live.thresholds = options.config.live;
  if (live.trace && args.db.empty()) return usage("--trace needs --db URL (a scratch database: the migration runs there)");
  if (live.trace && live.mysql) return usage("--trace is for --dialect postgres only");

  std::size_t files = 0;
  lint::LintResult result = lint::lint_paths(args.files, options, &files);
  try {
    if (live.any()) lint::add_live_context(result, live);
    if (live.trace) lint::add_trace(result, args.files, args.db, options);
  } catch (const lint::LiveContextError& e) {
    std::cerr << "sluice lint: --db: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "sluice lint: " << e.what() << "\n";
    return 2;
  }

  lint::ReportInfo info;
  info.dialect = args.dialect;
  info.pg_version = options.postgres.pg_version;
  info.files = files;
  bool tty = ::isatty(STDOUT_FILENO) == 1;
  info.color = args.color == "always" || (args.color == "auto" && tty && std::getenv("NO_COLOR") == nullptr);
  lint::write_report(std::cout, *format, result, info);
  std::cout.flush();

  if (!result.errors.empty()) return 2;
  for (const lint::Finding& f : result.findings) {
    if (f.severity >= fail_on) return 1;
  }
  return 0;
}

}  // namespace

void add_lint_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<LintArgs>();
  CLI::App* cmd = app.add_subcommand("lint", "Check schema migrations for locks, rewrites and breaking changes");
  cmd->footer(
      "Exit status: 0 nothing at or above the --fail-on level, 1 something was, 2 usage errors or files that do "
      "not parse.\n"
      "Ignore a finding with a comment on the line before the statement:  -- sluice:ignore rule-id\n"
      "or for the whole file:  -- sluice:ignore-file rule-id\n"
      "Examples:\n"
      "  sluice lint migrations/20240101_add_index.sql\n"
      "  sluice lint --format github --fail-on warning $(git diff --name-only origin/main -- 'migrations/*.sql')\n"
      "Rules and formats: docs/lint.md");
  cmd->add_option("--dialect", args->dialect, "postgres | mysql (default postgres)");
  cmd->add_option("--db", args->db, "Database URL for live context: table sizes, duration estimates, pre-flight lock check (postgres://... or, "
                  "with --dialect mysql, mysql://...)");
  cmd->add_option("--workload", args->workload,
                  "Proxy workload API URL (http://host:port/api/v1/workload) or exported JSON file: hot tables, queries a "
                  "rename or drop breaks");
  cmd->add_flag("--trace", args->trace, "Run the migration in a rolled-back transaction on a scratch --db and report the locks and rewrites "
                "that really happened");
  cmd->add_option("--format", args->format, "text | json | github | sarif | markdown (default text)");
  cmd->add_option("--config", args->config_file, "Lint configuration file (TOML, see docs/lint.md)");
  cmd->add_option("--pg-version", args->pg_version, "PostgreSQL major version the migrations run on (default 15)");
  cmd->add_option("--mysql-flavor", args->mysql_flavor,
                  "with --dialect mysql: mariadb (10.11 online DDL rules, default) | mysql8 (8.0 rules)");
  cmd->add_option("--fail-on", args->fail_on, "error | warning | notice: lowest severity that fails (default error)");
  cmd->add_flag("--assume-in-transaction", args->assume_in_transaction,
                "The migration tool runs each file in a transaction");
  cmd->add_option("--color", args->color, "auto | always | never (text format; default auto: on a terminal)");
  cmd->add_option("files", args->files, "Migration files or directories (their *.sql files)");
  cmd->callback([args, &exit_code] { exit_code = run_lint(*args); });
}

}  // namespace sluice::cli
