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

bool decode_bind_parameters(std::string_view rest, std::vector<std::optional<std::string>>& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  MessageReader r(rest);
  const int16_t nformats = r.int16();
  if (!r.ok() || nformats < 0) return false;
  std::string_view formats = r.bytes(std::size_t(nformats) * 2);
  const int16_t nparams = r.int16();
  if (!r.ok() || nparams < 0) return false;
  if (nformats > 1 && nformats != nparams) return false;
  out.resize(std::size_t(nparams));
  for (int16_t i = 0; i < nparams; ++i) {
    std::size_t fi = nformats == 1 ? 0 : std::size_t(i);
    bool binary = nformats > 0 && formats[fi * 2] == 0 && formats[fi * 2 + 1] == 1;
    const int32_t len = r.int32();
    if (!r.ok() || len < -1) return false;
    if (len == -1) {
      out[std::size_t(i)].reset();
      continue;
    }
    std::string_view value = r.bytes(std::size_t(len));
    if (!r.ok()) return false;
    std::string& to = out[std::size_t(i)].emplace();
    if (!binary) {
      to.assign(value);
      continue;
    }
    to.reserve(2 + value.size() * 2);
    to.assign("\\x");
    for (unsigned char c : value) {
      to.push_back(kHex[c >> 4]);
      to.push_back(kHex[c & 15]);
    }
  }
  return true;
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
