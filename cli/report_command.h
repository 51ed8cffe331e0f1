// `sluice report`: renders the latest advisor result as report.html, report.md and report.json.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void add_report_command(CLI::App& app, int& exit_code);

}  // namespace sluice::cli
