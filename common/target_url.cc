#include "common/target_url.h"

#include <cctype>
#include <string>

#include "common/config_error.h"

namespace sluice::common {

namespace {

constexpr std::string_view kMask = "****";

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

// Holds the original text so every error can quote it (masked).
class UrlParser {
 public:
  explicit UrlParser(std::string_view original) : original_(original) {}

  [[noreturn]] void fail(const std::string& reason) const {
    throw ConfigError("invalid target URL '" + mask_url_password(original_) + "': " + reason);
  }

  std::string decode(std::string_view s, std::string_view what) const {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '%') {
        out.push_back(s[i]);
        continue;
      }
      int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        fail("bad percent-encoding in " + std::string(what) + " ('%' must be followed by two hex digits)");
      }
      char c = static_cast<char>(hi * 16 + lo);
      if (c == '\0') fail("percent-encoded NUL (%00) in " + std::string(what));
      out.push_back(c);
      i += 2;
    }
    return out;
  }

  TargetUrl parse() const {
    std::string_view text = trim(original_);
    if (text.empty()) fail("the URL is empty");
    for (char ch : text) {
      auto c = static_cast<unsigned char>(ch);
      if (c <= 0x20 || c == 0x7f) fail("contains a space or control character (percent-encode it)");
    }

    TargetUrl url;
    std::size_t sep = text.find("://");
    if (sep == std::string_view::npos) {
      fail("missing scheme (expected postgres://, postgresql:// or mysql://)");
    }
    std::string scheme = lowercase(text.substr(0, sep));
    if (scheme == "postgres" || scheme == "postgresql") {
      url.scheme = "postgres";
    } else if (scheme == "mysql") {
      url.scheme = "mysql";
    } else {
      fail("unsupported scheme '" + scheme + "' (expected postgres://, postgresql:// or mysql://)");
    }
    url.port = default_port_for_scheme(url.scheme);

    std::string_view rest = text.substr(sep + 3);
    if (rest.find('#') != std::string_view::npos) {
      fail("'#' is not allowed (a fragment is meaningless here; write a literal '#' as %23)");
    }

    std::size_t authority_end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view tail = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

    // userinfo: everything up to the last '@' of the authority (a stray '@' in a password still works).
    std::string_view hostport = authority;
    std::size_t at = authority.rfind('@');
    if (at == std::string_view::npos && tail.substr(0, tail.find('?')).find('@') != std::string_view::npos) {
      // Most likely "user:pass/word@host": refuse rather than quote pieces of the password back.
      fail("'@' after the host: percent-encode '/' in a password as %2F (or '@' in a database name as %40)");
    }
    if (at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      hostport = authority.substr(at + 1);
      std::size_t colon = userinfo.find(':');
      url.user = decode(userinfo.substr(0, colon), "user name");
      if (colon != std::string_view::npos) url.password = decode(userinfo.substr(colon + 1), "password");
      if (url.user.empty()) fail("missing user name before '@'");
    }

    parse_host_port(hostport, url);

    if (!tail.empty() && tail.front() == '/') {
      std::size_t q = tail.find('?');
      std::string_view path = tail.substr(1, q == std::string_view::npos ? std::string_view::npos : q - 1);
      if (path.find('/') != std::string_view::npos) {
        fail("unexpected '/' in database name '" + std::string(path) + "' (percent-encode it as %2F)");
      }
      url.dbname = decode(path, "database name");
      tail = q == std::string_view::npos ? std::string_view{} : tail.substr(q);
    }
    if (!tail.empty()) {  // starts with '?'
      parse_query(tail.substr(1), url);
    }

    if (url.dbname.empty()) url.dbname = url.user;
    return url;
  }

 private:
  void parse_host_port(std::string_view hostport, TargetUrl& url) const {
    if (hostport.empty()) fail("missing host");
    std::string_view host;
    std::string_view port_text;
    bool has_port = false;
    if (hostport.front() == '[') {
      std::size_t close = hostport.find(']');
      if (close == std::string_view::npos) fail("missing ']' after IPv6 address");
      host = hostport.substr(1, close - 1);
      if (host.empty()) fail("empty IPv6 address '[]'");
      for (char c : host) {
        if (hex_value(c) < 0 && c != ':' && c != '.') {
          fail("invalid IPv6 address '[" + std::string(host) + "]'");
        }
      }
      if (host.find(':') == std::string_view::npos) fail("invalid IPv6 address '[" + std::string(host) + "]'");
      std::string_view after = hostport.substr(close + 1);
      if (!after.empty()) {
        if (after.front() != ':') fail("unexpected '" + std::string(after) + "' after IPv6 address");
        port_text = after.substr(1);
        has_port = true;
      }
    } else {
      std::size_t colon = hostport.find(':');
      if (colon != std::string_view::npos && hostport.find(':', colon + 1) != std::string_view::npos) {
        fail("an IPv6 address must be written in brackets, e.g. postgres://user@[::1]:5432/db");
      }
      host = hostport.substr(0, colon);
      if (colon != std::string_view::npos) {
        port_text = hostport.substr(colon + 1);
        has_port = true;
      }
      if (host.empty()) fail("missing host");
      for (char ch : host) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) == 0 && c != '-' && c != '.' && c != '_') {
          std::string reason = "invalid character '" + std::string(1, ch) + "' in host '" + std::string(host) + "'";
          if (c == ',') reason += " (multiple hosts are not supported)";
          fail(reason);
        }
      }
    }
    url.host = std::string(host);

    if (has_port) {
      if (port_text.empty()) fail("empty port after ':'");
      unsigned long value = 0;
      bool ok = port_text.size() <= 5;
      for (char c : port_text) {
        if (c < '0' || c > '9') {
          ok = false;
          break;
        }
        value = value * 10 + static_cast<unsigned long>(c - '0');
      }
      if (!ok || value == 0 || value > 65535) {
        fail("invalid port '" + std::string(port_text) + "' (expected a number from 1 to 65535)");
      }
      url.port = static_cast<uint16_t>(value);
    }
  }

  void parse_query(std::string_view query, TargetUrl& url) const {
    while (!query.empty()) {
      std::size_t amp = query.find('&');
      std::string_view item = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
      if (item.empty()) continue;
      std::size_t eq = item.find('=');
      if (eq == std::string_view::npos) {
        fail("query parameter '" + std::string(item) + "' has no value (expected key=value)");
      }
      std::string key = decode(item.substr(0, eq), "query parameter name");
      if (key.empty()) fail("query parameter with an empty name");
      url.params[key] = decode(item.substr(eq + 1), "query parameter '" + key + "'");
    }
  }

  std::string_view original_;
};

}  // namespace

uint16_t default_port_for_scheme(std::string_view scheme) {
  if (scheme == "postgres" || scheme == "postgresql") return 5432;
  if (scheme == "mysql") return 3306;
  return 0;
}

std::string mask_url_password(std::string_view url) {
  std::size_t sep = url.find("://");
  std::size_t start = sep == std::string_view::npos ? 0 : sep + 3;
  // Conservative: the last '@' before any query string ends the user info, so a password
  // holding an unencoded '/' is still hidden.
  std::size_t query = url.find('?', start);
  std::string_view head = url.substr(0, query);
  std::size_t at = head.rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  std::size_t colon = head.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  std::string out(url.substr(0, colon + 1));
  out += kMask;
  out += url.substr(at);
  return out;
}

TargetUrl parse_target_url(std::string_view url) { return UrlParser(url).parse(); }

std::string to_string(const TargetUrl& url, bool with_password) {
  std::string out = url.scheme + "://";
  if (!url.user.empty() || !url.password.empty()) {
    out += percent_encode(url.user);
    if (!url.password.empty()) {
      out += ':';
      out += with_password ? percent_encode(url.password) : std::string(kMask);
    }
    out += '@';
  }
  if (url.host.find(':') != std::string::npos) {
    out += '[' + url.host + ']';
  } else {
    out += url.host;
  }
  out += ':' + std::to_string(url.port);
  if (!url.dbname.empty()) out += '/' + percent_encode(url.dbname);
  char joiner = '?';
  for (const auto& [key, value] : url.params) {
    out += joiner;
    out += percent_encode(key) + '=' + percent_encode(value);
    joiner = '&';
  }
  return out;
}

}  // namespace sluice::common
