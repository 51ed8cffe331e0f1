#include "advisor/report_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "advisor/report_html.h"
#include "advisor/report_json.h"
#include "advisor/report_markdown.h"

namespace sluice::advisor {

namespace fs = std::filesystem;

namespace {

void write_atomically(const fs::path& path, const std::string& content) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out << content;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw std::runtime_error("cannot rename " + tmp.string() + " to " + path.string() + ": " + ec.message());
}

AdvisorReport read_report(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(buffer.str(), nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(path.string() + ": not valid JSON");
  try {
    return report_from_json(j);
  } catch (const std::exception& e) {
    throw std::runtime_error(path.string() + ": " + e.what());
  }
}

}  // namespace

void write_report_files(const AdvisorReport& report, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir + ": " + ec.message());
  write_atomically(fs::path(dir) / "report.json", report_to_json(report).dump(2) + "\n");
  write_atomically(fs::path(dir) / "report.md", render_report_markdown(report));
  write_atomically(fs::path(dir) / "report.html", render_report_html(report));
}

AdvisorReport load_latest_report(const std::string& from, std::string* found_path) {
  fs::path p(from);
  std::error_code ec;
  fs::path chosen;
  if (fs::is_regular_file(p, ec)) {
    chosen = p;
  } else if (fs::is_directory(p, ec)) {
    fs::path runs = p / "runs";
    if (fs::is_directory(runs, ec)) {
      for (const auto& entry : fs::directory_iterator(runs, ec)) {
        fs::path candidate = entry.path() / "report.json";
        // run ids are UTC timestamps (20261125T153000Z): the greatest name is the newest
        if (fs::is_regular_file(candidate, ec) && (chosen.empty() || candidate > chosen)) chosen = candidate;
      }
    }
    if (chosen.empty() && fs::is_regular_file(p / "report.json", ec)) chosen = p / "report.json";
    if (chosen.empty()) {
      throw std::runtime_error("no report in " + from + " (looked for " + (p / "runs/*/report.json").string() +
                               " and " + (p / "report.json").string() + ")");
    }
  } else {
    throw std::runtime_error(from + ": no such file or directory");
  }
  if (found_path) *found_path = chosen.string();
  return read_report(chosen);
}

}  // namespace sluice::advisor
