// Replays a trace (trace.hpp) against a KMS and explains every difference (docs/trace-format.md, "Replay").
//
// Each recorded connection gets a new connection to the target (through an injected connect function, so the
// engine has no sockets: a TLS client, or an in-process engine in tests). Requests are sent in recorded order;
// connections run in parallel as recorded (a request waits until every exchange the recording had answered
// before it was sent has been replayed), or serialised on one thread in the order of the recorded requests.
//
// Identifiers: a Unique Identifier the recorded server returned is written into the recorded response as the
// OASIS runner's `$UNIQUE_IDENTIFIER_n` placeholder, so the OASIS comparer binds it to what the target answered
// (compare.hpp); every later request carrying the recorded value gets the bound one instead.
//
// Each response is compared field by field with the recorded one under the OASIS masking table plus the replay's
// own declared rules (replay_rules()) plus the user's. What differs is classified:
//   harmless         the target says more than the recording (an extra item vCenter does not read)
//   vcenter_visible  vCenter sees a different answer that it handles (a refusal became a success, another
//                    result reason or message, a changed attribute value vCenter does not act on)
//   breaking         vCenter would fail: a success became a failure, identifiers, object type, state,
//                    algorithm or length differ, the batch is shaped differently, or the exchange failed.
//
// Dates: a Date-Time that was "now" when the trace was made (an imported test case marks its `$NOW±k` items,
// trace.hpp `placeholders`) is sent shifted by the replay's start minus the trace's first frame, so a Deactivation
// Date of $NOW+20 is still 20 s ahead a day later; in a response it is compared as the OASIS runner compares
// `$NOW±k`: within date_tolerance of the request's shifted time plus k. Other marked response items may take any
// value (the test case lets them vary). Recorded traffic has no marks: its dates are sent and compared as recorded
// unless date_shift::all treats every Date-Time as relative.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kmip/traffic/compare.hpp"
#include "kmip/traffic/oasis_runner.hpp"
#include "kmip/traffic/trace.hpp"

namespace kmip::traffic {

enum class difference_class : std::uint8_t { harmless, vcenter_visible, breaking };
std::string_view to_string(difference_class c);  // "harmless", "vcenter-visible", "breaking"

struct difference {
  std::string path;      // "Response 2 / Batch Item[1] / Response Payload / Unique Identifier"
  std::string recorded;  // one-line XML, key material redacted; "(absent)"
  std::string replayed;
  difference_class cls = difference_class::harmless;
  std::string why;
};

struct exchange_outcome {
  std::uint64_t connection = 0;
  std::size_t index = 0;        // 0-based within the connection
  std::size_t line = 0;         // the recorded request's line in its file
  std::string title;            // "Get, Activate"
  std::string request_text;     // the request as sent, XML, key material redacted
  std::string recorded_text;    // the recorded response
  std::string replayed_text;    // the target's response
  std::vector<difference> differences;
  std::string error;            // the exchange failed (transport, undecodable response): breaking
  double duration_s = 0;
  // breaking when `error` is set; else the worst class of the differences (harmless when there are none).
  difference_class worst() const;
};

struct connection_outcome {
  std::uint64_t connection = 0;
  std::string peer;
  std::vector<exchange_outcome> exchanges;
};

struct replay_summary {
  std::size_t exchanges = 0, identical = 0, harmless = 0, vcenter_visible = 0, breaking = 0;
};

struct replay_result {
  std::vector<connection_outcome> connections;
  std::vector<std::string> notes;  // recorded frames that could not be replayed, marks that do not fit, and why
  std::int64_t dates_shifted_by = 0;  // seconds relative Date-Times were moved (0 with date_shift::none)
  replay_summary summarize() const;
};

// A user's mask rule, owning its strings. Text form (parse_mask_rule):
//   TAG[@ATTRIBUTE][:any-value|may-be-absent|may-be-extra]     e.g.  "Attribute Value@x-Vendor",
//   "Result Message:may-be-absent", "0x540001". TAG is a spec name, CamelCase name or hex.
struct mask_rule {
  std::uint32_t tag = 0;
  std::string attribute;
  rule_action action = rule_action::any_value;
  std::string why;
};
common::expected<mask_rule, std::string> parse_mask_rule(std::string_view text);

// The replay's own rules on top of the OASIS table, each with its reason.
std::span<const comparison_rule> replay_rules();

// Opens a new connection to the target for one recorded connection; the exchange function keeps it open for as
// long as it lives.
using connect_fn = std::function<result<exchange_fn>()>;

// Which recorded Date-Times move with the replay.
enum class date_shift : std::uint8_t {
  marked,  // those the trace marks as `$NOW±k` (imported test cases); recorded traffic has none. The default
  all,     // every Date-Time of every frame (a recording whose dates all meant "now" when it was made)
  none,    // none: dates are sent as recorded; marked ones are compared with the recording's own now
};

struct replay_options {
  bool serial = false;   // one thread, requests in recorded order
  bool timing = false;   // wait to send each request at its recorded offset from the first one
  std::vector<mask_rule> masks;
  // With `timing`: blocks until `offset` after the replay's start (the recorded gap of the request from the first
  // frame). Empty means sleeping on the steady clock; tests inject their own to check the pacing without a clock.
  std::function<void(std::chrono::microseconds offset)> wait_until_offset;
  date_shift dates = date_shift::marked;
  std::int64_t date_tolerance = 300;  // seconds a relative Date-Time in a response may be off (as run_options)
  // The replay's clock, microseconds since the epoch, read once at the start: relative dates move by its value
  // minus the first frame's time (in whole seconds). Empty: the system clock. Tests inject a later day.
  std::function<std::int64_t()> now_us;
};

// Replays `frames` (as read from a trace or an importer). Never throws for a KMS's behaviour.
replay_result replay(std::span<const frame> frames, const connect_fn& connect, const replay_options& options);

}  // namespace kmip::traffic
