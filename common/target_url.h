// Target URLs: where the proxy sends its server connections.
//
//   postgres://user:password@host:port/dbname?key=value&...
//   postgresql://...   (stored with scheme "postgres")
//   mysql://user:password@host:port/dbname
//
// User, password, database name and query parameters are percent-decoded. An IPv6 host is
// written in brackets ("[::1]") and stored without them. The port defaults to 5432
// (postgres) or 3306 (mysql); the database name defaults to the user name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/config.h"

namespace sluice::common {

// Throws ConfigError("invalid target URL '<url with password masked>': <reason>") on bad input.
TargetUrl parse_target_url(std::string_view url);

// The URL back as text, percent-encoding where needed, always with the port. Without
// with_password a non-empty password is shown as "****" (for logs and the admin console).
std::string to_string(const TargetUrl& url, bool with_password = false);

// The default port of a scheme ("postgres" or "mysql"); 0 for anything else.
uint16_t default_port_for_scheme(std::string_view scheme);

// The URL text with the password part (between "user:" and "@") replaced by "****". Works on
// malformed text too, so it is safe to use in error messages.
std::string mask_url_password(std::string_view url);

}  // namespace sluice::common
