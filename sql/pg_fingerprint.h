// Fingerprints of PostgreSQL queries: one id for every query of the same shape, whatever its
// constants, and the query text with its constants replaced by $1, $2, ...
//
// Queries that PostgreSQL 15's parser accepts are fingerprinted by libpg_query (equal across
// constants and IN-list lengths, different across structure). Queries it rejects (typos,
// syntax of another version, cut-off text) still get a fingerprint from our own lexer, so no
// query is ever dropped from the statistics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::sql {

struct Fingerprint {
  uint64_t id = 0;
  std::string normalized;  // constants replaced by $n (parameters already in the text keep theirs)
  bool parsed = false;     // true: from libpg_query; false: from the lexer fallback
};

// Never throws. Tries libpg_query first and falls back to fingerprint_by_lexer().
Fingerprint fingerprint_postgres(std::string_view query) noexcept;

// The fallback on its own: constants (strings in every quoting, numbers, a minus before a
// number) become placeholders, IN lists of constants collapse to one, comments and
// whitespace are dropped and unquoted words compared case-insensitively; the id is XXH3 of
// that token stream, with a seed of its own so that these ids do not systematically meet
// libpg_query's. Never throws.
Fingerprint fingerprint_by_lexer(std::string_view query) noexcept;

// The shape of a query: the token stream fingerprint_by_lexer() hashes, but with each
// constant's kind kept (number, string, parameter): values abstracted, IN lists of constants
// folded, comments, whitespace and the case of unquoted words dropped. Two texts of one shape
// differ only in constant values, and for the statements accepted here (every statement a
// SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES, TABLE or WITH) libpg_query ignores those:
// they have the same fingerprint id, kind and tables, so the analysis of one serves the other
// (see FingerprintCache). The one exception is a text the parser rejects for a constant
// alone (a bad escape in U&'..'): it gets the analysis of its valid siblings.
// Returns false, with `shape` empty, for any other text.
bool postgres_shape(std::string_view query, std::string& shape) noexcept;

}  // namespace sluice::sql
