// Parsing of admin console commands: a small tokenizer (words, "quoted names", semicolons,
// comments skipped), then one function per leading keyword.
#include "proxy/admin/admin_command.h"

#include <cctype>
#include <charconv>
#include <optional>

namespace sluice::proxy::admin {
namespace {

struct Token {
  std::string text;      // quoted names without their quotes
  std::string_view raw;  // as written, for messages
  bool quoted = false;
  bool semicolon = false;
};

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_word(const Token& t, std::string_view keyword) {
  if (t.quoted || t.semicolon || t.text.size() != keyword.size()) return false;
  for (std::size_t i = 0; i < keyword.size(); ++i) {
    if (upper(t.text[i]) != keyword[i]) return false;
  }
  return true;
}

AdminParseError error(std::string message) { return AdminParseError{std::move(message)}; }

// Splits sql into tokens, or returns why it cannot.
std::optional<AdminParseError> tokenize(std::string_view sql, std::vector<Token>& out) {
  std::size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (is_space(c)) {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      std::size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (sql.substr(i, 2) == "/*") {
      std::size_t end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) return error("unterminated /* comment");
      i = end + 2;
    } else if (c == ';') {
      out.push_back(Token{";", sql.substr(i, 1), false, true});
      ++i;
    } else if (c == '"') {
      std::size_t start = i++;
      std::string name;
      bool closed = false;
      while (i < sql.size()) {
        if (sql[i] == '"') {
          if (i + 1 < sql.size() && sql[i + 1] == '"') {
            name.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        name.push_back(sql[i++]);
      }
      if (!closed) return error("unterminated quoted name " + std::string(sql.substr(start)));
      if (name.empty()) return error("empty quoted name \"\"");
      out.push_back(Token{std::move(name), sql.substr(start, i - start), true, false});
    } else {
      std::size_t start = i;
      while (i < sql.size() && !is_space(sql[i]) && sql[i] != ';' && sql[i] != '"') ++i;
      std::string_view word = sql.substr(start, i - start);
      out.push_back(Token{std::string(word), word, false, false});
    }
  }
  return std::nullopt;
}

// The tokens as written, one space apart, cut to a length that fits in a message.
std::string echo(const std::vector<Token>& tokens) {
  constexpr std::size_t kMax = 60;
  std::string s;
  for (const Token& t : tokens) {
    if (!s.empty()) s.push_back(' ');
    s.append(t.raw);
  }
  if (s.size() > kMax) s = s.substr(0, kMax) + "...";
  return s;
}

AdminParseError unknown(const std::vector<Token>& tokens) {
  return error("unknown command \"" + echo(tokens) + "\"; try SHOW HELP");
}

struct ShowSubject {
  std::string_view name;
  AdminVerb verb;
};

constexpr ShowSubject kShowSubjects[] = {
    {"POOLS", AdminVerb::ShowPools},     {"CLIENTS", AdminVerb::ShowClients}, {"SERVERS", AdminVerb::ShowServers},
    {"DATABASES", AdminVerb::ShowDatabases}, {"STATS", AdminVerb::ShowStats}, {"CONFIG", AdminVerb::ShowConfig},
    {"QUERIES", AdminVerb::ShowQueries}, {"VERSION", AdminVerb::ShowVersion}, {"HELP", AdminVerb::ShowHelp},
};

constexpr std::string_view kOrderColumns = "total_time, mean_time, p99, calls or errors";

// [ORDER BY column [DESC]] [LIMIT n], in either order, each at most once.
AdminParseResult parse_show_queries(const std::vector<Token>& t) {
  AdminCommand cmd;
  cmd.verb = AdminVerb::ShowQueries;
  bool have_order = false;
  bool have_limit = false;
  std::size_t i = 2;
  while (i < t.size()) {
    if (is_word(t[i], "ORDER")) {
      if (have_order) return error("ORDER BY given twice");
      have_order = true;
      if (i + 1 >= t.size() || !is_word(t[i + 1], "BY")) return error("expected BY after ORDER");
      if (i + 2 >= t.size()) return error("ORDER BY needs a column: " + std::string(kOrderColumns));
      const Token& column = t[i + 2];
      std::optional<workload::OrderBy> order =
          column.quoted ? workload::parse_order_by(column.text) : workload::parse_order_by(lower(column.text));
      if (!order) {
        return error("unknown ORDER BY column \"" + std::string(column.raw) + "\"; use " + std::string(kOrderColumns));
      }
      cmd.order_by = *order;
      i += 3;
      if (i < t.size() && is_word(t[i], "DESC")) {
        ++i;
      } else if (i < t.size() && is_word(t[i], "ASC")) {
        return error("SHOW QUERIES sorts largest first only; drop ASC");
      }
    } else if (is_word(t[i], "LIMIT")) {
      if (have_limit) return error("LIMIT given twice");
      have_limit = true;
      if (i + 1 >= t.size()) return error("LIMIT needs a positive integer");
      const std::string& text = t[i + 1].text;
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (t[i + 1].quoted || ec != std::errc() || end != text.data() + text.size() || n == 0) {
        return error("LIMIT needs a positive integer (got \"" + std::string(t[i + 1].raw) + "\")");
      }
      cmd.limit = static_cast<std::size_t>(n);
      i += 2;
    } else {
      return error("unexpected \"" + std::string(t[i].raw) + "\" in SHOW QUERIES; expected ORDER BY or LIMIT");
    }
  }
  return cmd;
}

AdminParseResult parse_show(const std::vector<Token>& t) {
  if (t.size() < 2) return error("SHOW needs what to show, e.g. SHOW POOLS; try SHOW HELP");
  for (const ShowSubject& subject : kShowSubjects) {
    if (!is_word(t[1], subject.name)) continue;
    if (subject.verb == AdminVerb::ShowQueries) return parse_show_queries(t);
    if (t.size() > 2) {
      if (is_word(t[2], "ORDER") || is_word(t[2], "LIMIT")) {
        return error("ORDER BY and LIMIT only apply to SHOW QUERIES");
      }
      return error("unexpected \"" + std::string(t[2].raw) + "\" after SHOW " + std::string(subject.name));
    }
    AdminCommand cmd;
    cmd.verb = subject.verb;
    return cmd;
  }
  return unknown(t);
}

// PAUSE [db] / RESUME [db].
AdminParseResult parse_pause_resume(const std::vector<Token>& t, AdminVerb verb, std::string_view name) {
  if (t.size() > 2) return error(std::string(name) + " takes at most one database name");
  AdminCommand cmd;
  cmd.verb = verb;
  if (t.size() == 2) cmd.database = t[1].text;
  return cmd;
}

}  // namespace

AdminParseResult parse_admin_command(std::string_view sql) {
  std::vector<Token> tokens;
  if (auto problem = tokenize(sql, tokens)) return *problem;
  while (!tokens.empty() && tokens.back().semicolon) tokens.pop_back();
  for (const Token& t : tokens) {
    if (t.semicolon) return error("one command at a time: send the text after \";\" as its own query");
  }
  if (tokens.empty()) return AdminCommand{};

  if (is_word(tokens[0], "SHOW")) return parse_show(tokens);
  if (is_word(tokens[0], "RELOAD")) {
    if (tokens.size() > 1) return error("RELOAD takes no arguments");
    AdminCommand cmd;
    cmd.verb = AdminVerb::Reload;
    return cmd;
  }
  if (is_word(tokens[0], "PAUSE")) return parse_pause_resume(tokens, AdminVerb::Pause, "PAUSE");
  if (is_word(tokens[0], "RESUME")) return parse_pause_resume(tokens, AdminVerb::Resume, "RESUME");
  return unknown(tokens);
}

std::string_view command_tag(AdminVerb verb) {
  switch (verb) {
    case AdminVerb::Empty: return "";
    case AdminVerb::Reload: return "RELOAD";
    case AdminVerb::Pause: return "PAUSE";
    case AdminVerb::Resume: return "RESUME";
    default: return "SHOW";
  }
}

const std::vector<AdminHelpEntry>& admin_help() {
  static const std::vector<AdminHelpEntry> kHelp = {
      {"SHOW POOLS", "clients and servers of each (database, user) pool"},
      {"SHOW CLIENTS", "every client connection"},
      {"SHOW SERVERS", "every server connection"},
      {"SHOW DATABASES", "configured databases and their open server connections"},
      {"SHOW STATS", "traffic and time totals and averages per database"},
      {"SHOW CONFIG", "current settings, their defaults and whether RELOAD changes them"},
      {"SHOW QUERIES [ORDER BY total_time|mean_time|p99|calls|errors] [LIMIT n]",
       "the busiest query fingerprints (default: ORDER BY total_time LIMIT 20)"},
      {"SHOW VERSION", "the Sluice version"},
      {"SHOW HELP", "this list"},
      {"RELOAD", "read the configuration file again"},
      {"PAUSE [db]", "let running transactions finish, then hold new queries (one database or all)"},
      {"RESUME [db]", "undo PAUSE"},
  };
  return kHelp;
}

}  // namespace sluice::proxy::admin
