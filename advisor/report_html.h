// report.html: one self-contained page (inline CSS, inline SVG charts, no external resources):
// summary, top queries by total time (bar chart), suggestions with their statements, queries
// helped, estimated and measured gains (cost before/after chart per query), validation evidence,
// drop candidates, and how much work the run took. All text is HTML-escaped.
#pragma once

#include <string>

#include "advisor/advisor_report.h"

namespace sluice::advisor {

std::string render_report_html(const AdvisorReport& report);

}  // namespace sluice::advisor
