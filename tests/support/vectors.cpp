#include "tests/support/vectors.hpp"

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "common/hex.hpp"

namespace kmiph::testdata {
namespace {

std::vector<std::uint8_t> hex_or_throw(const std::string& text, const std::string& where) {
  auto b = common::from_hex(text);
  if (!b) throw std::runtime_error(where + ": " + b.error().what);
  return std::move(*b);
}

}  // namespace

std::filesystem::path root() { return KMIPH_TESTDATA_DIR; }

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<vector_entry> spec_ttlv_examples() {
  std::istringstream in(read_file(root() / "oasis-kmip-spec-ttlv-examples/ttlv-9.1.2-examples.txt"));
  std::vector<vector_entry> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab1 = line.find('\t');
    const auto tab2 = line.find('\t', tab1 + 1);
    if (tab1 == std::string::npos || tab2 == std::string::npos) continue;
    out.push_back({line.substr(0, tab1), hex_or_throw(line.substr(tab1 + 1, tab2 - tab1 - 1), line.substr(0, tab1))});
  }
  return out;
}

std::vector<vector_entry> nlnetlabs_messages() {
  std::istringstream in(read_file(root() / "nlnetlabs-kmip-hex/kmip-usecase-testcase-ttlv.hex.txt"));
  std::vector<vector_entry> out;
  std::string name;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# name: ", 0) == 0) {
      name = line.substr(8);
    } else if (!line.empty() && line[0] != '#' && !name.empty()) {
      out.push_back({name, hex_or_throw(line, name)});
      name.clear();
    }
  }
  return out;
}

std::vector<std::filesystem::path> capture_logs() {
  const auto dir = root() / "captures/vcenter-7.0.3-pykmip";
  return {dir / "vmware-2.log", dir / "pykmip-vmware.log"};
}

std::vector<captured_message> capture_messages(const std::filesystem::path& log) {
  static const std::regex line_re(R"(- (?:kmip\.server\.session\.(\w+)) - DEBUG - (Request|Response) encoding: b'([0-9a-fA-F]*)')");
  std::istringstream in(read_file(log));
  std::vector<captured_message> out;
  // A request header line (8 bytes) waits, per session, for its body line.
  struct pending {
    std::string session;
    std::size_t line;
    std::vector<std::uint8_t> header;
  };
  std::vector<pending> waiting;
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    std::smatch m;
    if (!std::regex_search(line, m, line_re)) continue;
    const std::string session = m[1];
    const bool request = m[2] == "Request";
    auto bytes = hex_or_throw(m[3], log.filename().string() + ":" + std::to_string(n));
    if (!request) {
      out.push_back({log.filename().string(), n, false, std::move(bytes)});
      continue;
    }
    auto it = std::find_if(waiting.begin(), waiting.end(), [&](const pending& p) { return p.session == session; });
    if (it == waiting.end()) {
      if (bytes.size() != 8) throw std::runtime_error(log.string() + ":" + std::to_string(n) + ": request without header line");
      waiting.push_back({session, n, std::move(bytes)});
    } else {
      std::vector<std::uint8_t> whole = std::move(it->header);
      whole.insert(whole.end(), bytes.begin(), bytes.end());
      out.push_back({log.filename().string(), it->line, true, std::move(whole)});
      waiting.erase(it);
    }
  }
  return out;
}

}  // namespace kmiph::testdata
