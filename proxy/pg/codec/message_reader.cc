#include "proxy/pg/codec/message_reader.h"

#include "proxy/pg/codec/message_framer.h"

namespace sluice::proxy::pg {

uint8_t MessageReader::int8() {
  if (!ok_ || pos_ + 1 > data_.size()) {
    ok_ = false;
    return 0;
  }
  return uint8_t(data_[pos_++]);
}

int16_t MessageReader::int16() {
  if (!ok_ || pos_ + 2 > data_.size()) {
    ok_ = false;
    return 0;
  }
  int16_t v = int16_t(read_be16(data_.data() + pos_));
  pos_ += 2;
  return v;
}

int32_t MessageReader::int32() {
  if (!ok_ || pos_ + 4 > data_.size()) {
    ok_ = false;
    return 0;
  }
  int32_t v = int32_t(read_be32(data_.data() + pos_));
  pos_ += 4;
  return v;
}

std::string_view MessageReader::cstr() {
  if (!ok_) return {};
  auto end = data_.find('\0', pos_);
  if (end == std::string_view::npos) {
    ok_ = false;
    return {};
  }
  auto s = data_.substr(pos_, end - pos_);
  pos_ = end + 1;
  return s;
}

std::string_view MessageReader::bytes(std::size_t n) {
  if (!ok_ || n > data_.size() - pos_) {
    ok_ = false;
    return {};
  }
  auto s = data_.substr(pos_, n);
  pos_ += n;
  return s;
}

}  // namespace sluice::proxy::pg
