// The PgBouncer-style users list (auth.file, --users-file): "user" "password-or-secret" per
// line, read into Config::users.
#include "common/config_loader.h"

#include <cstring>
#include <map>

#include "common/config_checks.h"

namespace sluice::common {

using namespace config_checks;

namespace {

// ---------------------------------------------------------------------------------------------
// The userlist file

class AuthFileParser {
 public:
  AuthFileParser(const std::string& path, const std::string& text) : path_(path), text_(text) {}

  // Calls add(line, user, password) for each entry.
  template <typename Add>
  void parse(Add&& add) {
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text_.size()) {
      std::size_t end = text_.find('\n', pos);
      if (end == std::string::npos) end = text_.size();
      std::string_view line(text_.data() + pos, end - pos);
      pos = end + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 BOM

      line_ = line_no;
      std::size_t i = skip_space(line, 0);
      if (i == line.size() || line[i] == ';' || line[i] == '#') continue;
      if (line[i] != '"') fail("expected a quoted user name, as in: \"user\" \"password\"");
      std::string user = read_quoted(line, i, "user name");
      if (user.empty()) fail("empty user name");
      i = skip_space(line, i);
      if (i == line.size()) fail("missing password after user " + squote(user));
      if (line[i] != '"') fail("expected a quoted password after user " + squote(user));
      std::string password = read_quoted(line, i, "password");
      i = skip_space(line, i);
      if (i != line.size() && line[i] != ';' && line[i] != '#') {
        fail("unexpected text after the password of user " + squote(user));
      }
      add(line_no, user, password);
    }
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw ConfigError(path_ + ":" + std::to_string(line_) + ": " + reason);
  }

 private:
  static std::size_t skip_space(std::string_view line, std::size_t i) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    return i;
  }

  // line[i] is the opening quote; leaves i after the closing one. "" inside is a literal quote.
  std::string read_quoted(std::string_view line, std::size_t& i, std::string_view what) const {
    std::string out;
    ++i;
    for (;;) {
      if (i >= line.size()) fail("missing closing quote in " + std::string(what));
      char c = line[i++];
      if (c != '"') {
        out.push_back(c);
      } else if (i < line.size() && line[i] == '"') {
        out.push_back('"');
        ++i;
      } else {
        return out;
      }
    }
  }

  const std::string& path_;
  const std::string& text_;
  std::size_t line_ = 0;
};

}  // namespace

void load_auth_file(Config& config) {
  if (config.auth_file.empty()) return;
  const std::string& path = config.auth_file;
  std::string text;
  if (int err = read_whole_file(path, text); err != 0) {
    throw ConfigError(path + ": cannot read: " + std::strerror(err));
  }
  AuthFileParser parser(path, text);
  std::map<std::string, std::size_t> seen;  // user -> line
  parser.parse([&](std::size_t line, const std::string& user, const std::string& password) {
    auto [it, inserted] = seen.emplace(user, line);
    if (!inserted) parser.fail("duplicate user " + squote(user) + " (first on line " + std::to_string(it->second) + ")");
    std::string problem = check_password_secret(password);
    if (!problem.empty()) parser.fail("user " + squote(user) + ": " + problem);
    for (UserConfig& existing : config.users) {
      if (existing.name != user) continue;
      if (existing.password.empty()) {
        existing.password = password;
      } else if (existing.password != password) {
        parser.fail("user " + squote(user) + " already has a password in " + config.source);
      }
      return;
    }
    config.users.push_back(UserConfig{user, password, false});
  });
}

}  // namespace sluice::common
