// Decoders for the client messages the proxy must look inside: Parse, Bind, Describe, Close,
// Query and the password family. Everything else is forwarded as opaque bytes. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::proxy::pg {

struct ParseMessage {
  std::string_view statement;
  std::string_view query;
  int16_t param_count = 0;
  std::string_view param_types_raw;  // param_count × int32, as on the wire
};

struct BindMessage {
  std::string_view portal;
  std::string_view statement;
  std::string_view rest;  // formats, parameters, result formats: forwarded untouched
};

// Describe and Close share a shape: 'S' statement or 'P' portal, then a name.
struct TargetMessage {
  char kind = 'S';
  std::string_view name;
};

struct SaslInitialResponse {
  std::string_view mechanism;
  std::string_view data;
};

std::optional<ParseMessage> decode_parse(std::string_view body);
std::optional<BindMessage> decode_bind(std::string_view body);
std::optional<TargetMessage> decode_describe_or_close(std::string_view body);
// The parameter values of a Bind message (BindMessage::rest), for query samples: text-format
// values as sent, binary-format values as "\\x" followed by lowercase hex, nullopt for NULL.
// Returns false (out unspecified) when rest is malformed.
bool decode_bind_parameters(std::string_view rest, std::vector<std::optional<std::string>>& out);
std::optional<std::string_view> decode_query(std::string_view body);
std::optional<std::string_view> decode_password(std::string_view body);
std::optional<SaslInitialResponse> decode_sasl_initial_response(std::string_view body);

}  // namespace sluice::proxy::pg
