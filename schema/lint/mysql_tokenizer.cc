// The MySQL / MariaDB tokenizer and statement splitter of mysql_alter_parser.h: backticks,
// '..' and ".." strings, #, -- and /* */ comments, /*! versioned comments read as code, and
// DELIMITER lines. Also the line index and the ASCII case helpers the parser uses.
#include "schema/lint/mysql_alter_parser.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>

namespace sluice::schema::lint::mysql {

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

LineIndex::LineIndex(std::string_view text) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
}

std::pair<int, int> LineIndex::locate(std::size_t offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  std::size_t line = static_cast<std::size_t>(it - line_starts_.begin());  // 1-based
  return {static_cast<int>(line), static_cast<int>(offset - line_starts_[line - 1] + 1)};
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

namespace {

bool is_word_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view text) : s_(text) {}

  // False at the end or on an unterminated literal/comment (then failure_ is set).
  bool next(Token& t) {
    while (true) {
      skip_space();
      if (pos_ >= s_.size()) return false;
      char c = s_[pos_];
      if (c == '#') {
        std::size_t start = pos_;
        skip_to_eol();
        note_comment(start);
        continue;
      }
      if (c == '-' && at(pos_ + 1) == '-' &&
          (pos_ + 2 >= s_.size() || std::isspace(static_cast<unsigned char>(s_[pos_ + 2])) ||
           std::iscntrl(static_cast<unsigned char>(s_[pos_ + 2])))) {
        std::size_t start = pos_;
        skip_to_eol();
        note_comment(start);
        continue;
      }
      if (c == '/' && at(pos_ + 1) == '*') {
        std::size_t start = pos_;
        bool exec = at(pos_ + 2) == '!' || (at(pos_ + 2) == 'M' && at(pos_ + 3) == '!');
        if (exec) {
          // /*!50100 ... */ and /*M!100100 ... */: the server runs what is inside.
          pos_ += at(pos_ + 2) == 'M' ? 4 : 3;
          while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
          ++exec_depth_;
          continue;
        }
        std::size_t close = s_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) return fail(start, "unterminated /* comment");
        pos_ = close + 2;
        note_comment(start);
        continue;
      }
      if (c == '*' && at(pos_ + 1) == '/' && exec_depth_ > 0) {
        --exec_depth_;
        pos_ += 2;
        continue;
      }
      break;
    }
    std::size_t start = pos_;
    char c = s_[pos_];
    unsigned char uc = static_cast<unsigned char>(c);
    if (c == '`') return quoted(start, '`', TokenKind::Identifier, t);
    if (c == '\'' || c == '"') return quoted(start, c, TokenKind::String, t);
    if (c == '@') {
      std::size_t i = pos_ + 1;
      if (at(i) == '@') ++i;
      if (at(i) == '\'' || at(i) == '"' || at(i) == '`') {
        pos_ = i;
        Token inner;
        if (!quoted(i, s_[i], TokenKind::String, inner)) return false;
        t = make(TokenKind::Variable, start, pos_);
        return true;
      }
      while (i < s_.size() && (is_word_char(static_cast<unsigned char>(s_[i])) || s_[i] == '.')) ++i;
      pos_ = i;
      t = make(TokenKind::Variable, start, i);
      return true;
    }
    if (is_word_char(uc)) {
      std::size_t i = pos_;
      while (i < s_.size() && is_word_char(static_cast<unsigned char>(s_[i]))) ++i;
      std::string_view word = s_.substr(pos_, i - pos_);
      // Introducers and prefixed literals: N'x', X'ff', B'01', _utf8mb4'x'.
      if (at(i) == '\'' && (word.size() == 1 ? std::strchr("nNxXbB", word[0]) != nullptr : word[0] == '_')) {
        pos_ = i;
        Token inner;
        if (!quoted(i, '\'', TokenKind::String, inner)) return false;
        t = make(TokenKind::String, start, pos_);
        return true;
      }
      bool numeric = std::all_of(word.begin(), word.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
      bool hex = word.size() > 2 && word[0] == '0' && (word[1] == 'x' || word[1] == 'b');
      if (numeric && at(i) == '.' && std::isdigit(static_cast<unsigned char>(at(i + 1)))) {
        ++i;
        while (i < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i]))) ++i;
      }
      // 1e5, 1.5e-3
      if (numeric && (at(i) == 'e' || at(i) == 'E') && (at(i + 1) == '-' || at(i + 1) == '+') &&
          std::isdigit(static_cast<unsigned char>(at(i + 2)))) {
        i += 2;
        while (i < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i]))) ++i;
      }
      pos_ = i;
      bool exp_number = !numeric && word.size() > 1 && std::isdigit(static_cast<unsigned char>(word[0]));
      if (exp_number) {
        // 1e5 lexed as one word: a number when it is digits, 'e', digits.
        std::size_t e = word.find_first_of("eE");
        exp_number = e != std::string_view::npos && e > 0 &&
                     std::all_of(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(e),
                                 [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }) &&
                     e + 1 < word.size() &&
                     std::all_of(word.begin() + static_cast<std::ptrdiff_t>(e) + 1, word.end(),
                                 [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
      }
      t = make(numeric || hex || exp_number ? TokenKind::Number : TokenKind::Word, start, i);
      return true;
    }
    if (c == '.' && std::isdigit(static_cast<unsigned char>(at(pos_ + 1)))) {
      // .5 is a number unless it follows a name (t.5col is rare enough to ignore).
      std::size_t i = pos_ + 1;
      while (i < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i]))) ++i;
      if (!(prev_ended_name_ && start == prev_end_)) {
        pos_ = i;
        t = make(TokenKind::Number, start, i);
        return true;
      }
    }
    static constexpr std::string_view kMulti[] = {"->>", "<=>", "->", "<=", ">=", "<>", "!=", ":=", "||", "&&", "<<", ">>"};
    for (std::string_view op : kMulti) {
      if (s_.substr(pos_, op.size()) == op) {
        pos_ += op.size();
        t = make(TokenKind::Punct, start, pos_);
        return true;
      }
    }
    ++pos_;
    t = make(TokenKind::Punct, start, pos_);
    return true;
  }

  const std::optional<ParseFailure>& failure() const { return failure_; }
  void record_comments(std::vector<std::pair<std::size_t, std::size_t>>* out) { comments_ = out; }
  std::size_t pos() const { return pos_; }
  void seek(std::size_t pos) { pos_ = pos; }

 private:
  char at(std::size_t i) const { return i < s_.size() ? s_[i] : '\0'; }

  void note_comment(std::size_t start) {
    if (comments_ == nullptr) return;
    std::size_t end = pos_;
    while (end > start && (s_[end - 1] == '\n' || s_[end - 1] == '\r')) --end;
    comments_->emplace_back(start, end);
  }

  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  void skip_to_eol() {
    std::size_t nl = s_.find('\n', pos_);
    pos_ = nl == std::string_view::npos ? s_.size() : nl + 1;
  }

  bool fail(std::size_t offset, std::string message) {
    failure_ = ParseFailure{offset, std::move(message)};
    pos_ = s_.size();
    return false;
  }

  // pos_ at the opening quote; backslash escapes in strings, doubled quotes in both.
  bool quoted(std::size_t start, char quote, TokenKind kind, Token& t) {
    std::size_t i = pos_ + 1;
    std::string value;
    while (true) {
      if (i >= s_.size()) {
        return fail(start, kind == TokenKind::Identifier ? "unterminated `quoted identifier`" : "unterminated string literal");
      }
      char c = s_[i];
      if (c == '\\' && kind == TokenKind::String && i + 1 < s_.size()) {
        value += s_[i + 1];
        i += 2;
        continue;
      }
      if (c == quote) {
        if (at(i + 1) == quote) {
          value += quote;
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      value += c;
      ++i;
    }
    pos_ = i;
    t = make(kind, start, i);
    if (kind == TokenKind::Identifier) t.text = value;
    return true;
  }

  Token make(TokenKind kind, std::size_t start, std::size_t end) {
    prev_ended_name_ = kind == TokenKind::Word || kind == TokenKind::Identifier;
    prev_end_ = end;
    return Token{kind, std::string(s_.substr(start, end - start)), start, end};
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int exec_depth_ = 0;
  bool prev_ended_name_ = false;
  std::size_t prev_end_ = 0;
  std::optional<ParseFailure> failure_;
  std::vector<std::pair<std::size_t, std::size_t>>* comments_ = nullptr;
};

}  // namespace

std::vector<Token> tokenize_mysql(std::string_view text, ParseFailure* failure) {
  Tokenizer lexer(text);
  std::vector<Token> tokens;
  Token t;
  while (lexer.next(t)) tokens.push_back(std::move(t));
  if (failure != nullptr && lexer.failure()) *failure = *lexer.failure();
  return tokens;
}

std::vector<SqlStatement> split_mysql_statements(std::string_view text, ParseFailure* failure,
                                                std::vector<std::pair<std::size_t, std::size_t>>* comments) {
  std::vector<SqlStatement> out;
  Tokenizer lexer(text);
  lexer.record_comments(comments);
  std::string delimiter = ";";
  SqlStatement current;
  auto flush = [&]() {
    if (!current.tokens.empty()) {
      current.offset = current.tokens.front().offset;
      current.end = current.tokens.back().end;
      out.push_back(std::move(current));
    }
    current = SqlStatement{};
  };
  Token t;
  while (lexer.next(t)) {
    // DELIMITER // at the start of a statement: the mysql client's command, to end of line.
    if (current.tokens.empty() && t.kind == TokenKind::Word && upper_ascii(t.text) == "DELIMITER") {
      std::size_t eol = text.find('\n', t.end);
      if (eol == std::string_view::npos) eol = text.size();
      std::string_view rest = text.substr(t.end, eol - t.end);
      std::size_t b = rest.find_first_not_of(" \t\r");
      std::size_t e = rest.find_last_not_of(" \t\r");
      if (b != std::string_view::npos) delimiter = std::string(rest.substr(b, e - b + 1));
      lexer.seek(eol);
      continue;
    }
    if (delimiter == ";") {
      if (t.kind == TokenKind::Punct && t.text == ";") {
        flush();
        continue;
      }
    } else if (t.kind != TokenKind::String && t.kind != TokenKind::Identifier) {
      // A custom delimiter may start a token (// lexed as two '/') or end one (END$$).
      std::size_t at = text.find(delimiter, t.offset);
      if (at != std::string_view::npos && at < t.end) {
        if (at > t.offset) {
          t.text = std::string(text.substr(t.offset, at - t.offset));
          t.end = at;
          current.tokens.push_back(std::move(t));
        }
        lexer.seek(at + delimiter.size());
        flush();
        continue;
      }
    }
    current.tokens.push_back(std::move(t));
  }
  if (lexer.failure()) current = SqlStatement{};  // cut by an unterminated literal: not trustworthy
  flush();
  if (failure != nullptr && lexer.failure()) *failure = *lexer.failure();
  return out;
}

}  // namespace sluice::schema::lint::mysql
