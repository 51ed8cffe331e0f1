// Reading a proxy's workload export, for the commands that take one (`sluice lint --workload`,
// `sluice advise --proxy/--workload`): the body of GET /api/v1/workload from a proxy's admin HTTP
// listener, or a file holding the same JSON. Parsing is the caller's: each reduces the JSON to
// what it needs.
#pragma once

#include <string>
#include <string_view>

namespace sluice::workload {

// Whether `location` is an http:// or https:// URL (else a file path).
bool is_http_location(std::string_view location);

// The body of GET <origin of url><path_and_query>: url's scheme, host and port, any path it has
// replaced by path_and_query. Sends "Authorization: Bearer <token>" when token is not empty.
// Throws std::runtime_error naming the URL when the proxy cannot be reached or answers anything
// but 200 (a 401 says the admin token is wrong or missing).
std::string http_get_export(const std::string& url, const std::string& path_and_query, const std::string& token,
                            int read_timeout_seconds);

// The path and query of `url` ("/api/v1/workload?since=0"), or "" when it has none or only "/".
std::string path_of_url(const std::string& url);

// A file's whole contents. Throws std::runtime_error("cannot read <path>").
std::string read_export_file(const std::string& path);

}  // namespace sluice::workload
