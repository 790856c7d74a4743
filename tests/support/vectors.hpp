// Loaders for the third-party test data in tests/testdata/ (see its README): the spec's TTLV examples, the
// NLnet Labs message vectors and the vCenter capture logs. Shared by every test that replays them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace kmiph::testdata {

std::filesystem::path root();  // tests/testdata

struct vector_entry {
  std::string name;                // description or vector name
  std::vector<std::uint8_t> bytes;
};

// The ten examples of KMIP 1.x §9.1.2.
std::vector<vector_entry> spec_ttlv_examples();
// The 79 request/response messages of nlnetlabs-kmip-hex.
std::vector<vector_entry> nlnetlabs_messages();

struct captured_message {
  std::string file;
  std::size_t line = 0;  // line of the (first) log line holding it
  bool request = true;
  std::vector<std::uint8_t> bytes;
};
// Every request and response hex dump of a PyKMIP server debug log. PyKMIP logs a request as two
// "Request encoding" lines (the 8-byte header, then the rest); they are joined here.
std::vector<captured_message> capture_messages(const std::filesystem::path& log);
std::vector<std::filesystem::path> capture_logs();

std::string read_file(const std::filesystem::path& p);

}  // namespace kmiph::testdata
