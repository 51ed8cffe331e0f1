#include "common/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace sluice::common {
namespace {

// SLUICE_TRACE writes exactly when the level is trace, and set_log_level keeps the flag that
// guards it in step with spdlog's level.
TEST(Logging, TraceLinesFollowTheLevel) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("logging_test", sink));

  set_log_level("trace");
  EXPECT_TRUE(trace_enabled());
  EXPECT_EQ(spdlog::get_level(), spdlog::level::trace);
  SLUICE_TRACE("first {}", 1);

  set_log_level("debug");
  EXPECT_FALSE(trace_enabled());
  int evaluated = 0;
  SLUICE_TRACE("second {}", ++evaluated);
  EXPECT_EQ(evaluated, 0) << "arguments of a trace line are not evaluated when the level is above trace";

  set_log_level("bogus");  // falls back to info
  EXPECT_FALSE(trace_enabled());
  EXPECT_EQ(spdlog::get_level(), spdlog::level::info);

  spdlog::set_default_logger(previous);
  set_log_level("info");
  const std::string text = out.str();
  EXPECT_NE(text.find("first 1"), std::string::npos) << text;
  EXPECT_EQ(text.find("second"), std::string::npos) << text;
}

}  // namespace
}  // namespace sluice::common
