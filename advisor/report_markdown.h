// report.md: the same advice as report.html in GitHub-flavoured Markdown, short enough for a
// pull request comment: summary, one section per suggestion with its statement in a sql block,
// a table of queries helped, drop candidates.
#pragma once

#include <string>

#include "advisor/advisor_report.h"

namespace sluice::advisor {

std::string render_report_markdown(const AdvisorReport& report);

}  // namespace sluice::advisor
