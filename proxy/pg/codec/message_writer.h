// Encodes PostgreSQL messages by appending to a caller-owned buffer (reused, never reallocated
// per message once warm). Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::proxy::pg {

class MessageWriter {
 public:
  explicit MessageWriter(std::string& out) : out_(out) {}

  // Typed message: begin(type) ... end(). Untyped (startup) packets: begin_untyped() ... end().
  MessageWriter& begin(char type);
  MessageWriter& begin_untyped();
  MessageWriter& int8(uint8_t v);
  MessageWriter& int16(int16_t v);
  MessageWriter& int32(int32_t v);
  MessageWriter& cstr(std::string_view s);  // s + '\0'
  MessageWriter& bytes(std::string_view s);
  void end();

 private:
  std::string& out_;
  std::size_t start_ = 0;
};

struct ErrorFields {
  std::string severity = "ERROR";
  std::string sqlstate;
  std::string message;
  std::string detail;
  std::string hint;
};

// Backend messages the proxy writes itself.
void write_error_response(std::string& out, const ErrorFields& e);
void write_notice_response(std::string& out, const ErrorFields& e);
void write_auth_ok(std::string& out);
void write_auth_cleartext(std::string& out);
void write_auth_md5(std::string& out, const uint8_t salt[4]);
void write_auth_sasl(std::string& out, std::string_view mechanism);
void write_auth_sasl_continue(std::string& out, std::string_view data);
void write_auth_sasl_final(std::string& out, std::string_view data);
void write_parameter_status(std::string& out, std::string_view name, std::string_view value);
void write_backend_key_data(std::string& out, int32_t pid, int32_t secret);
void write_ready_for_query(std::string& out, char status);
void write_parse_complete(std::string& out);
void write_close_complete(std::string& out);
void write_command_complete(std::string& out, std::string_view tag);
void write_row_description(std::string& out, const std::vector<std::string>& columns);  // text columns
void write_data_row(std::string& out, const std::vector<std::string>& values);
void write_empty_query(std::string& out);

// Frontend messages the proxy writes toward servers.
void write_startup_message(std::string& out, const std::vector<std::pair<std::string, std::string>>& params);
void write_ssl_request(std::string& out);
void write_cancel_request(std::string& out, int32_t pid, int32_t secret);
void write_password_message(std::string& out, std::string_view password);
void write_sasl_initial_response(std::string& out, std::string_view mechanism, std::string_view data);
void write_sasl_response(std::string& out, std::string_view data);
void write_query(std::string& out, std::string_view sql);
void write_parse(std::string& out, std::string_view name, std::string_view query, std::string_view param_types_raw,
                 int16_t param_count);
void write_sync(std::string& out);
void write_terminate(std::string& out);

}  // namespace sluice::proxy::pg
