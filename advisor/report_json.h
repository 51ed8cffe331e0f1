// report.json: the AdvisorReport as JSON (format_version 1) and back.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "advisor/advisor_report.h"

namespace sluice::advisor {

class ReportFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

nlohmann::json report_to_json(const AdvisorReport& report);
// Throws ReportFormatError naming the field when the JSON is not a report this version reads.
AdvisorReport report_from_json(const nlohmann::json& j);

}  // namespace sluice::advisor
