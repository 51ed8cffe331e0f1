// Decoders for the server messages the proxy must look inside: authentication requests,
// ParameterStatus, BackendKeyData, ReadyForQuery, CommandComplete and ErrorResponse.
// Data rows are never decoded. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/pg/codec/message_writer.h"

namespace sluice::proxy::pg {

struct AuthRequest {
  int32_t code = 0;
  std::string_view data;  // salt (md5), mechanism list (SASL) or SASL payload
};

struct ParameterStatusMessage {
  std::string_view name;
  std::string_view value;
};

struct BackendKeyDataMessage {
  int32_t pid = 0;
  int32_t secret = 0;
};

std::optional<AuthRequest> decode_auth_request(std::string_view body);
std::optional<ParameterStatusMessage> decode_parameter_status(std::string_view body);
std::optional<BackendKeyDataMessage> decode_backend_key_data(std::string_view body);
std::optional<char> decode_ready_for_query(std::string_view body);
std::optional<std::string_view> decode_command_complete(std::string_view body);
// Rows affected or returned from a CommandComplete tag ("SELECT 5", "INSERT 0 3", "COPY 10").
int64_t rows_from_command_tag(std::string_view tag);
// Severity, SQLSTATE and message of an ErrorResponse or NoticeResponse.
ErrorFields decode_error_fields(std::string_view body);

}  // namespace sluice::proxy::pg
