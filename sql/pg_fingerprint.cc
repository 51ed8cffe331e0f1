#include "sql/pg_fingerprint.h"

#include <pg_query.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "sql/sql_lexer.h"

namespace sluice::sql {
namespace {

// Seed of the lexer fingerprints ("sluice" in ASCII), so that they do not share libpg_query's.
constexpr uint64_t kLexerSeed = 0x736c75696365ULL;

// Owns a libpg_query result and frees it on every path.
template <typename Result, void (*Free)(Result)>
class PgQueryResult {
 public:
  explicit PgQueryResult(Result r) : r_(r) {}
  ~PgQueryResult() { Free(r_); }
  PgQueryResult(const PgQueryResult&) = delete;
  PgQueryResult& operator=(const PgQueryResult&) = delete;
  const Result& operator*() const { return r_; }
  const Result* operator->() const { return &r_; }

 private:
  Result r_;
};
using FingerprintResult = PgQueryResult<PgQueryFingerprintResult, pg_query_free_fingerprint_result>;
using NormalizeResult = PgQueryResult<PgQueryNormalizeResult, pg_query_free_normalize_result>;

bool is_punct(const Token& t, std::string_view p) { return t.kind == TokenKind::Punctuation && t.text == p; }

// Reserved words after which a '-' can only be a sign. Kept to words PostgreSQL
// reserves (they cannot be column or type names), so that a subtraction is never taken for a
// sign: two texts of the same shape must parse to the same tree (see postgres_shape()).
bool sign_follows(std::string_view w) {
  for (std::string_view k : {"SELECT", "WHERE", "AND", "OR", "NOT", "WHEN", "THEN", "ELSE", "CASE", "LIMIT",
                             "OFFSET", "HAVING", "DISTINCT", "ALL", "RETURNING"}) {
    if (word_equals(w, k)) return true;
  }
  return false;
}

// Statements whose constants are all plain constants in the parse tree (A_Const or
// parameters), which libpg_query's fingerprint leaves out. Utility statements keep some
// strings as fields (COPY's file name, PREPARE TRANSACTION's id), so they are not shared.
bool starts_shareable_statement(const Token& t) {
  if (t.kind != TokenKind::Word) return false;
  for (std::string_view k : {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "WITH", "VALUES", "TABLE"}) {
    if (word_equals(t.text, k)) return true;
  }
  return false;
}

// What LexerFingerprinter builds.
//  Fingerprint: the id and normalized text; all constants and parameters hash alike.
//  Shape: only the canonical form, keeping each constant's kind (see emit_constant()).
enum class LexerOutput { Fingerprint, Shape };

class LexerFingerprinter {
 public:
  LexerFingerprinter(std::string_view query, LexerOutput output) : LexerFingerprinter(query, output, own_tokens_) {}
  // Tokens go into `scratch` (cleared first), whose capacity the caller keeps between texts.
  LexerFingerprinter(std::string_view query, LexerOutput output, std::vector<Token>& scratch)
      : readable_(output == LexerOutput::Fingerprint), tokens_(scratch) {
    tokens_.clear();
    SqlLexer lexer(query);
    Token t{};
    bool statement_start = true;
    while (lexer.next(t)) {
      if (t.kind == TokenKind::Comment) continue;
      if (t.kind == TokenKind::Parameter) next_param_ = std::max(next_param_, param_number(t.text) + 1);
      if (is_punct(t, ";")) {
        statement_start = true;
      } else if (statement_start && !is_punct(t, "(")) {
        shareable_ = shareable_ && starts_shareable_statement(t);
        statement_start = false;
      }
      tokens_.push_back(t);
    }
    shareable_ = shareable_ && !tokens_.empty();
  }

  // Whether every statement in the text is a SELECT, INSERT, UPDATE, DELETE, MERGE, VALUES,
  // TABLE or WITH statement.
  bool shareable() const { return shareable_; }

  // The canonical token stream, built by run().
  std::string& canonical() { return canonical_; }

  Fingerprint run() {
    std::size_t i = 0;
    while (i < tokens_.size()) {
      const Token& t = tokens_[i];
      if (t.kind == TokenKind::Word && word_equals(t.text, "IN")) {
        std::size_t elements = 0;
        if (std::size_t end = in_list_end(i + 1, elements); end != 0) {
          emit_in_list(t, elements);
          i = end;
          continue;
        }
      }
      if (std::size_t len = constant_length(i); len != 0) {
        emit_constant(t);
        i += len;
        continue;
      }
      emit(t);
      ++i;
    }
    Fingerprint fp;
    if (!readable_) return fp;
    fp.id = XXH3_64bits_withSeed(canonical_.data(), canonical_.size(), kLexerSeed);
    fp.normalized = std::move(normalized_);
    fp.parsed = false;
    return fp;
  }

 private:
  static uint64_t param_number(std::string_view text) {
    uint64_t n = 0;
    for (std::size_t i = 1; i < text.size() && n < 1'000'000'000; ++i) n = n * 10 + static_cast<uint64_t>(text[i] - '0');
    return n;
  }

  // Whether a minus at index i is unary: at the start, or after an operator, an opening
  // bracket, a comma, or a reserved word that cannot end an expression.
  bool sign_is_unary(std::size_t i) const {
    if (i == 0) return true;
    const Token& prev = tokens_[i - 1];
    switch (prev.kind) {
      case TokenKind::Operator:
        return true;
      case TokenKind::Punctuation:
        return prev.text != ")" && prev.text != "]";
      case TokenKind::Word:
        return sign_follows(prev.text);
      default:
        return false;
    }
  }

  // Number of tokens making up a constant at i (0 if none): a string, a number, or a minus
  // sign followed by a number, which PostgreSQL folds into the constant (a unary plus it
  // keeps as an operator). Parameters ($n) stay as they are written. The sign binds less
  // tightly than a cast or a subscript: -1::int is -(1::int), not a constant.
  std::size_t constant_length(std::size_t i) const {
    const Token& t = tokens_[i];
    if (t.kind == TokenKind::String || t.kind == TokenKind::Number) return 1;
    if (t.kind == TokenKind::Operator && t.text == "-" && i + 1 < tokens_.size() &&
        tokens_[i + 1].kind == TokenKind::Number && sign_is_unary(i) &&
        !(i + 2 < tokens_.size() && (is_punct(tokens_[i + 2], "::") || is_punct(tokens_[i + 2], "[")))) {
      return 2;
    }
    return 0;
  }

  // For "IN ( c, c, ... )" starting with the bracket at open: the index just past the closing
  // bracket when every element is a constant or a parameter, else 0.
  std::size_t in_list_end(std::size_t open, std::size_t& elements) const {
    if (open >= tokens_.size() || !is_punct(tokens_[open], "(")) return 0;
    std::size_t j = open + 1;
    for (;;) {
      if (j >= tokens_.size()) return 0;
      std::size_t len = tokens_[j].kind == TokenKind::Parameter ? 1 : constant_length(j);
      if (len == 0 || is_national(tokens_[j])) return 0;
      j += len;
      ++elements;
      if (j >= tokens_.size()) return 0;
      if (is_punct(tokens_[j], ")")) return j + 1;
      if (!is_punct(tokens_[j], ",")) return 0;
      ++j;
    }
  }

  // The whole list hashes like "IN ( ? )" whatever its length; the readable form says how
  // the list was folded.
  void emit_in_list(const Token& in, std::size_t elements) {
    emit(in);
    canonical_ += "(\x1f?\x1f)\x1f";
    if (!readable_) return;
    const bool several = elements > 1;
    space_before('(');
    normalized_ += "($";
    normalized_ += std::to_string(next_param_++);
    normalized_ += several ? " /*, ... */)" : ")";
    last_ = Last::Close;
  }

  // N'...' is a constant cast to char in PostgreSQL's tree, not a plain constant: it keeps
  // a mark of its own in the shape.
  static bool is_national(const Token& t) {
    return t.kind == TokenKind::String && !t.text.empty() && (t.text.front() == 'N' || t.text.front() == 'n');
  }

  // The fingerprint treats all constants and parameters alike, as libpg_query's does. The
  // shape keeps their kind: PostgreSQL folds a minus into a number even through brackets,
  // -(1), but not into a string or a parameter, so -(1) and -('1') are different trees.
  void emit_constant(const Token& first) {
    if (is_national(first)) {
      canonical_ += "n?\x1f";
    } else if (readable_) {
      canonical_ += "?\x1f";
    } else {
      canonical_ += first.kind == TokenKind::String ? "'?\x1f" : "0?\x1f";
    }
    if (!readable_) return;
    space_before('$');
    normalized_ += '$';
    normalized_ += std::to_string(next_param_++);
    last_ = Last::Value;
  }

  void emit(const Token& t) {
    // Canonical form for the hash: unquoted words in lower case, parameters as '?', each
    // token followed by a separator that no token contains.
    if (t.kind == TokenKind::Word) {
      for (char c : t.text) canonical_ += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    } else if (t.kind == TokenKind::Parameter) {
      canonical_ += readable_ ? "?" : "$?";
    } else {
      canonical_ += t.text;
    }
    canonical_ += '\x1f';
    if (!readable_) return;

    // Readable form: keywords in upper case, single spaces, none inside brackets or around dots.
    const bool keyword = t.kind == TokenKind::Word && is_keyword(t.text);
    const char first = t.text.empty() ? ' ' : t.text.front();
    if (t.kind == TokenKind::Punctuation) {
      space_before(first, t.text == "::");
    } else {
      space_before(keyword ? 'K' : 'w');
    }
    if (keyword) {
      for (char c : t.text) normalized_ += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    } else {
      normalized_ += t.text;
    }

    if (t.kind == TokenKind::Punctuation) {
      if (t.text == "(" || t.text == "[") last_ = Last::Open;
      else if (t.text == "." || t.text == "::") last_ = Last::Joiner;
      else if (t.text == ")" || t.text == "]") last_ = Last::Close;
      else last_ = Last::Separator;
    } else if (t.kind == TokenKind::Word || t.kind == TokenKind::QuotedIdentifier) {
      last_ = keyword ? Last::Keyword : Last::Name;
    } else {
      last_ = Last::Value;
    }
  }

  // Writes the space (or not) that goes before a token starting with `first`.
  void space_before(char first, bool cast = false) {
    if (last_ == Last::Start || last_ == Last::Open || last_ == Last::Joiner) return;
    if (cast || first == ',' || first == ')' || first == ']' || first == ';' || first == '.' || first == ':') return;
    if (first == '(' && last_ == Last::Name) return;  // a function call: f(x)
    if (first == '[' && last_ != Last::Keyword) return;  // a subscript: a[1]
    normalized_ += ' ';
  }

  enum class Last { Start, Open, Close, Joiner, Separator, Keyword, Name, Value };

  const bool readable_;  // LexerOutput::Fingerprint
  bool shareable_ = true;
  std::vector<Token> own_tokens_;
  std::vector<Token>& tokens_;  // own_tokens_ or the caller's scratch
  std::string canonical_;
  std::string normalized_;
  uint64_t next_param_ = 1;
  Last last_ = Last::Start;
};

}  // namespace

Fingerprint fingerprint_by_lexer(std::string_view query) noexcept {
  try {
    return LexerFingerprinter(query, LexerOutput::Fingerprint).run();
  } catch (...) {
    // Only memory exhaustion gets here; keep the query countable.
    Fingerprint fp;
    fp.id = XXH3_64bits_withSeed(query.data(), query.size(), kLexerSeed);
    return fp;
  }
}

Fingerprint fingerprint_postgres(std::string_view query) noexcept {
  try {
    // libpg_query reads C strings: a query with a NUL byte inside would be cut, so it goes
    // to the lexer whole.
    if (query.find('\0') == std::string_view::npos) {
      const std::string text(query);
      FingerprintResult fp(pg_query_fingerprint(text.c_str()));
      if (fp->error == nullptr) {
        Fingerprint out;
        out.id = fp->fingerprint;
        out.parsed = true;
        NormalizeResult norm(pg_query_normalize(text.c_str()));
        if (norm->error == nullptr && norm->normalized_query != nullptr) {
          out.normalized = norm->normalized_query;
        } else {
          out.normalized = fingerprint_by_lexer(query).normalized;
        }
        return out;
      }
    }
  } catch (...) {
    // Fall through to the lexer.
  }
  return fingerprint_by_lexer(query);
}

bool postgres_shape(std::string_view query, std::string& shape) noexcept {
  shape.clear();
  // Called for every new text of a known shape (each pgbench -S query): the token vector and
  // the shape's own buffer are reused, so a call allocates nothing once they have grown.
  thread_local std::vector<Token> tokens;
  try {
    LexerFingerprinter lexer(query, LexerOutput::Shape, tokens);
    if (!lexer.shareable()) return false;
    lexer.canonical().swap(shape);  // build into the caller's buffer
    lexer.run();
    shape.swap(lexer.canonical());
    return true;
  } catch (...) {
    shape.clear();
    return false;
  }
}

}  // namespace sluice::sql
