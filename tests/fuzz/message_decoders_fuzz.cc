// libFuzzer target: framing and every frontend/backend decoder on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/pg/codec/backend_messages.h"
#include "proxy/pg/codec/frontend_messages.h"
#include "proxy/pg/codec/message_framer.h"

using namespace sluice::proxy::pg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t pos = 0;
  while (pos < in.size()) {
    FrameResult fr = next_frame(in.substr(pos), 1 << 20);
    if (fr.status != FrameStatus::Complete) break;
    if (fr.frame.total == 0 || fr.frame.total > in.size() - pos) __builtin_trap();
    std::string_view body = fr.frame.body;
    (void)decode_parse(body);
    (void)decode_bind(body);
    (void)decode_describe_or_close(body);
    (void)decode_query(body);
    (void)decode_password(body);
    (void)decode_sasl_initial_response(body);
    (void)decode_auth_request(body);
    (void)decode_parameter_status(body);
    (void)decode_backend_key_data(body);
    (void)decode_ready_for_query(body);
    if (auto tag = decode_command_complete(body)) (void)rows_from_command_tag(*tag);
    (void)decode_error_fields(body);
    pos += fr.frame.total;
  }
  return 0;
}
