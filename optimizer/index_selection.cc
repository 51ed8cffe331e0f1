#include "optimizer/index_selection.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace sluice::optimizer {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMinScoreBytes = 8192;  // a candidate is charged at least one page per byte score

// 1234567 -> "1,234,567"; under 10 with one decimal ("8.3").
std::string number(double v) {
  if (!std::isfinite(v)) return "?";
  const bool negative = v < 0;
  v = std::fabs(v);
  if (v < 10 && v != std::floor(v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.1f", negative ? "-" : "", v);
    return buf;
  }
  std::string digits = std::to_string(static_cast<long long>(std::llround(v)));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

std::string bytes_text(double bytes) {
  const char* units[] = {"bytes", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (std::fabs(bytes) >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[48];
  if (u == 0 || std::fabs(bytes) >= 10) {
    std::snprintf(buf, sizeof buf, "%.0f %s", bytes, units[u]);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", bytes, units[u]);
  }
  return buf;
}

std::string short_id(const std::string& id) { return id.size() > 8 ? id.substr(0, 8) + "…" : id; }

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

struct UpkeepFactor {
  double index_writes = 1;  // index entries written per row the statement writes
  bool breaks_hot = false;
};

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

bool names_any(const std::vector<std::string>& columns, const std::vector<std::string>& set_columns) {
  for (const auto& c : columns) {
    for (const auto& u : set_columns) {
      if (same_name(c, u)) return true;
    }
  }
  return false;
}

// What one more index costs a write statement per row. INSERT / DELETE: one entry. UPDATE: while
// its updates are HOT (no index of the table has a set column) an index on other columns costs
// nothing and an index on a set column costs every index of the table plus the heap; once they
// are full updates anyway, one entry.
UpkeepFactor upkeep_factor(const AdvisedQuery& q, const IndexDefinition& index, const schema::PgCatalog* catalog) {
  UpkeepFactor f;
  if (q.updated_columns.empty()) return f;
  const bool touches = names_any(index.columns, q.updated_columns);
  if (catalog == nullptr) {
    f.index_writes = touches ? 2.0 : 1.0;
    return f;
  }
  const schema::PgTable* table = schema::find_table(*catalog, index.schema + "." + index.table);
  if (table == nullptr) return f;
  bool already_full = false;
  for (const auto& existing : table->indexes) {
    for (const auto& key : existing.columns) {
      if (key.expression || std::find_if(q.updated_columns.begin(), q.updated_columns.end(), [&](const std::string& u) {
                              return same_name(u, key.name);
                            }) != q.updated_columns.end()) {
        already_full = true;  // an expression key may read a set column: assume it does
      }
    }
  }
  if (already_full) {
    f.index_writes = 1.0;
  } else if (touches) {
    f.index_writes = static_cast<double>(table->indexes.size()) + 2.0;  // every index, this one, the heap
    f.breaks_hot = true;
  } else {
    f.index_writes = 0.0;
  }
  return f;
}

// One candidate through the greedy rounds.
struct CandidateState {
  const IndexDefinition* index = nullptr;
  std::string key;
  std::vector<std::size_t> affected;  // queries whose plans it can change, ascending
  double write_rows = 0;
  double upkeep_rows = 0;  // rows x index writes each costs (HOT-aware)
  bool breaks_hot = false;
  int64_t size = 0;
  bool sized = false;

  bool live = true;
  bool evaluated = false;
  uint64_t evaluated_at = 0;  // the step counter when last evaluated
  // Last evaluation, against the chosen set of that moment.
  double benefit = 0;
  double maintenance_delta = 0;
  double net = 0;
  double score = 0;
  int64_t extra_bytes = 0;
  std::optional<IndexDefinition> replaces;  // the chosen index it extends
  std::vector<std::pair<std::size_t, double>> new_costs;  // query -> cost with it
};

}  // namespace

namespace {

// A candidate on its own, against the real indexes only: what a seeded pass may start from.
struct StandaloneGain {
  std::string key;
  double net = 0;
  int64_t size = 0;
};

// One greedy pass. `seed`: the key of a candidate chosen first whatever its rank (a pass whose
// seed is not eligible returns nullopt). `standalone`: when set, receives every candidate that
// fits the budget and helps on its own, with its net benefit.
std::optional<Selection> select_greedy(const std::vector<AdvisedQuery>& queries, const CandidateSet& candidates,
                                       WhatIfCoster& coster, const SelectionOptions& options, bool per_byte,
                                       const std::string* seed, std::vector<StandaloneGain>* standalone) {
  Selection sel;
  sel.budget_bytes = options.budget_bytes;
  const std::size_t n = queries.size();
  sel.cost_before.assign(n, kNaN);
  sel.cost_after.assign(n, kNaN);

  // Baseline: the real indexes only.
  const std::vector<IndexDefinition> none;
  for (std::size_t q = 0; q < n; ++q) {
    if (auto r = coster.cost(queries[q], none)) {
      sel.cost_before[q] = r->cost;
      sel.workload_cost_before += static_cast<double>(queries[q].calls) * r->cost;
    } else {
      ++sel.uncostable_queries;
    }
  }
  const double threshold = options.min_relative_gain * sel.workload_cost_before;
  std::vector<double> current = sel.cost_before;
  std::vector<uint64_t> changed_at(n, 0);  // step at which current[q] last changed
  uint64_t step = 1;

  // Candidates, one state each (duplicates of a key merged).
  std::vector<CandidateState> states;
  {
    std::map<std::string, std::size_t> by_key;
    for (const IndexCandidate& c : candidates.candidates) {
      const std::string key = c.index.key();
      auto [it, fresh] = by_key.emplace(key, states.size());
      if (fresh) {
        CandidateState s;
        s.index = &c.index;
        s.key = key;
        if (c.estimated_size_bytes > 0) {
          s.size = c.estimated_size_bytes;
          s.sized = true;
        }
        states.push_back(std::move(s));
      }
      CandidateState& s = states[it->second];
      for (std::size_t q : c.queries) {
        if (q < n) s.affected.push_back(q);
      }
    }
    for (CandidateState& s : states) {
      for (std::size_t q = 0; q < n; ++q) {
        const AdvisedQuery& aq = queries[q];
        if (aq.tables.empty() || !references_table(aq, *s.index)) continue;
        s.affected.push_back(q);
        if (aq.is_write()) {
          const double rows = static_cast<double>(aq.rows > 0 ? static_cast<uint64_t>(aq.rows) : aq.calls);
          const UpkeepFactor f = upkeep_factor(aq, *s.index, options.catalog);
          s.write_rows += rows;
          s.upkeep_rows += rows * f.index_writes;
          s.breaks_hot = s.breaks_hot || f.breaks_hot;
        }
      }
      std::sort(s.affected.begin(), s.affected.end());
      s.affected.erase(std::unique(s.affected.begin(), s.affected.end()), s.affected.end());
    }
  }

  std::vector<IndexDefinition> chosen_set;  // parallel to sel.chosen
  auto reject = [&](CandidateState& s, std::string reason) {
    s.live = false;
    sel.rejected.push_back(RejectedCandidate{*s.index, std::move(reason)});
  };
  auto eligible = [&](const CandidateState& s) {
    return s.net > 0 && s.net >= threshold && sel.used_bytes + s.extra_bytes <= options.budget_bytes;
  };
  auto stale = [&](const CandidateState& s) {
    if (!s.evaluated) return true;
    for (std::size_t q : s.affected) {
      if (changed_at[q] > s.evaluated_at) return true;
    }
    return false;
  };
  auto extends_chosen = [&](const CandidateState& s) {
    for (const IndexDefinition& c : chosen_set) {
      if (c.is_prefix_of(*s.index) && c != *s.index) return true;
    }
    return false;
  };

  // Costs the candidate's queries with the chosen set plus it. False when it was rejected.
  auto evaluate = [&](CandidateState& s) -> bool {
    for (const IndexDefinition& c : chosen_set) {
      if (s.index->is_prefix_of(c)) {
        reject(s, "covered by the chosen index " + c.display());
        return false;
      }
    }
    if (!s.sized) {
      s.size = coster.estimated_size_bytes(*s.index);
      s.sized = true;
    }
    if (s.size <= 0) {
      reject(s, "HypoPG could not build it: " + coster.last_error());
      return false;
    }
    std::vector<IndexDefinition> set;
    set.reserve(chosen_set.size() + 1);
    s.replaces.reset();
    int64_t replaced_size = 0;
    for (const ChosenIndex& c : sel.chosen) {
      if (c.index.is_prefix_of(*s.index) && (!s.replaces || c.index.columns.size() > s.replaces->columns.size())) {
        s.replaces = c.index;
        replaced_size = c.size_bytes;
      }
    }
    for (const IndexDefinition& c : chosen_set) {
      if (!s.replaces || c != *s.replaces) set.push_back(c);
    }
    set.push_back(*s.index);
    s.extra_bytes = s.size - replaced_size;
    s.maintenance_delta = s.replaces ? 0.0 : s.upkeep_rows * options.maintenance_cost_per_row;

    s.benefit = 0;
    s.new_costs.clear();
    bool used = false;
    for (std::size_t q : s.affected) {
      if (std::isnan(current[q])) continue;
      auto r = coster.cost(queries[q], set);
      if (!r) continue;
      if (contains(r->used_indexes, s.key)) used = true;
      s.benefit += static_cast<double>(queries[q].calls) * (current[q] - r->cost);
      s.new_costs.emplace_back(q, r->cost);
    }
    s.evaluated = true;
    s.evaluated_at = step;
    s.net = s.benefit - s.maintenance_delta;
    s.score = per_byte ? s.net / std::max(static_cast<double>(s.extra_bytes), kMinScoreBytes) : s.net;
    if (!used) {
      reject(s, sel.chosen.empty() ? "no query's plan uses it"
                                   : "no query's plan uses it beside the indexes chosen before it");
      return false;
    }
    return true;
  };

  auto choose = [&](CandidateState& s) {
    ChosenIndex c;
    c.index = *s.index;
    c.size_bytes = s.size;
    c.benefit = s.benefit;
    c.write_rows = s.write_rows;
    c.breaks_hot_updates = s.breaks_hot;
    c.maintenance_cost = s.upkeep_rows * options.maintenance_cost_per_row;
    ++step;
    for (const auto& [q, cost] : s.new_costs) {
      if (cost != current[q]) {
        current[q] = cost;
        changed_at[q] = step;
      }
    }
    std::size_t pos = 0;
    while (s.replaces && pos < sel.chosen.size() && sel.chosen[pos].index != *s.replaces) ++pos;
    if (s.replaces && pos < sel.chosen.size()) {
      c.replaces = sel.chosen[pos].index;
      sel.rejected.push_back(
          RejectedCandidate{sel.chosen[pos].index, "replaced by the wider index " + s.index->display()});
      sel.chosen.erase(sel.chosen.begin() + static_cast<std::ptrdiff_t>(pos));
      chosen_set.erase(chosen_set.begin() + static_cast<std::ptrdiff_t>(pos));
    }
    sel.chosen.push_back(std::move(c));
    chosen_set.push_back(*s.index);
    sel.used_bytes = 0;
    for (const ChosenIndex& ch : sel.chosen) sel.used_bytes += ch.size_bytes;
    s.live = false;
  };

  // Lazy greedy: a candidate's last net benefit bounds its next one (choosing more indexes only
  // lowers the costs it competes against), so only the best is re-costed until a fresh one is
  // on top. Candidates that extend a chosen index are re-costed too: they now pay less.
  bool limit_reached = false;
  if (options.max_indexes > 0) {
    for (CandidateState& s : states) evaluate(s);
  }
  if (standalone != nullptr) {
    for (const CandidateState& s : states) {
      if (s.live && eligible(s)) standalone->push_back(StandaloneGain{s.key, s.net, s.size});
    }
  }
  if (seed != nullptr) {
    auto it = std::find_if(states.begin(), states.end(), [&](const CandidateState& s) { return s.key == *seed; });
    if (it == states.end() || !it->live || !eligible(*it) || options.max_indexes == 0) return std::nullopt;
    choose(*it);
  }
  while (true) {
    if (sel.chosen.size() >= options.max_indexes) {
      limit_reached = true;
      break;
    }
    CandidateState* best = nullptr;
    double best_key = -std::numeric_limits<double>::infinity();
    for (CandidateState& s : states) {
      if (!s.live) continue;
      double key;
      if (eligible(s)) {
        key = s.score;
      } else if (!s.replaces && extends_chosen(s) && stale(s)) {
        key = std::numeric_limits<double>::infinity();
      } else {
        continue;
      }
      if (!best || key > best_key) {
        best = &s;
        best_key = key;
      }
    }
    if (!best) break;
    if (stale(*best)) {
      evaluate(*best);
      continue;
    }
    choose(*best);
  }

  // Why the rest were left out, from their last evaluation.
  const double remaining = static_cast<double>(options.budget_bytes - sel.used_bytes);
  for (CandidateState& s : states) {
    if (!s.live) continue;
    std::string reason;
    if (!s.evaluated) {
      reason = "not considered: the limit of " + std::to_string(options.max_indexes) + " indexes was reached";
    } else if (s.benefit <= 0) {
      reason = "no gain beside the indexes chosen";
    } else if (sel.used_bytes + s.extra_bytes > options.budget_bytes) {
      reason = "over budget (needs " + bytes_text(static_cast<double>(s.extra_bytes)) + ", " +
               bytes_text(std::max(0.0, remaining)) + " left)";
    } else if (s.net <= 0) {
      reason = "write upkeep outweighs the gain: saves " + number(s.benefit) + " cost units, costs " +
               number(s.maintenance_delta) + " for " + number(s.write_rows) + " rows written";
    } else if (s.net < threshold) {
      reason = "gain too small: saves " + number(s.net) + " cost units, under " +
               number(options.min_relative_gain * 100) + "% of the workload's " +
               number(sel.workload_cost_before);
    } else if (limit_reached) {
      reason = "the limit of " + std::to_string(options.max_indexes) + " indexes was reached";
    } else {
      reason = "not chosen";
    }
    sel.rejected.push_back(RejectedCandidate{*s.index, std::move(reason)});
    s.live = false;
  }

  // Final costs with every chosen index, and who helps whom. An index chosen early that a later
  // choice made useless (no final plan uses it) is dropped, and the rest costed again.
  std::vector<std::vector<std::string>> used(n);
  for (int pass = 0; pass < 4; ++pass) {
    sel.workload_cost_after = 0;
    for (std::size_t q = 0; q < n; ++q) {
      used[q].clear();
      if (std::isnan(sel.cost_before[q])) continue;
      if (auto r = coster.cost(queries[q], chosen_set)) {
        sel.cost_after[q] = r->cost;
        used[q] = r->used_indexes;
      } else {
        sel.cost_after[q] = sel.cost_before[q];
      }
      sel.workload_cost_after += static_cast<double>(queries[q].calls) * sel.cost_after[q];
    }
    bool dropped = false;
    for (std::size_t i = 0; i < sel.chosen.size();) {
      const std::string key = sel.chosen[i].index.key();
      bool in_use = false;
      for (std::size_t q = 0; q < n && !in_use; ++q) in_use = contains(used[q], key);
      if (in_use) {
        ++i;
        continue;
      }
      sel.rejected.push_back(
          RejectedCandidate{sel.chosen[i].index, "no plan uses it once the indexes chosen after it exist"});
      sel.chosen.erase(sel.chosen.begin() + static_cast<std::ptrdiff_t>(i));
      chosen_set.erase(chosen_set.begin() + static_cast<std::ptrdiff_t>(i));
      dropped = true;
    }
    if (!dropped) break;
    sel.used_bytes = 0;
    for (const ChosenIndex& ch : sel.chosen) sel.used_bytes += ch.size_bytes;
  }
  for (ChosenIndex& c : sel.chosen) {
    const std::string key = c.index.key();
    uint64_t calls = 0;
    std::size_t top = n;
    double top_saving = -1;
    for (std::size_t q = 0; q < n; ++q) {
      if (std::isnan(sel.cost_before[q]) || !contains(used[q], key)) continue;
      if (!(sel.cost_after[q] < sel.cost_before[q])) continue;
      c.helps.push_back(QueryCostChange{q, sel.cost_before[q], sel.cost_after[q]});
      calls += queries[q].calls;
      const double saving = static_cast<double>(queries[q].calls) * (sel.cost_before[q] - sel.cost_after[q]);
      if (saving > top_saving) {
        top_saving = saving;
        top = q;
      }
    }
    std::string reason = "helps " + number(static_cast<double>(c.helps.size())) +
                         (c.helps.size() == 1 ? " query (" : " queries (") + number(static_cast<double>(calls)) +
                         (calls == 1 ? " call)" : " calls)");
    if (top < n) {
      reason += ": cost " + number(sel.cost_before[top]) + " → " + number(sel.cost_after[top]) + " for q " +
                short_id(queries[top].id);
    }
    if (c.replaces) reason += "; replaces " + c.replaces->display();
    if (c.write_rows > 0) {
      reason += "; upkeep " + number(c.maintenance_cost) + " for " + number(c.write_rows) + " rows written";
      if (c.breaks_hot_updates) reason += " (its column is updated: those updates stop being HOT)";
    }
    c.reason = std::move(reason);
  }
  return sel;
}

double net_cost(const Selection& sel) {
  double total = sel.workload_cost_after;
  for (const ChosenIndex& c : sel.chosen) total += c.maintenance_cost;
  return total;
}

}  // namespace

// Two greedy passes, as for a knapsack: by net benefit per byte (many small indexes) and by net
// benefit alone (the index that helps most, even when wider). When the budget cannot hold every
// candidate that helps, more passes each start from one of the
// candidates that gain most on their own, then go on by net benefit per byte or by net benefit
// (partial enumeration: a per-byte pass alone can fill a small budget with narrow indexes and
// leave no room for the one that matters; a pass by benefit alone can spend it all on one wide
// index where two others together gain more). The set with the lowest workload cost, upkeep
// included, wins; the what-if cache keeps the extra passes cheap, and they stop once they have
// made seed_whatif_factor times the first two passes' cost lookups.
Selection select_indexes(const std::vector<AdvisedQuery>& queries, const CandidateSet& candidates,
                         WhatIfCoster& coster, const SelectionOptions& options) {
  // Work is counted in cost lookups (what-if calls and cache hits alike): with a warm cache the
  // first passes make few calls, and the limit must not shrink with them.
  auto lookups = [&] { return coster.stats().whatif_calls + coster.stats().cache_hits; };
  const uint64_t lookups_at_start = lookups();
  std::vector<StandaloneGain> standalone;
  Selection best = *select_greedy(queries, candidates, coster, options, true, nullptr, &standalone);
  Selection by_benefit = *select_greedy(queries, candidates, coster, options, false, nullptr, nullptr);
  if (net_cost(by_benefit) < net_cost(best) - 1e-9) best = std::move(by_benefit);

  // Only worth it when the budget binds: the candidates that help on their own do not all fit.
  double wanted_bytes = 0;
  for (const StandaloneGain& g : standalone) wanted_bytes += static_cast<double>(std::max<int64_t>(g.size, 0));
  if (options.seed_passes == 0 || standalone.size() < 2 || wanted_bytes <= static_cast<double>(options.budget_bytes)) {
    return best;
  }
  std::stable_sort(standalone.begin(), standalone.end(),
                   [](const StandaloneGain& a, const StandaloneGain& b) { return a.net > b.net; });
  const uint64_t first_passes = std::max<uint64_t>(lookups() - lookups_at_start, 1);
  const uint64_t limit = lookups() + static_cast<uint64_t>(options.seed_whatif_factor * static_cast<double>(first_passes));
  std::size_t tried = 0;
  for (std::size_t i = 0; i < standalone.size() && tried < options.seed_passes; ++i) {
    // After the seed, by net benefit per byte and by net benefit (the plain pass by net benefit
    // already starts from the first).
    for (const bool per_byte : {true, false}) {
      if (!per_byte && i == 0) continue;
      if (tried >= options.seed_passes || lookups() >= limit) return best;
      ++tried;
      std::optional<Selection> seeded =
          select_greedy(queries, candidates, coster, options, per_byte, &standalone[i].key, nullptr);
      if (seeded && net_cost(*seeded) < net_cost(best) - 1e-9) best = std::move(*seeded);
    }
  }
  return best;
}

}  // namespace sluice::optimizer
