// Bounds-checked reader over a message body; every read past the end sets ok() to false
// instead of touching memory it does not own. Pure.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::proxy::pg {

class MessageReader {
 public:
  explicit MessageReader(std::string_view body) : data_(body) {}

  bool ok() const { return ok_; }
  bool at_end() const { return pos_ >= data_.size(); }
  std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  std::string_view rest() const { return ok_ ? data_.substr(pos_) : std::string_view{}; }

  uint8_t int8();
  int16_t int16();
  int32_t int32();
  std::string_view cstr();  // up to the next '\0', which is skipped
  std::string_view bytes(std::size_t n);

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace sluice::proxy::pg
