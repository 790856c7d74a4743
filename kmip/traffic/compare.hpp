// Item-by-item comparison of a KMIP response with the expected response of an OASIS test case, with the
// fields the profiles let vary masked. The rules live in ONE table (compare.cpp, `rules`), each citing the
// clause that lets its field vary: KMIP Symmetric Key Lifecycle Profile v1.0 section 4.7 "Permitted Test Case
// Variations" (the same list is in KMIP Profiles v1.4 section 5.x "Permitted Test Case Variations"), cited
// below as "SKLC 4.7.1 #n".
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kmip/traffic/placeholders.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::traffic {

// What a rule lets an item do.
enum class rule_action : std::uint8_t {
  any_value,      // the value (and the subtree of a structure) may differ; the item type must match
  may_be_absent,  // the server may leave the item out
  may_be_extra,   // the server may add items with this tag that the test case does not show
  unordered,      // siblings with this tag are matched regardless of order
};

struct comparison_rule {
  spec::tag tag;                  // the item the rule is about
  std::string_view attribute;     // when set: only inside the Attribute (Value) of the attribute of this name
  spec::tag parent;               // when not spec::tag{}: only directly under an item with this tag
  rule_action action;
  std::string_view why;           // the clause that permits it
};

// The rule table, for documentation and reports.
std::span<const comparison_rule> comparison_rules();

// One difference: which response (0-based index of the request/response pair), where, what was expected
// and what came back, as one-line XML-encoding text with key material redacted.
struct mismatch {
  std::size_t request_index = 0;
  std::string path;  // "Response 3 / Batch Item / Response Payload / Attribute[2] / Attribute Value"
  std::string expected;
  std::string got;
  std::uint32_t tag = 0;      // the item's tag (expected's, else got's)
  std::string attribute;      // the Attribute Name it sits under, if any
};

struct compare_options {
  std::int64_t now = 0;                   // what $NOW meant when the request was sent
  std::int64_t date_tolerance = 300;      // seconds a $NOW-based Date-Time may be off
  // Rules in force besides the table (a replay's own and the user's --mask rules). REQUIRES: the rules and the
  // strings they view outlive the comparison.
  std::span<const comparison_rule> extra_rules;
};

// Compares `actual` with `expected` (a ResponseMessage of a test case, placeholders kept), binding each
// `$UNIQUE_IDENTIFIER_n` met for the first time to the value the server answered. Appends the differences.
void compare_response(ttlv::item_view expected, ttlv::item_view actual, std::size_t request_index,
                      bindings& b, const compare_options& options, std::vector<mismatch>& out);

// The same for any two items (a Batch Item, a Response Header), `path` naming where `expected` is.
void compare_items(ttlv::item_view expected, ttlv::item_view actual, std::size_t request_index,
                   const std::string& path, bindings& b, const compare_options& options,
                   std::vector<mismatch>& out);

// One-line text of an item for reports: its XML encoding, key material redacted.
std::string describe(ttlv::item_view item);

}  // namespace kmip::traffic
