// PostgreSQL wire protocol v3 constants: message type bytes and special startup codes.
#pragma once

#include <cstdint>

namespace sluice::proxy::pg {

constexpr int32_t kProtocolV3 = 196608;          // 3.0
constexpr int32_t kSslRequestCode = 80877103;
constexpr int32_t kGssEncRequestCode = 80877104;
constexpr int32_t kCancelRequestCode = 80877102;

// Frontend (client -> server) message types.
namespace fe {
constexpr char kQuery = 'Q';
constexpr char kParse = 'P';
constexpr char kBind = 'B';
constexpr char kDescribe = 'D';
constexpr char kExecute = 'E';
constexpr char kClose = 'C';
constexpr char kSync = 'S';
constexpr char kFlush = 'H';
constexpr char kTerminate = 'X';
constexpr char kCopyData = 'd';
constexpr char kCopyDone = 'c';
constexpr char kCopyFail = 'f';
constexpr char kPassword = 'p';  // also SASLInitialResponse / SASLResponse
constexpr char kFunctionCall = 'F';
}  // namespace fe

// Backend (server -> client) message types.
namespace be {
constexpr char kAuthentication = 'R';
constexpr char kBackendKeyData = 'K';
constexpr char kParameterStatus = 'S';
constexpr char kReadyForQuery = 'Z';
constexpr char kRowDescription = 'T';
constexpr char kDataRow = 'D';
constexpr char kCommandComplete = 'C';
constexpr char kEmptyQuery = 'I';
constexpr char kErrorResponse = 'E';
constexpr char kNoticeResponse = 'N';
constexpr char kNotification = 'A';
constexpr char kParseComplete = '1';
constexpr char kBindComplete = '2';
constexpr char kCloseComplete = '3';
constexpr char kNoData = 'n';
constexpr char kParameterDescription = 't';
constexpr char kPortalSuspended = 's';
constexpr char kCopyInResponse = 'G';
constexpr char kCopyOutResponse = 'H';
constexpr char kCopyBothResponse = 'W';
constexpr char kCopyData = 'd';
constexpr char kCopyDone = 'c';
constexpr char kFunctionCallResponse = 'V';
constexpr char kNegotiateProtocolVersion = 'v';
}  // namespace be

// Authentication request codes (the int32 after 'R').
enum class AuthCode : int32_t {
  Ok = 0,
  CleartextPassword = 3,
  Md5Password = 5,
  Sasl = 10,
  SaslContinue = 11,
  SaslFinal = 12,
};

// Transaction status in ReadyForQuery.
constexpr char kTxIdle = 'I';
constexpr char kTxInBlock = 'T';
constexpr char kTxFailed = 'E';

}  // namespace sluice::proxy::pg
