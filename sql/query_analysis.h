// Everything the proxy learns from one query's text: its fingerprint and what it does.
// Computed once per distinct text (see fingerprint_cache.h), then read on every execution.
#pragma once

#include <string_view>

#include "sql/pg_fingerprint.h"
#include "sql/statement_info.h"

namespace sluice::sql {

struct QueryAnalysis {
  Fingerprint fingerprint;
  StatementInfo statement;
};

// Fingerprint and statement info of a PostgreSQL query. A text the parser rejects is parsed
// once, not twice: both halves then come from the lexer. Never throws.
QueryAnalysis analyze_postgres(std::string_view query) noexcept;

}  // namespace sluice::sql
