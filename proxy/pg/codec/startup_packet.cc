#include "proxy/pg/codec/startup_packet.h"

#include "proxy/pg/codec/message_framer.h"
#include "proxy/pg/codec/protocol.h"

namespace sluice::proxy::pg {

const std::string* StartupPacket::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return &v;
  return nullptr;
}

StartupPacket decode_startup_packet(std::string_view data, std::size_t max_size) {
  StartupPacket p;
  if (data.size() < 4) return p;
  uint32_t len = read_be32(data.data());
  if (len < 8 || len > max_size) {
    p.kind = StartupPacket::Kind::Invalid;
    p.error = len < 8 ? "startup packet too short (" + std::to_string(len) + " bytes)"
                      : "startup packet too long (" + std::to_string(len) + " bytes, limit " +
                            std::to_string(max_size) + ")";
    return p;
  }
  if (data.size() < len) return p;
  p.consumed = len;
  int32_t code = int32_t(read_be32(data.data() + 4));
  p.protocol = code;
  if (code == kSslRequestCode || code == kGssEncRequestCode) {
    if (len != 8) {
      p.kind = StartupPacket::Kind::Invalid;
      p.error = "malformed SSL/GSS request";
      return p;
    }
    p.kind = code == kSslRequestCode ? StartupPacket::Kind::SslRequest : StartupPacket::Kind::GssEncRequest;
    return p;
  }
  if (code == kCancelRequestCode) {
    if (len != 16) {
      p.kind = StartupPacket::Kind::Invalid;
      p.error = "malformed cancel request";
      return p;
    }
    p.kind = StartupPacket::Kind::CancelRequest;
    p.cancel_pid = int32_t(read_be32(data.data() + 8));
    p.cancel_secret = int32_t(read_be32(data.data() + 12));
    return p;
  }
  if ((code >> 16) != 3) {
    p.kind = StartupPacket::Kind::Invalid;
    p.error = "unsupported frontend protocol " + std::to_string(code >> 16) + "." +
              std::to_string(code & 0xffff) + ": server supports 3.0";
    return p;
  }
  // key\0value\0 ... \0
  std::string_view rest = data.substr(8, len - 8);
  while (true) {
    auto kend = rest.find('\0');
    if (kend == std::string_view::npos) {
      p.kind = StartupPacket::Kind::Invalid;
      p.error = "startup packet parameters not terminated";
      return p;
    }
    if (kend == 0) break;  // final terminator
    std::string key(rest.substr(0, kend));
    rest.remove_prefix(kend + 1);
    auto vend = rest.find('\0');
    if (vend == std::string_view::npos) {
      p.kind = StartupPacket::Kind::Invalid;
      p.error = "startup parameter \"" + key + "\" has no value";
      return p;
    }
    p.params.emplace_back(std::move(key), std::string(rest.substr(0, vend)));
    rest.remove_prefix(vend + 1);
  }
  p.kind = StartupPacket::Kind::Startup;
  return p;
}

}  // namespace sluice::proxy::pg
