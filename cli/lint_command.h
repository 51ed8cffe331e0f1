// `sluice lint`: migration checks for pull requests (docs/lint.md).
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

// Registers the subcommand; its callback sets exit_code: 0 nothing at or above the fail level,
// 1 something was, 2 usage errors or files that do not parse.
void add_lint_command(CLI::App& app, int& exit_code);

}  // namespace sluice::cli
