#include "workload/workload_fetch.h"

#include <httplib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sluice::workload {

namespace {

// Where the path starts in url (npos when it has none).
std::size_t path_start(const std::string& url) {
  const std::size_t scheme_end = url.find("://");
  return url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
}

}  // namespace

bool is_http_location(std::string_view location) {
  return location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0;
}

std::string path_of_url(const std::string& url) {
  const std::size_t start = path_start(url);
  if (start == std::string::npos) return "";
  std::string path = url.substr(start);
  return path == "/" ? "" : path;
}

std::string http_get_export(const std::string& url, const std::string& path_and_query, const std::string& token,
                            int read_timeout_seconds) {
  const std::string origin = url.substr(0, path_start(url));
  httplib::Client client(origin);
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(read_timeout_seconds, 0);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto res = client.Get(path_and_query, headers);
  if (!res) throw std::runtime_error("cannot reach " + origin + path_and_query + ": " + httplib::to_string(res.error()));
  if (res->status != 200) {
    throw std::runtime_error("GET " + origin + path_and_query + " answered HTTP " + std::to_string(res->status) +
                             (res->status == 401 ? " (wrong or missing admin token: set SLUICE_ADMIN_TOKEN)" : ""));
  }
  return std::move(res->body);
}

std::string read_export_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace sluice::workload
