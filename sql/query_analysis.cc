#include "sql/query_analysis.h"

namespace sluice::sql {

QueryAnalysis analyze_postgres(std::string_view query) noexcept {
  QueryAnalysis analysis;
  analysis.statement = describe_postgres(query);
  analysis.fingerprint = analysis.statement.parsed ? fingerprint_postgres(query) : fingerprint_by_lexer(query);
  return analysis;
}

}  // namespace sluice::sql
