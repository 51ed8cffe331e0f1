#include "schema/lint/finding.h"

namespace sluice::schema::lint {

const char* to_string(Severity s) {
  switch (s) {
    case Severity::Notice: return "notice";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "warning";
}

}  // namespace sluice::schema::lint
