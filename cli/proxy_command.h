// `sluice proxy`: run the pooling proxy from a TOML file or a one-line command.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void add_proxy_command(CLI::App& app, int& exit_code);

}  // namespace sluice::cli
