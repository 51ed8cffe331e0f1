// Where reports live on disk. `sluice advisor --once --out DIR` writes DIR/report.json,
// DIR/report.md and DIR/report.html; the sidecar writes each run to OUT/runs/<run id>/ and the
// latest run's files to OUT/ as well. Files are written to a temporary name and renamed, so a
// reader never sees half a report.
#pragma once

#include <string>

#include "advisor/advisor_report.h"

namespace sluice::advisor {

// Writes report.json, report.md and report.html into dir (created when missing). Throws
// std::runtime_error naming the file on failure.
void write_report_files(const AdvisorReport& report, const std::string& dir);

// The latest report under `from`: a report.json file itself, the newest OUT/runs/*/report.json,
// or DIR/report.json. Throws std::runtime_error saying what was looked for.
AdvisorReport load_latest_report(const std::string& from, std::string* found_path = nullptr);

}  // namespace sluice::advisor
