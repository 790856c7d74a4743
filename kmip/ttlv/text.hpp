// Human-readable renderings of items: the indented tree that `kmip-harness ttlv decode` prints, and the
// ISO 8601 date-time form shared with the XML/JSON encodings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kmip/ttlv/tree.hpp"

namespace kmip::ttlv {

struct text_options {
  bool redact_key_material = true;  // Key Material values and credential Passwords print as their length only
  std::size_t indent = 2;
};

// One line per item: "Name (Type): value", children indented. Tags, enumerations and masks by spec name.
std::string to_text(item_view item, const text_options& options = {});

// 2008-03-14T11:56:40Z (UTC, whole seconds).
std::string format_date_time(std::int64_t seconds_since_epoch);
// Accepts YYYY-MM-DDTHH:MM:SS with an optional fraction (ignored) and Z or a ±HH:MM offset.
std::optional<std::int64_t> parse_date_time(std::string_view text);

}  // namespace kmip::ttlv
