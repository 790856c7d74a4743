// The trace format (docs/trace-format.md): JSON Lines, one KMIP message ("frame") per line, with the facts a
// replay needs (connection, direction, time, peer, TLS) and a decoded summary for people (operation, batch item
// IDs, Unique Identifiers, result). What the recording proxy writes, the importers produce and the replayer reads.
//
// A trace holds the raw TTLV of every message and therefore whatever key material crossed the wire: it is a
// user-requested artefact. Files are created with mode 0600; the summary never holds key material.
//
//   kmip::traffic::trace_writer w;
//   if (auto ok = w.open("out.trace"); !ok) ...;   // created 0600, refuses to follow an existing symlink
//   w.write(f);                                     // thread-safe, one flushed line per frame
//   auto frames = kmip::traffic::read_trace("out.trace");  // errors name file:line
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/secure.hpp"

namespace kmip::traffic {

inline constexpr int trace_format_version = 1;

enum class direction : std::uint8_t { request, response };  // client to server, server to client
std::string_view to_string(direction d);

// What the TLS session of the connection was, as far as the recorder knew (empty strings when unknown).
struct tls_facts {
  std::string version;         // "TLSv1.2"
  std::string cipher;          // "AES128-SHA256" (OpenSSL's name)
  std::string client_subject;  // the client certificate's subject, "CN=vcenter"
};

// One batch item, as the summary shows it.
struct item_summary {
  std::string operation;          // "Get"; empty when the item has none
  std::string batch_id;           // Unique Batch Item ID as lowercase hex; empty when absent
  std::vector<std::string> unique_identifiers;  // every Unique Identifier text in the item
  std::string result;             // responses: "Success", "Operation Failed / Item Not Found"
};

struct frame_summary {
  std::string protocol_version;  // "1.1"
  std::vector<item_summary> items;
  std::string error;  // set when the message does not decode (the frame is kept: it is what was sent)
};

// Decodes a TTLV message far enough to summarise it. Never holds key material.
frame_summary summarize(std::span<const std::uint8_t> message);

// An item of the message that was a placeholder in the file the frame was imported from (an OASIS test case,
// oasis_import.cpp): the item's position in depth-first order (the message itself is 0, its first child 1, ...)
// and the placeholder's text ("$NOW+20", "$KEY_MATERIAL"). The message holds the value the importer chose for it.
// The replayer shifts `$NOW` dates by the replay's offset from the recording and compares them within a
// tolerance, and lets other marked response items take any value (replay.hpp, "Dates").
struct placeholder_mark {
  std::size_t item = 0;
  std::string text;
  friend bool operator==(const placeholder_mark&, const placeholder_mark&) = default;
};

struct frame {
  std::uint64_t connection = 0;  // unique within the trace
  traffic::direction direction = direction::request;
  std::int64_t time_us = 0;      // microseconds since the Unix epoch, UTC
  std::string peer;              // the client's address, "192.0.2.7:43500"
  tls_facts tls;
  common::secure_bytes message;  // the whole TTLV message, as on the wire
  frame_summary summary;         // filled by write (from message) and by read (from the line)
  std::vector<placeholder_mark> placeholders;  // imported test cases only; empty for recorded traffic
  std::size_t line = 0;          // where it was read from (1-based), or 0
};

// One JSON line (without the newline) for a frame; the summary is computed from the message.
std::string to_json_line(const frame& f);
// Parses one line. Errors say what is wrong (the caller adds file and line).
common::expected<frame, std::string> parse_json_line(std::string_view line);

// Reads a whole trace. Empty lines are ignored. Errors: "FILE:LINE: what".
common::expected<std::vector<frame>, std::string> read_trace(const std::filesystem::path& file);
// Writes a whole trace (mode 0600, replacing the file).
common::expected<void, std::string> write_trace(const std::filesystem::path& file, std::span<const frame> frames);

// Appends frames to a trace file as they happen. Thread-safe.
class trace_writer {
 public:
  trace_writer() = default;
  ~trace_writer();
  trace_writer(const trace_writer&) = delete;
  trace_writer& operator=(const trace_writer&) = delete;

  // Creates (or truncates) `file` with mode 0600. Errors name the file.
  common::expected<void, std::string> open(const std::filesystem::path& file);
  // Writes one line and flushes it. Errors name the file.
  common::expected<void, std::string> write(const frame& f);
  void close();

 private:
  std::mutex mutex_;
  std::FILE* out_ = nullptr;
  std::string name_;
};

// "2025-03-31T12:09:25.548000Z" and back.
std::string format_time_us(std::int64_t time_us);
common::expected<std::int64_t, std::string> parse_time_us(std::string_view text);

}  // namespace kmip::traffic
