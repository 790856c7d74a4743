// model::error, and the names that error messages use (tags, item types, version ranges).
#include "kmip/model/error.hpp"

#include <cstdio>

#include "kmip/model/wire.hpp"

namespace kmip::model {

void error::prepend(std::string_view segment) {
  if (segment.empty()) return;
  path = path.empty() ? std::string(segment) : std::string(segment) + "/" + path;
}

std::string error::to_string() const { return path.empty() ? message : path + ": " + message; }

namespace detail {

std::string hex32(std::uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", value);
  return buf;
}

std::string tag_name(std::uint32_t tag) {
  if (const auto* info = spec::find_tag(tag)) return std::string(info->name);
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%06X", tag);
  return buf;
}

std::string tag_name(spec::tag tag) { return tag_name(static_cast<std::uint32_t>(tag)); }

std::string type_mismatch(ttlv::item_type expected, ttlv::item_type found) {
  return "expected " + std::string(ttlv::to_string(expected)) + ", got " + std::string(ttlv::to_string(found));
}

std::string describe_versions(version_set versions) {
  if (versions.empty()) return "in no version";
  const auto first = versions.first();
  const auto last = versions.last();
  if (last == spec::newest_version) return "KMIP " + std::string(spec::to_string(first)) + " and later";
  if (first == last) return "KMIP " + std::string(spec::to_string(first)) + " only";
  return "KMIP " + std::string(spec::to_string(first)) + " to " + std::string(spec::to_string(last));
}

}  // namespace detail
}  // namespace kmip::model
