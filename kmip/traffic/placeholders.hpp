// Placeholders of the OASIS KMIP test cases and their resolution (KMIP Symmetric Key Lifecycle Profile v1.0,
// section 3: "the flow of unique identifiers between tests, the date-time values, and other dynamic items are
// indicated using symbolic identifiers"). Two kinds reach a runner:
//  - `$UNIQUE_IDENTIFIER_n` in Text Strings (Unique Identifier, Attribute Value of "Unique Identifier", Linked
//    Object Identifier): n numbers the identifiers the server returned in this test case, in order of first
//    appearance in the responses. The runner binds n when an expected response first shows `$UNIQUE_IDENTIFIER_n`
//    where the server answered a value, and substitutes the bound value in every later request.
//  - `$NOW`, `$NOW-3600`, `$NOW+20` in Date-Time items (kept by kmip/encoding as placeholder nodes): the injected
//    clock's time plus the offset in seconds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::traffic {

// "$UNIQUE_IDENTIFIER_3" -> 3; anything else -> nullopt.
std::optional<std::size_t> unique_identifier_index(std::string_view text);
// "$NOW" -> 0, "$NOW-3600" -> -3600, "$NOW+20" -> 20; anything else -> nullopt.
std::optional<std::int64_t> now_offset(std::string_view text);

// The identifiers a test case has bound so far. Not thread-safe; one per test-case run.
class bindings {
 public:
  // The value bound to $UNIQUE_IDENTIFIER_n, or nullopt.
  std::optional<std::string> unique_identifier(std::size_t n) const;
  // Binds n to value. REQUIRES: n is not bound yet.
  void bind_unique_identifier(std::size_t n, std::string value);
  std::size_t bound_count() const;

 private:
  std::vector<std::optional<std::string>> ids_;
};

// A copy of `request` with its placeholders replaced: `$UNIQUE_IDENTIFIER_n` texts by their bound values,
// `$NOW±k` Date-Times by now + k, and the Request Header's Time Stamp (if the file carries one) by now.
// Errors (the text names the placeholder): an unbound identifier, a placeholder this runner does not know.
common::expected<ttlv::tree, std::string> resolve_request(ttlv::item_view request, const bindings& b,
                                                          std::int64_t now);

// A copy of `item` with the runs of spaces in Attribute Name texts collapsed to one ("Cryptographic   Usage
// Mask" -> "Cryptographic Usage Mask"). The 1.0-1.2 files were extracted from the OASIS HTML by Cosmian and
// carry such runs (tests/testdata/cosmian-kmip/README.md: "patch them at load time"); no spec attribute name
// has two spaces in a row.
ttlv::tree normalize_attribute_names(ttlv::item_view item);

}  // namespace kmip::traffic
