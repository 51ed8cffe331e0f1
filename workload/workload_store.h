// WorkloadStore: the workload on disk, in a RocksDB database of its own directory, so the
// history survives restarts and need not all stay in memory.
//
// Keys (one default column family; byte order = time order within each prefix):
//   "meta/version"      the storage format, decimal ASCII ("1"). Written when the store is
//                       created; a store of a newer format is refused on open.
//   "v1/m/" + 8 bytes   the table of the minute starting at that unix ms
//   "v1/h/" + 8 bytes   the table of the hour starting at that unix ms
//   "v1/totals"         the table of everything since the store was created
// The 8 bytes are the start time big-endian with its sign bit flipped, so that iteration visits
// buckets oldest first (negative times included). A later format would use "v2/..." keys.
//
// Values: the table as table_to_json() gives it (histograms, samples and the histogram mapping
// included), encoded as CBOR (RFC 8949; nlohmann::json::to_cbor): the same tree as the JSON of
// the HTTP API, but exact for any bytes in texts and parameters (text JSON must replace invalid
// UTF-8) and smaller. Blocks are compressed with the best codec this RocksDB build supports
// (zstd, else lz4, else snappy, else none).
//
// Durability: write() applies one atomic WriteBatch with the write-ahead log on and sync off.
// Once write() returns the data is in the OS page cache, so killing the process (even with
// kill -9) loses nothing; a power cut or kernel crash may lose the last writes, never leaving a
// batch half applied.
//
// Errors: open, read and write failures throw WorkloadStoreError naming the directory and
// RocksDB's reason. A stored value that does not decode is skipped on load (logged and counted)
// so one bad value cannot cost the rest of the history.
//
// Thread safety: every method may be called from several threads at once (RocksDB serializes
// what it must); the directory is locked against other processes while the store is open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "workload/minute_buckets.h"
#include "workload/workload_snapshot.h"

namespace sluice::workload {

class WorkloadStoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WorkloadStore {
 public:
  static constexpr int kFormatVersion = 1;
  static constexpr std::string_view kVersionKey = "meta/version";
  static constexpr std::string_view kTotalsKey = "v1/totals";
  // The keys of a minute's and an hour's table (see the layout above).
  static std::string minute_key(int64_t start_ms);
  static std::string hour_key(int64_t start_ms);

  // Opens (creating the directory and the database if missing) the store in dir. Throws
  // WorkloadStoreError with the path and the reason (lock held by another process or another
  // WorkloadStore of this process, permission denied, newer format, ...).
  explicit WorkloadStore(const std::string& dir);
  ~WorkloadStore();
  WorkloadStore(const WorkloadStore&) = delete;
  WorkloadStore& operator=(const WorkloadStore&) = delete;

  // One atomic write: replaces the stored tables of the given minutes and hours, replaces the
  // totals table when totals is not null, then deletes the given minutes and hours (a start
  // both written and deleted ends up deleted). Tables must not be null.
  struct Batch {
    std::vector<std::pair<int64_t, const WorkloadTable*>> minutes;  // start_ms, table
    std::vector<std::pair<int64_t, const WorkloadTable*>> hours;
    const WorkloadTable* totals = nullptr;
    std::vector<int64_t> delete_minutes, delete_hours;
  };
  void write(const Batch& batch);

  struct Loaded {
    MinuteSeries series;   // stored minutes and hours (nothing rolled up: call roll_up())
    WorkloadTable totals;  // empty when none is stored
    std::size_t minutes = 0, hours = 0;  // tables loaded
    std::size_t skipped = 0;             // values that did not decode, and unknown keys
  };
  // Everything stored. The series is made with options: minute and hour tables are capped by
  // max_entries_per_minute / per_hour and get options.policy. The totals table is capped by
  // totals_max_entries and gets policy. Throws WorkloadStoreError when RocksDB cannot read.
  Loaded load(const MinuteSeries::Options& options, std::size_t totals_max_entries,
              const RecordPolicy& policy) const;

  const std::string& dir() const;
  // Approximate bytes on disk: RocksDB's live SST files plus the write-ahead log files.
  uint64_t disk_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::workload
