// The names the config file uses, both ways (pool modes, TLS modes, auth types, ...), the
// users-list secret check, and listen addresses.
#include "common/config_loader.h"

#include <algorithm>
#include <cctype>

#include "common/config_checks.h"

namespace sluice::common {

using namespace config_checks;

namespace {

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// Decoded length of standard base64 text, or -1 when it is not valid base64.
long base64_decoded_length(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return -1;
  std::size_t pad = 0;
  while (pad < 2 && s.size() > pad && s[s.size() - 1 - pad] == '=') ++pad;
  for (std::size_t i = 0; i < s.size() - pad; ++i) {
    char c = s[i];
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '/') return -1;
  }
  return static_cast<long>(s.size() / 4 * 3 - pad);
}

}  // namespace

std::optional<PoolMode> parse_pool_mode(std::string_view text) {
  if (text == "session") return PoolMode::Session;
  if (text == "transaction") return PoolMode::Transaction;
  return std::nullopt;
}

std::optional<TlsMode> parse_tls_mode(std::string_view text) {
  if (text == "disable") return TlsMode::Disable;
  if (text == "prefer") return TlsMode::Prefer;
  if (text == "require") return TlsMode::Require;
  return std::nullopt;
}

std::optional<SampleMode> parse_sample_mode(std::string_view text) {
  if (text == "on") return SampleMode::On;
  if (text == "redacted") return SampleMode::Redacted;
  if (text == "off") return SampleMode::Off;
  return std::nullopt;
}

std::string_view to_string(SampleMode mode) {
  switch (mode) {
    case SampleMode::On:
      return "on";
    case SampleMode::Redacted:
      return "redacted";
    case SampleMode::Off:
      return "off";
  }
  return "on";
}

std::optional<IoBackend> parse_io_backend(std::string_view text) {
  if (text == "auto") return IoBackend::Auto;
  if (text == "io_uring") return IoBackend::IoUring;
  if (text == "libuv") return IoBackend::Libuv;
  return std::nullopt;
}

std::string_view to_string(IoBackend io) {
  switch (io) {
    case IoBackend::Auto:
      return "auto";
    case IoBackend::IoUring:
      return "io_uring";
    case IoBackend::Libuv:
      return "libuv";
  }
  return "auto";
}

std::optional<AuthType> parse_auth_type(std::string_view text) {
  if (text == "trust") return AuthType::Trust;
  if (text == "md5") return AuthType::Md5;
  if (text == "scram-sha-256") return AuthType::ScramSha256;
  return std::nullopt;
}

bool is_valid_log_level(std::string_view text) {
  return std::find(std::begin(kLogLevels), std::end(kLogLevels), text) != std::end(kLogLevels);
}

std::string_view to_string(PoolMode mode) {
  return mode == PoolMode::Session ? "session" : "transaction";
}

std::string_view to_string(TlsMode mode) {
  switch (mode) {
    case TlsMode::Disable: return "disable";
    case TlsMode::Prefer: return "prefer";
    case TlsMode::Require: return "require";
  }
  return "?";
}

std::string_view to_string(AuthType type) {
  switch (type) {
    case AuthType::Trust: return "trust";
    case AuthType::Md5: return "md5";
    case AuthType::ScramSha256: return "scram-sha-256";
  }
  return "?";
}

std::string check_password_secret(std::string_view secret) {
  constexpr std::string_view kScram = "SCRAM-SHA-256$";
  if (secret.substr(0, kScram.size()) == kScram) {
    const std::string expected = " (expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)";
    std::string_view rest = secret.substr(kScram.size());
    std::size_t dollar = rest.find('$');
    if (dollar == std::string_view::npos) return "malformed SCRAM-SHA-256 secret" + expected;
    std::string_view iter_salt = rest.substr(0, dollar);
    std::string_view keys = rest.substr(dollar + 1);
    std::size_t colon = iter_salt.find(':');
    std::size_t colon2 = keys.find(':');
    if (colon == std::string_view::npos || colon2 == std::string_view::npos) {
      return "malformed SCRAM-SHA-256 secret" + expected;
    }
    std::string_view iterations = iter_salt.substr(0, colon);
    if (iterations.empty() || iterations.size() > 9 || !std::all_of(iterations.begin(), iterations.end(), [](char c) {
          return c >= '0' && c <= '9';
        }) || std::stol(std::string(iterations)) == 0) {
      return "malformed SCRAM-SHA-256 secret: bad iteration count " + squote(iterations) + expected;
    }
    if (base64_decoded_length(iter_salt.substr(colon + 1)) <= 0) {
      return "malformed SCRAM-SHA-256 secret: the salt is not base64" + expected;
    }
    if (base64_decoded_length(keys.substr(0, colon2)) != 32 || base64_decoded_length(keys.substr(colon2 + 1)) != 32) {
      return "malformed SCRAM-SHA-256 secret: StoredKey and ServerKey must be base64 of 32 bytes" + expected;
    }
    return {};
  }
  if (secret.size() > 3 && secret.substr(0, 3) == "md5" && is_hex(secret.substr(3)) && secret.size() != 35) {
    return "looks like an md5 secret but has " + std::to_string(secret.size() - 3) +
           " hex digits (expected \"md5\" followed by 32)";
  }
  return {};
}

Endpoint parse_listen_address(std::string_view text) {
  Endpoint endpoint;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) throw ConfigError("missing ']' after the IPv6 address");
    endpoint.host = std::string(text.substr(1, close - 1));
    if (endpoint.host.empty()) throw ConfigError("empty IPv6 address '[]'");
    std::string_view after = text.substr(close + 1);
    if (after.empty() || after.front() != ':') throw ConfigError("expected ':<port>' after ']'");
    port_text = after.substr(1);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) throw ConfigError("expected host:port");
    endpoint.host = std::string(text.substr(0, colon));
    if (endpoint.host.find(':') != std::string::npos) {
      throw ConfigError("an IPv6 address must be written in brackets, e.g. [::1]:6432");
    }
    if (endpoint.host.empty()) throw ConfigError("missing host before ':' (use 0.0.0.0 or [::] for all interfaces)");
    port_text = text.substr(colon + 1);
  }
  for (char c : endpoint.host) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0 || std::iscntrl(static_cast<unsigned char>(c)) != 0) {
      throw ConfigError("invalid character in host " + squote(endpoint.host));
    }
  }
  long port = 0;
  bool ok = !port_text.empty() && port_text.size() <= 5;
  for (char c : port_text) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    port = port * 10 + (c - '0');
  }
  if (!ok || port < 1 || port > 65535) {
    throw ConfigError("invalid port " + squote(port_text) + " (expected a number from 1 to 65535)");
  }
  endpoint.port = static_cast<uint16_t>(port);
  return endpoint;
}

std::string to_string(const Endpoint& endpoint) {
  std::string host = endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host;
  return host + ":" + std::to_string(endpoint.port);
}

}  // namespace sluice::common
