// `sluice advisor`: the index advisor, once (--once) or as a sidecar on a schedule (-c), and the
// trust ladder's commands (approve, undo, actions). See docs/advisor.md.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

// Exit codes: 0 done, 1 the run or the action failed, 2 usage or configuration errors.
void add_advisor_command(CLI::App& app, int& exit_code);

}  // namespace sluice::cli
