// The one `sluice` binary: each subcommand lives in its own file in cli/.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/advisor_command.h"
#include "cli/lint_command.h"
#include "cli/proxy_command.h"
#include "cli/report_command.h"

int main(int argc, char** argv) {
  CLI::App app{"Sluice: a PostgreSQL proxy that pools connections and observes every query"};
  app.require_subcommand(1);
  int exit_code = 0;
  sluice::cli::add_proxy_command(app, exit_code);
  sluice::cli::add_lint_command(app, exit_code);
  sluice::cli::add_advisor_command(app, exit_code);
  sluice::cli::add_report_command(app, exit_code);
  app.set_version_flag("--version", std::string("sluice 0.1.0"));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}
