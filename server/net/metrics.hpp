// Counters of kmipd's transports, rendered in the Prometheus text exposition format (GET /metrics).
//
// Operations are counted by transport, operation name and result status, read from each response the handler
// produced (one count per batch item), so the counts hold whatever handler serves; latency is one histogram of
// the handler's time per message. Thread-safe: sessions on every server thread record into one instance.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace kmipd::net {

class metrics {
 public:
  // A counter kept elsewhere, read at each render (kmipd: the fdatasync groups of the WAL and of the audit log).
  // Counters of one name share their HELP line; `labels` is the inside of the braces, e.g. `file="wal"`.
  struct external_counter {
    std::string name;
    std::string labels;
    std::string help;
    std::function<std::uint64_t()> read;
  };
  void add(external_counter counter);

  // Upper bounds of the latency histogram's buckets, in seconds (then +Inf).
  static constexpr std::array<double, 12> latency_buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                             0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  // One response sent on `transport` ("tls", "http"), produced in `latency`.
  void record_response(std::string_view transport, std::span<const std::uint8_t> response,
                       std::chrono::nanoseconds latency);
  void connection_opened(std::string_view transport);
  void connection_closed(std::string_view transport);
  // A connection that ended before serving anything: "handshake", "limit", "no_identity", "framing".
  void connection_refused(std::string_view transport, std::string_view reason);

  std::int64_t open_connections(std::string_view transport) const;
  std::uint64_t operations(std::string_view transport, std::string_view operation, std::string_view result) const;

  // The text exposition format, version 0.0.4.
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> operations_;
  std::map<std::string, std::int64_t, std::less<>> open_;
  std::map<std::string, std::uint64_t, std::less<>> accepted_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> refused_;
  std::array<std::uint64_t, latency_buckets.size()> bucket_counts_{};
  std::uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
  std::vector<external_counter> external_;
};

}  // namespace kmipd::net
