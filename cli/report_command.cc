#include "cli/report_command.h"

#include <filesystem>
#include <iostream>
#include <string>

#include "advisor/report_files.h"

namespace sluice::cli {

void add_report_command(CLI::App& app, int& exit_code) {
  struct Args {
    std::string from = "sluice-advisor";
    std::string out;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("report", "Render the latest advisor result as report.html, report.md and report.json");
  cmd->add_option("from", args->from,
                  "A report.json, or the advisor's output folder (its newest runs/*/report.json, else report.json)")
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Folder to write the three files to (default: next to the report.json found)");
  cmd->callback([args, &exit_code] {
    try {
      std::string found;
      advisor::AdvisorReport report = advisor::load_latest_report(args->from, &found);
      std::string out = args->out.empty() ? std::filesystem::path(found).parent_path().string() : args->out;
      if (out.empty()) out = ".";
      advisor::write_report_files(report, out);
      namespace fs = std::filesystem;
      std::cout << "report of run " << report.run_id << " (" << report.suggestions.size() << " suggestions, "
                << report.drops.size() << " drop candidates):\n"
                << "  " << (fs::path(out) / "report.html").string() << "\n"
                << "  " << (fs::path(out) / "report.md").string() << "\n"
                << "  " << (fs::path(out) / "report.json").string() << "\n";
      exit_code = 0;
    } catch (const std::exception& e) {
      std::cerr << "sluice report: " << e.what() << "\n";
      exit_code = 1;
    }
  });
}

}  // namespace sluice::cli
