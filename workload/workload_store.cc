#include "workload/workload_store.h"

#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>
#include <system_error>

#include <nlohmann/json.hpp>

#include "workload/workload_json.h"

namespace sluice::workload {
namespace {

constexpr std::string_view kDataPrefix = "v1/";
constexpr std::string_view kMinutePrefix = "v1/m/";
constexpr std::string_view kHourPrefix = "v1/h/";
constexpr uint64_t kSignBit = uint64_t(1) << 63;

std::string time_key(std::string_view prefix, int64_t start_ms) {
  std::string key(prefix);
  const uint64_t u = uint64_t(start_ms) ^ kSignBit;  // unsigned order = signed order
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(char(uint8_t(u >> shift)));
  return key;
}

std::optional<int64_t> parse_time_key(std::string_view key, std::string_view prefix) {
  if (key.size() != prefix.size() + 8 || !key.starts_with(prefix)) return std::nullopt;
  uint64_t u = 0;
  for (char c : key.substr(prefix.size())) u = (u << 8) | uint8_t(c);
  return int64_t(u ^ kSignBit);
}

// The key for log messages: a time as decimal ms, other bytes as they are.
std::string printable_key(std::string_view key) {
  for (std::string_view prefix : {kMinutePrefix, kHourPrefix}) {
    if (auto start = parse_time_key(key, prefix)) return std::string(prefix) + std::to_string(*start);
  }
  return std::string(key);
}

std::string encode(const WorkloadTable& table) {
  const std::vector<uint8_t> bytes = nlohmann::json::to_cbor(table_to_json(table));
  return std::string(bytes.begin(), bytes.end());
}

WorkloadTable decode(const rocksdb::Slice& value, std::size_t max_entries, const RecordPolicy& policy) {
  return table_from_json(nlohmann::json::from_cbor(value.data(), value.data() + value.size()), max_entries, policy);
}

rocksdb::CompressionType best_compression() {
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  for (rocksdb::CompressionType c : {rocksdb::kZSTD, rocksdb::kLZ4Compression, rocksdb::kSnappyCompression}) {
    if (std::find(supported.begin(), supported.end(), c) != supported.end()) return c;
  }
  return rocksdb::kNoCompression;
}

}  // namespace

struct WorkloadStore::Impl {
  std::string dir;
  std::unique_ptr<rocksdb::DB> db;

  ~Impl() {
    if (db == nullptr) return;
    const rocksdb::Status s = db->Close();
    if (!s.ok()) spdlog::warn("workload store {}: close: {}", dir, s.ToString());
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw WorkloadStoreError("workload store " + dir + ": " + what);
  }
  void check(const rocksdb::Status& s, const char* what) const {
    if (!s.ok()) fail(std::string(what) + ": " + s.ToString());
  }

  // Writes the format version into a new store; refuses a store of another format.
  void check_version() {
    std::string value;
    const rocksdb::Status s = db->Get(rocksdb::ReadOptions(), kVersionKey, &value);
    if (s.IsNotFound()) {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
      it->SeekToFirst();
      check(it->status(), "cannot read");
      if (it->Valid()) fail("not a workload store (no " + std::string(kVersionKey) + " key)");
      check(db->Put(rocksdb::WriteOptions(), kVersionKey, std::to_string(kFormatVersion)), "cannot write");
      return;
    }
    check(s, "cannot read");
    int version = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), version);
    if (ec != std::errc() || end != value.data() + value.size()) fail("unreadable format version '" + value + "'");
    if (version > kFormatVersion) {
      fail("written by a newer Sluice (storage format " + value + "; this build reads format " +
           std::to_string(kFormatVersion) + ")");
    }
    if (version != kFormatVersion) fail("unsupported storage format " + value);
  }
};

std::string WorkloadStore::minute_key(int64_t start_ms) { return time_key(kMinutePrefix, start_ms); }
std::string WorkloadStore::hour_key(int64_t start_ms) { return time_key(kHourPrefix, start_ms); }

WorkloadStore::WorkloadStore(const std::string& dir) : impl_(std::make_unique<Impl>()) {
  impl_->dir = dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) impl_->fail("cannot create the directory: " + ec.message());

  rocksdb::Options options;
  options.create_if_missing = true;
  options.compression = best_compression();
  options.write_buffer_size = 8 << 20;  // tables arrive once a minute: small memtables suffice
  options.keep_log_file_num = 2;        // RocksDB's own LOG files
  options.info_log_level = rocksdb::WARN_LEVEL;
  rocksdb::DB* db = nullptr;
  const rocksdb::Status s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) {
    std::string reason = "cannot open: " + s.ToString();
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      reason += " (the directory is in use by another Sluice process or another store object)";
    }
    impl_->fail(reason);
  }
  impl_->db.reset(db);
  impl_->check_version();
}

WorkloadStore::~WorkloadStore() = default;

const std::string& WorkloadStore::dir() const { return impl_->dir; }

void WorkloadStore::write(const Batch& batch) {
  rocksdb::WriteBatch wb;
  auto put = [&](const std::string& key, const WorkloadTable* table) {
    if (table == nullptr) impl_->fail("write: null table for key " + printable_key(key));
    impl_->check(wb.Put(key, encode(*table)), "cannot write");
  };
  for (const auto& [start, table] : batch.minutes) put(minute_key(start), table);
  for (const auto& [start, table] : batch.hours) put(hour_key(start), table);
  if (batch.totals != nullptr) put(std::string(kTotalsKey), batch.totals);
  for (int64_t start : batch.delete_minutes) impl_->check(wb.Delete(minute_key(start)), "cannot write");
  for (int64_t start : batch.delete_hours) impl_->check(wb.Delete(hour_key(start)), "cannot write");
  if (wb.Count() == 0) return;

  rocksdb::WriteOptions options;
  options.sync = false;
  options.disableWAL = false;
  impl_->check(impl_->db->Write(options, &wb), "cannot write");
}

WorkloadStore::Loaded WorkloadStore::load(const MinuteSeries::Options& options, std::size_t totals_max_entries,
                                          const RecordPolicy& policy) const {
  Loaded out{MinuteSeries(options), WorkloadTable(totals_max_entries, policy)};
  rocksdb::ReadOptions read;
  read.fill_cache = false;  // read once at start-up
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read));
  for (it->Seek(kDataPrefix); it->Valid() && it->key().starts_with(kDataPrefix); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    std::string error;
    try {
      if (auto start = parse_time_key(key, kMinutePrefix)) {
        out.series.add(*start, decode(it->value(), options.max_entries_per_minute, options.policy));
        ++out.minutes;
      } else if (auto start = parse_time_key(key, kHourPrefix)) {
        out.series.add_hour(*start, decode(it->value(), options.max_entries_per_hour, options.policy));
        ++out.hours;
      } else if (key == kTotalsKey) {
        out.totals = decode(it->value(), totals_max_entries, policy);
      } else {
        error = "unknown key";
      }
    } catch (const WorkloadJsonError& e) {
      error = e.what();
    } catch (const nlohmann::json::exception& e) {
      error = e.what();
    }
    if (!error.empty()) {
      spdlog::warn("workload store {}: skipping key {}: {}", impl_->dir, printable_key(key), error);
      ++out.skipped;
    }
  }
  impl_->check(it->status(), "cannot read");
  return out;
}

uint64_t WorkloadStore::disk_bytes() const {
  uint64_t bytes = 0;
  impl_->db->GetIntProperty(rocksdb::DB::Properties::kLiveSstFilesSize, &bytes);
  rocksdb::VectorLogPtr wal_files;
  if (impl_->db->GetSortedWalFiles(wal_files).ok()) {
    for (const auto& f : wal_files) bytes += f->SizeFileBytes();
  }
  return bytes;
}

}  // namespace sluice::workload
