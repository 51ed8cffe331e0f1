#include "proxy/pg/codec/backend_messages.h"

#include "proxy/pg/codec/message_reader.h"

namespace sluice::proxy::pg {

std::optional<AuthRequest> decode_auth_request(std::string_view body) {
  MessageReader r(body);
  AuthRequest a;
  a.code = r.int32();
  if (!r.ok()) return std::nullopt;
  a.data = r.rest();
  return a;
}

std::optional<ParameterStatusMessage> decode_parameter_status(std::string_view body) {
  MessageReader r(body);
  ParameterStatusMessage m;
  m.name = r.cstr();
  m.value = r.cstr();
  if (!r.ok()) return std::nullopt;
  return m;
}

std::optional<BackendKeyDataMessage> decode_backend_key_data(std::string_view body) {
  MessageReader r(body);
  BackendKeyDataMessage m;
  m.pid = r.int32();
  m.secret = r.int32();
  if (!r.ok()) return std::nullopt;
  return m;
}

std::optional<char> decode_ready_for_query(std::string_view body) {
  if (body.size() != 1) return std::nullopt;
  return body[0];
}

std::optional<std::string_view> decode_command_complete(std::string_view body) {
  MessageReader r(body);
  auto tag = r.cstr();
  if (!r.ok()) return std::nullopt;
  return tag;
}

int64_t rows_from_command_tag(std::string_view tag) {
  // The row count is the last space-separated word when it is a number.
  auto sp = tag.rfind(' ');
  if (sp == std::string_view::npos) return 0;
  int64_t n = 0;
  bool any = false;
  for (char c : tag.substr(sp + 1)) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
    any = true;
  }
  return any ? n : 0;
}

ErrorFields decode_error_fields(std::string_view body) {
  ErrorFields e;
  e.severity.clear();
  MessageReader r(body);
  while (r.ok() && !r.at_end()) {
    char code = char(r.int8());
    if (code == 0) break;
    auto value = r.cstr();
    if (!r.ok()) break;
    switch (code) {
      case 'V': e.severity = std::string(value); break;
      case 'S': if (e.severity.empty()) e.severity = std::string(value); break;
      case 'C': e.sqlstate = std::string(value); break;
      case 'M': e.message = std::string(value); break;
      case 'D': e.detail = std::string(value); break;
      case 'H': e.hint = std::string(value); break;
      default: break;
    }
  }
  return e;
}

}  // namespace sluice::proxy::pg
