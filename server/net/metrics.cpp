// Prometheus counters of kmipd's transports; see metrics.hpp.
#include "server/net/metrics.hpp"

#include <cstdio>
#include <vector>

#include "kmip/spec/spec.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmipd::net {
namespace {

namespace spec = kmip::spec;
namespace ttlv = kmip::ttlv;

// Label values: backslash, quote and newline escaped (exposition format 0.0.4).
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// (operation, result status) of each batch item of a response; ("unknown", "unknown") when it does not decode.
std::vector<std::pair<std::string, std::string>> outcomes(std::span<const std::uint8_t> response) {
  std::vector<std::pair<std::string, std::string>> out;
  ttlv::decode_limits limits;
  limits.max_message_size = response.size() + 8;
  auto tree = ttlv::decode_message(response, limits);
  if (!tree) {
    out.emplace_back("unknown", "unknown");
    return out;
  }
  for (ttlv::item_view item : tree->root().children()) {
    if (!item.is(spec::tag::batch_item)) continue;
    std::string op = "unknown";
    std::string status = "unknown";
    if (auto o = item.find(spec::tag::operation); o && o->type() == ttlv::item_type::enumeration) {
      auto n = spec::name_of(static_cast<spec::operation>(o->as_enumeration()));
      if (!n.empty()) op = std::string(n);
    }
    if (auto s = item.find(spec::tag::result_status); s && s->type() == ttlv::item_type::enumeration) {
      auto n = spec::name_of(static_cast<spec::result_status>(s->as_enumeration()));
      if (!n.empty()) status = std::string(n);
    }
    out.emplace_back(std::move(op), std::move(status));
  }
  if (out.empty()) out.emplace_back("none", "unknown");
  return out;
}

}  // namespace

void metrics::record_response(std::string_view transport, std::span<const std::uint8_t> response,
                              std::chrono::nanoseconds latency) {
  auto items = outcomes(response);
  const double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mutex_);
  for (auto& [op, status] : items) ++operations_[{std::string(transport), std::move(op), std::move(status)}];
  for (std::size_t i = 0; i < latency_buckets.size(); ++i)
    if (seconds <= latency_buckets[i]) ++bucket_counts_[i];
  ++latency_count_;
  latency_sum_ += seconds;
}

void metrics::connection_opened(std::string_view transport) {
  std::lock_guard lock(mutex_);
  auto it = open_.find(transport);
  if (it == open_.end()) it = open_.emplace(std::string(transport), 0).first;
  ++it->second;
  auto a = accepted_.find(transport);
  if (a == accepted_.end()) a = accepted_.emplace(std::string(transport), 0).first;
  ++a->second;
}

void metrics::connection_closed(std::string_view transport) {
  std::lock_guard lock(mutex_);
  if (auto it = open_.find(transport); it != open_.end()) --it->second;
}

void metrics::connection_refused(std::string_view transport, std::string_view reason) {
  std::lock_guard lock(mutex_);
  ++refused_[{std::string(transport), std::string(reason)}];
}

std::int64_t metrics::open_connections(std::string_view transport) const {
  std::lock_guard lock(mutex_);
  auto it = open_.find(transport);
  return it == open_.end() ? 0 : it->second;
}

std::uint64_t metrics::operations(std::string_view transport, std::string_view operation,
                                  std::string_view result) const {
  std::lock_guard lock(mutex_);
  auto it = operations_.find({std::string(transport), std::string(operation), std::string(result)});
  return it == operations_.end() ? 0 : it->second;
}

std::string metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP kmipd_operations_total KMIP operations answered, by transport, operation and result status.\n";
  out += "# TYPE kmipd_operations_total counter\n";
  for (const auto& [k, v] : operations_)
    out += "kmipd_operations_total{transport=\"" + label(std::get<0>(k)) + "\",operation=\"" + label(std::get<1>(k)) +
           "\",result=\"" + label(std::get<2>(k)) + "\"} " + std::to_string(v) + "\n";
  out += "# HELP kmipd_request_duration_seconds Time the engine took per KMIP message.\n";
  out += "# TYPE kmipd_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < latency_buckets.size(); ++i)
    out += "kmipd_request_duration_seconds_bucket{le=\"" + number(latency_buckets[i]) + "\"} " +
           std::to_string(bucket_counts_[i]) + "\n";
  out += "kmipd_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(latency_count_) + "\n";
  out += "kmipd_request_duration_seconds_sum " + number(latency_sum_) + "\n";
  out += "kmipd_request_duration_seconds_count " + std::to_string(latency_count_) + "\n";
  out += "# HELP kmipd_open_connections Connections open now, by transport.\n";
  out += "# TYPE kmipd_open_connections gauge\n";
  for (const auto& [k, v] : open_)
    out += "kmipd_open_connections{transport=\"" + label(k) + "\"} " + std::to_string(v) + "\n";
  out += "# HELP kmipd_connections_total Connections accepted, by transport.\n";
  out += "# TYPE kmipd_connections_total counter\n";
  for (const auto& [k, v] : accepted_)
    out += "kmipd_connections_total{transport=\"" + label(k) + "\"} " + std::to_string(v) + "\n";
  out += "# HELP kmipd_connections_refused_total Connections closed before serving, by transport and reason.\n";
  out += "# TYPE kmipd_connections_refused_total counter\n";
  for (const auto& [k, v] : refused_)
    out += "kmipd_connections_refused_total{transport=\"" + label(k.first) + "\",reason=\"" + label(k.second) +
           "\"} " + std::to_string(v) + "\n";
  for (std::size_t i = 0; i < external_.size(); ++i) {
    const auto& c = external_[i];
    if (i == 0 || external_[i - 1].name != c.name) {
      out += "# HELP " + c.name + " " + c.help + "\n";
      out += "# TYPE " + c.name + " counter\n";
    }
    out += c.name + (c.labels.empty() ? "" : "{" + c.labels + "}") + " " + std::to_string(c.read()) + "\n";
  }
  return out;
}

void metrics::add(external_counter counter) {
  std::lock_guard lock(mutex_);
  external_.push_back(std::move(counter));
}

}  // namespace kmipd::net
