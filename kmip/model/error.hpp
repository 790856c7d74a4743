// The one error type of kmip/model: what went wrong, where in the message, and how a server should answer it.
//
// Decoding errors name the path of the offending item ("Batch Item[0]/Request Payload/Template-Attribute/
// Attribute[2]/Attribute Value") and carry the KMIP Result Reason that fits (1.x §11 / 2.1 §11.29 Result
// Reason), so that a server can turn one into a failure response without inspecting the text. When the
// error lies inside a batch item, it also says which one, with that item's Operation and Unique Batch Item ID
// when they could be read, so a server can answer per item (1.x §7.2 Table 285, 2.1 §8.6).
// Encoding errors use the same type; their reason is General Failure unless stated otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "kmip/spec/spec.hpp"

namespace kmip::model {

struct error {
  error() = default;
  error(spec::result_reason r, std::string p, std::string m) : reason(r), path(std::move(p)), message(std::move(m)) {}

  spec::result_reason reason = spec::result_reason::general_failure;
  std::string path;     // items from the message root, '/'-separated; repeated items indexed from 0
  std::string message;  // what was found, for people ("expected Integer, got Text String")

  // Set when the error concerns one batch item (index in the message, from 0).
  std::optional<std::size_t> batch_item;
  std::optional<spec::operation> operation;                       // that item's Operation, if it was readable
  std::optional<std::vector<std::uint8_t>> unique_batch_item_id;  // and its Unique Batch Item ID

  // Adds one path segment in front: errors are built bottom-up as they travel out of nested items.
  void prepend(std::string_view segment);
  // "path: message" (or just the message at the root).
  std::string to_string() const;
};

template <class T>
using result = common::expected<T, error>;

}  // namespace kmip::model
