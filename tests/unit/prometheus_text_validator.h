// A small checker of the Prometheus text exposition format 0.0.4 for the tests of /metrics:
// comment lines, metric and label name syntax, label value escapes, float values, one HELP and
// one TYPE per family before its samples, families not split, no duplicate series, counters not
// negative, and histograms whose buckets are cumulative, sorted by le, end in +Inf and agree
// with _count. Also parses the samples so tests can look values up.
#pragma once

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::testing {

class PrometheusTextValidator {
 public:
  using Labels = std::map<std::string, std::string>;
  struct Sample {
    std::string name;
    Labels labels;
    double value = 0;
  };

  // Checks text; returns the problems found, each with its line number ("" when none).
  std::vector<std::string> validate(std::string_view text) {
    errors_.clear();
    samples_.clear();
    types_.clear();
    helps_.clear();
    closed_.clear();
    current_family_.clear();
    histograms_.clear();
    series_seen_.clear();
    if (!text.empty() && text.back() != '\n') errors_.push_back("text does not end with a newline");
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      ++line_no;
      line(text.substr(pos, end - pos), line_no);
      pos = end + 1;
    }
    check_histograms();
    return errors_;
  }

  const std::vector<Sample>& samples() const { return samples_; }
  const std::map<std::string, std::string>& types() const { return types_; }

  // The value of the series with exactly these labels.
  std::optional<double> value(const std::string& name, const Labels& labels = {}) const {
    for (const Sample& s : samples_) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    return std::nullopt;
  }
  // Samples of one name (any labels).
  std::vector<Sample> series(const std::string& name) const {
    std::vector<Sample> out;
    for (const Sample& s : samples_) {
      if (s.name == name) out.push_back(s);
    }
    return out;
  }

 private:
  struct Histogram {
    std::vector<std::pair<double, double>> buckets;  // (le, count) in text order
    std::optional<double> sum, count;
  };

  void error(std::size_t line_no, const std::string& message) {
    errors_.push_back("line " + std::to_string(line_no) + ": " + message);
  }

  static bool is_alpha_(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  // [a-zA-Z_:][a-zA-Z0-9_:]*
  static bool valid_metric_name(std::string_view name) {
    if (name.empty() || is_digit(name[0])) return false;
    for (const char c : name) {
      if (!is_alpha_(c) && !is_digit(c) && c != ':') return false;
    }
    return true;
  }
  // [a-zA-Z_][a-zA-Z0-9_]*
  static bool valid_label_name(std::string_view name) {
    if (name.empty() || is_digit(name[0])) return false;
    for (const char c : name) {
      if (!is_alpha_(c) && !is_digit(c)) return false;
    }
    return true;
  }

  // A Go ParseFloat-style number: decimal with optional sign, fraction and exponent, or
  // +Inf / -Inf / Inf / NaN.
  static std::optional<double> parse_float(std::string_view text) {
    if (text == "+Inf" || text == "Inf") return HUGE_VAL;
    if (text == "-Inf") return -HUGE_VAL;
    if (text == "NaN") return NAN;
    if (text.empty()) return std::nullopt;
    for (const char c : text) {
      if (!is_digit(c) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') return std::nullopt;
    }
    const std::string s(text);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return std::nullopt;
    return v;
  }

  static bool is_integer(std::string_view text) {
    if (!text.empty() && text[0] == '-') text.remove_prefix(1);
    if (text.empty()) return false;
    for (const char c : text) {
      if (!is_digit(c)) return false;
    }
    return true;
  }

  void line(std::string_view l, std::size_t line_no) {
    if (l.empty()) return;
    if (l[0] == '#') return comment(l, line_no);
    sample_line(l, line_no);
  }

  void comment(std::string_view l, std::size_t line_no) {
    const bool help = l.starts_with("# HELP ");
    const bool type = l.starts_with("# TYPE ");
    if (!help && !type) return;  // a plain comment
    std::string_view rest = l.substr(7);
    const std::size_t space = rest.find(' ');
    const std::string name(rest.substr(0, space));
    const std::string_view arg = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    if (!valid_metric_name(name)) return error(line_no, "bad metric name in comment: " + name);
    if (closed_.count(name) != 0 || current_family_ == name) {
      return error(line_no, "HELP/TYPE after samples of " + name);
    }
    if (help) {
      if (!helps_.insert(name).second) error(line_no, "second HELP for " + name);
      for (std::size_t i = 0; i < arg.size(); ++i) {
        if (arg[i] == '\\' && (i + 1 == arg.size() || (arg[i + 1] != '\\' && arg[i + 1] != 'n'))) {
          error(line_no, "bad escape in HELP of " + name);
        } else if (arg[i] == '\\') {
          ++i;
        }
      }
      return;
    }
    static const std::set<std::string, std::less<>> kTypes{"counter", "gauge", "histogram", "summary", "untyped"};
    if (kTypes.find(arg) == kTypes.end()) error(line_no, "bad type '" + std::string(arg) + "' for " + name);
    if (!types_.emplace(name, std::string(arg)).second) error(line_no, "second TYPE for " + name);
  }

  // Parses {a="x",b="y"} starting at l[pos] == '{'; pos ends after '}'.
  bool labels(std::string_view l, std::size_t& pos, Labels& out, std::size_t line_no) {
    ++pos;
    while (true) {
      if (pos >= l.size()) return error(line_no, "unterminated labels"), false;
      if (l[pos] == '}') {
        ++pos;
        return true;
      }
      const std::size_t eq = l.find('=', pos);
      if (eq == std::string_view::npos) return error(line_no, "label without '='"), false;
      const std::string name(l.substr(pos, eq - pos));
      if (!valid_label_name(name)) return error(line_no, "bad label name '" + name + "'"), false;
      pos = eq + 1;
      if (pos >= l.size() || l[pos] != '"') return error(line_no, "label value not quoted"), false;
      ++pos;
      std::string value;
      while (true) {
        if (pos >= l.size()) return error(line_no, "unterminated label value"), false;
        const char c = l[pos++];
        if (c == '"') break;
        if (c == '\\') {
          if (pos >= l.size()) return error(line_no, "unterminated escape"), false;
          const char e = l[pos++];
          if (e == '\\' || e == '"') {
            value += e;
          } else if (e == 'n') {
            value += '\n';
          } else {
            return error(line_no, std::string("bad escape \\") + e + " in label value"), false;
          }
        } else {
          value += c;
        }
      }
      if (!out.emplace(name, value).second) return error(line_no, "label " + name + " given twice"), false;
      if (pos < l.size() && l[pos] == ',') ++pos;
    }
  }

  // The family a sample belongs to, from the TYPE lines seen so far ("" when none).
  std::string family_of(const std::string& name) const {
    if (types_.count(name) != 0) return name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string_view n(name);
      if (n.ends_with(suffix)) {
        const std::string base(n.substr(0, n.size() - std::strlen(suffix)));
        auto it = types_.find(base);
        if (it != types_.end() && (it->second == "histogram" || it->second == "summary")) return base;
      }
    }
    return "";
  }

  void sample_line(std::string_view l, std::size_t line_no) {
    std::size_t pos = 0;
    while (pos < l.size() && l[pos] != '{' && l[pos] != ' ') ++pos;
    Sample s;
    s.name = std::string(l.substr(0, pos));
    if (!valid_metric_name(s.name)) return error(line_no, "bad metric name '" + s.name + "'");
    if (pos < l.size() && l[pos] == '{' && !labels(l, pos, s.labels, line_no)) return;
    if (pos >= l.size() || l[pos] != ' ') return error(line_no, "no value");
    std::string_view rest = l.substr(pos + 1);
    const std::size_t space = rest.find(' ');
    if (space != std::string_view::npos) {  // optional timestamp: an integer
      if (!is_integer(rest.substr(space + 1))) error(line_no, "bad timestamp");
      rest = rest.substr(0, space);
    }
    const std::optional<double> v = parse_float(rest);
    if (!v) return error(line_no, "bad value '" + std::string(rest) + "'");
    s.value = *v;

    const std::string family = family_of(s.name);
    if (family.empty()) return error(line_no, "sample of " + s.name + " before its TYPE");
    if (family != current_family_) {
      if (closed_.count(family) != 0) error(line_no, "samples of " + family + " are not together");
      if (!current_family_.empty()) closed_.insert(current_family_);
      current_family_ = family;
    }
    if (!series_seen_.emplace(s.name, s.labels).second) error(line_no, "duplicate series " + s.name);
    const std::string& type = types_.at(family);
    if (type == "counter" && !(s.value >= 0)) error(line_no, "counter " + s.name + " is negative or NaN");
    if (type == "histogram") histogram_sample(family, s, line_no);
    samples_.push_back(std::move(s));
  }

  void histogram_sample(const std::string& family, const Sample& s, std::size_t line_no) {
    Labels key = s.labels;
    key.erase("le");
    Histogram& h = histograms_[{family, key}];
    if (s.name == family + "_bucket") {
      auto le = s.labels.find("le");
      if (le == s.labels.end()) return error(line_no, "bucket without le");
      const std::optional<double> bound = parse_float(le->second);
      if (!bound) return error(line_no, "bad le '" + le->second + "'");
      h.buckets.emplace_back(*bound, s.value);
    } else if (s.labels.count("le") != 0) {
      error(line_no, "le on " + s.name);
    } else if (s.name == family + "_sum") {
      h.sum = s.value;
    } else if (s.name == family + "_count") {
      h.count = s.value;
    } else {
      error(line_no, "histogram " + family + " has a plain sample");
    }
  }

  void check_histograms() {
    for (const auto& [key, h] : histograms_) {
      const std::string what = "histogram " + key.first;
      if (h.buckets.empty()) {
        errors_.push_back(what + ": no buckets");
        continue;
      }
      for (std::size_t i = 1; i < h.buckets.size(); ++i) {
        if (!(h.buckets[i].first > h.buckets[i - 1].first)) errors_.push_back(what + ": le not increasing");
        if (h.buckets[i].second < h.buckets[i - 1].second) errors_.push_back(what + ": buckets not cumulative");
      }
      if (!std::isinf(h.buckets.back().first)) errors_.push_back(what + ": last bucket is not +Inf");
      if (!h.count) errors_.push_back(what + ": no _count");
      if (!h.sum) errors_.push_back(what + ": no _sum");
      if (h.count && h.buckets.back().second != *h.count) errors_.push_back(what + ": +Inf bucket differs from _count");
    }
  }

  std::vector<std::string> errors_;
  std::vector<Sample> samples_;
  std::map<std::string, std::string> types_;  // family -> type
  std::set<std::string> helps_;
  std::set<std::string> closed_;  // families whose samples are over
  std::string current_family_;
  std::map<std::pair<std::string, Labels>, Histogram> histograms_;
  std::set<std::pair<std::string, Labels>> series_seen_;
};

}  // namespace sluice::testing
