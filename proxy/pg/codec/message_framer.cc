#include "proxy/pg/codec/message_framer.h"

namespace sluice::proxy::pg {

FrameResult next_frame(std::string_view data, std::size_t max_message_size) {
  FrameResult r{FrameStatus::Incomplete, {}, 5};
  if (data.size() < 5) return r;
  uint32_t len = read_be32(data.data() + 1);
  if (len < 4) {
    r.status = FrameStatus::Malformed;
    return r;
  }
  if (len > max_message_size) {
    r.status = FrameStatus::TooLarge;
    r.needed = std::size_t(len) + 1;
    return r;
  }
  std::size_t total = std::size_t(len) + 1;
  if (data.size() < total) {
    r.needed = total;
    return r;
  }
  r.status = FrameStatus::Complete;
  r.frame.type = data[0];
  r.frame.body = data.substr(5, len - 4);
  r.frame.total = total;
  r.needed = total;
  return r;
}

}  // namespace sluice::proxy::pg
