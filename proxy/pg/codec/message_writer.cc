#include "proxy/pg/codec/message_writer.h"

#include "proxy/pg/codec/protocol.h"

namespace sluice::proxy::pg {

MessageWriter& MessageWriter::begin(char type) {
  out_.push_back(type);
  start_ = out_.size();
  out_.append(4, '\0');
  return *this;
}

MessageWriter& MessageWriter::begin_untyped() {
  start_ = out_.size();
  out_.append(4, '\0');
  return *this;
}

MessageWriter& MessageWriter::int8(uint8_t v) {
  out_.push_back(char(v));
  return *this;
}

MessageWriter& MessageWriter::int16(int16_t v) {
  uint16_t u = uint16_t(v);
  out_.push_back(char(u >> 8));
  out_.push_back(char(u & 0xff));
  return *this;
}

MessageWriter& MessageWriter::int32(int32_t v) {
  uint32_t u = uint32_t(v);
  char b[4] = {char(u >> 24), char((u >> 16) & 0xff), char((u >> 8) & 0xff), char(u & 0xff)};
  out_.append(b, 4);
  return *this;
}

MessageWriter& MessageWriter::cstr(std::string_view s) {
  out_.append(s.data(), s.size());
  out_.push_back('\0');
  return *this;
}

MessageWriter& MessageWriter::bytes(std::string_view s) {
  out_.append(s.data(), s.size());
  return *this;
}

void MessageWriter::end() {
  uint32_t len = uint32_t(out_.size() - start_);
  out_[start_] = char(len >> 24);
  out_[start_ + 1] = char((len >> 16) & 0xff);
  out_[start_ + 2] = char((len >> 8) & 0xff);
  out_[start_ + 3] = char(len & 0xff);
}

namespace {
void write_fields(std::string& out, char type, const ErrorFields& e) {
  MessageWriter w(out);
  w.begin(type);
  w.int8('S').cstr(e.severity);
  w.int8('V').cstr(e.severity);
  w.int8('C').cstr(e.sqlstate);
  w.int8('M').cstr(e.message);
  if (!e.detail.empty()) w.int8('D').cstr(e.detail);
  if (!e.hint.empty()) w.int8('H').cstr(e.hint);
  w.int8(0);
  w.end();
}

void write_auth(std::string& out, AuthCode code, std::string_view extra = {}) {
  MessageWriter w(out);
  w.begin(be::kAuthentication).int32(int32_t(code)).bytes(extra).end();
}
}  // namespace

void write_error_response(std::string& out, const ErrorFields& e) { write_fields(out, be::kErrorResponse, e); }
void write_notice_response(std::string& out, const ErrorFields& e) { write_fields(out, be::kNoticeResponse, e); }
void write_auth_ok(std::string& out) { write_auth(out, AuthCode::Ok); }
void write_auth_cleartext(std::string& out) { write_auth(out, AuthCode::CleartextPassword); }
void write_auth_md5(std::string& out, const uint8_t salt[4]) {
  write_auth(out, AuthCode::Md5Password, std::string_view(reinterpret_cast<const char*>(salt), 4));
}
void write_auth_sasl(std::string& out, std::string_view mechanism) {
  MessageWriter w(out);
  w.begin(be::kAuthentication).int32(int32_t(AuthCode::Sasl)).cstr(mechanism).int8(0).end();
}
void write_auth_sasl_continue(std::string& out, std::string_view data) { write_auth(out, AuthCode::SaslContinue, data); }
void write_auth_sasl_final(std::string& out, std::string_view data) { write_auth(out, AuthCode::SaslFinal, data); }

void write_parameter_status(std::string& out, std::string_view name, std::string_view value) {
  MessageWriter(out).begin(be::kParameterStatus).cstr(name).cstr(value).end();
}
void write_backend_key_data(std::string& out, int32_t pid, int32_t secret) {
  MessageWriter(out).begin(be::kBackendKeyData).int32(pid).int32(secret).end();
}
void write_ready_for_query(std::string& out, char status) {
  MessageWriter(out).begin(be::kReadyForQuery).int8(uint8_t(status)).end();
}
void write_parse_complete(std::string& out) { MessageWriter(out).begin(be::kParseComplete).end(); }
void write_close_complete(std::string& out) { MessageWriter(out).begin(be::kCloseComplete).end(); }
void write_command_complete(std::string& out, std::string_view tag) {
  MessageWriter(out).begin(be::kCommandComplete).cstr(tag).end();
}
void write_row_description(std::string& out, const std::vector<std::string>& columns) {
  MessageWriter w(out);
  w.begin(be::kRowDescription).int16(int16_t(columns.size()));
  for (const auto& c : columns) {
    w.cstr(c).int32(0).int16(0).int32(25 /* text */).int16(-1).int32(-1).int16(0);
  }
  w.end();
}
void write_data_row(std::string& out, const std::vector<std::string>& values) {
  MessageWriter w(out);
  w.begin(be::kDataRow).int16(int16_t(values.size()));
  for (const auto& v : values) w.int32(int32_t(v.size())).bytes(v);
  w.end();
}
void write_empty_query(std::string& out) { MessageWriter(out).begin(be::kEmptyQuery).end(); }

void write_startup_message(std::string& out, const std::vector<std::pair<std::string, std::string>>& params) {
  MessageWriter w(out);
  w.begin_untyped().int32(kProtocolV3);
  for (const auto& [k, v] : params) w.cstr(k).cstr(v);
  w.int8(0).end();
}
void write_ssl_request(std::string& out) { MessageWriter(out).begin_untyped().int32(kSslRequestCode).end(); }
void write_cancel_request(std::string& out, int32_t pid, int32_t secret) {
  MessageWriter(out).begin_untyped().int32(kCancelRequestCode).int32(pid).int32(secret).end();
}
void write_password_message(std::string& out, std::string_view password) {
  MessageWriter(out).begin(fe::kPassword).cstr(password).end();
}
void write_sasl_initial_response(std::string& out, std::string_view mechanism, std::string_view data) {
  MessageWriter(out).begin(fe::kPassword).cstr(mechanism).int32(int32_t(data.size())).bytes(data).end();
}
void write_sasl_response(std::string& out, std::string_view data) {
  MessageWriter(out).begin(fe::kPassword).bytes(data).end();
}
void write_query(std::string& out, std::string_view sql) { MessageWriter(out).begin(fe::kQuery).cstr(sql).end(); }
void write_parse(std::string& out, std::string_view name, std::string_view query, std::string_view param_types_raw,
                 int16_t param_count) {
  MessageWriter(out).begin(fe::kParse).cstr(name).cstr(query).int16(param_count).bytes(param_types_raw).end();
}
void write_sync(std::string& out) { MessageWriter(out).begin(fe::kSync).end(); }
void write_terminate(std::string& out) { MessageWriter(out).begin(fe::kTerminate).end(); }

}  // namespace sluice::proxy::pg
