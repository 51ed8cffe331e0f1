#include "proxy/pg/codec/frontend_messages.h"

#include "proxy/pg/codec/message_reader.h"

namespace sluice::proxy::pg {

std::optional<ParseMessage> decode_parse(std::string_view body) {
  MessageReader r(body);
  ParseMessage m;
  m.statement = r.cstr();
  m.query = r.cstr();
  m.param_count = r.int16();
  if (!r.ok() || m.param_count < 0) return std::nullopt;
  m.param_types_raw = r.bytes(std::size_t(m.param_count) * 4);
  if (!r.ok() || !r.at_end()) return std::nullopt;
  return m;
}

std::optional<BindMessage> decode_bind(std::string_view body) {
  MessageReader r(body);
  BindMessage m;
  m.portal = r.cstr();
  m.statement = r.cstr();
  if (!r.ok()) return std::nullopt;
  m.rest = r.rest();
  return m;
}

std::optional<TargetMessage> decode_describe_or_close(std::string_view body) {
  MessageReader r(body);
  TargetMessage m;
  m.kind = char(r.int8());
  m.name = r.cstr();
  if (!r.ok() || !r.at_end() || (m.kind != 'S' && m.kind != 'P')) return std::nullopt;
  return m;
}

std::optional<std::string_view> decode_query(std::string_view body) {
  MessageReader r(body);
  auto q = r.cstr();
  if (!r.ok()) return std::nullopt;
  return q;
}

std::optional<std::string_view> decode_password(std::string_view body) {
  MessageReader r(body);
  auto p = r.cstr();
  if (!r.ok()) return std::nullopt;
  return p;
}

std::optional<SaslInitialResponse> decode_sasl_initial_response(std::string_view body) {
  MessageReader r(body);
  SaslInitialResponse m;
  m.mechanism = r.cstr();
  int32_t len = r.int32();
  if (!r.ok()) return std::nullopt;
  if (len == -1) return m;
  if (len < 0) return std::nullopt;
  m.data = r.bytes(std::size_t(len));
  if (!r.ok()) return std::nullopt;
  return m;
}

}  // namespace sluice::proxy::pg
