// `kmip-harness ttlv decode|encode` (docs/ttlv-cli.md): reads one message from a file or standard input,
// bounded by --max-size, and converts it between binary TTLV, hex, the readable tree, KMIP JSON and KMIP XML.
#include "tools/ttlv_command.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "common/hex.hpp"
#include "kmip/encoding/json.hpp"
#include "kmip/encoding/xml.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/text.hpp"
#include "kmip/ttlv/writer.hpp"

namespace kmiph::tools {
namespace {

namespace encoding = kmip::encoding;
namespace ttlv = kmip::ttlv;

constexpr std::size_t default_max_size = std::size_t{1} << 20;
// Text forms are larger than the message they carry: hex with separators about 3 bytes per byte, XML and
// JSON up to about 10. Text input may be this many times --max-size.
constexpr std::size_t text_factor = 16;

struct decode_options {
  std::string file = "-";
  std::string in = "auto";
  std::string out = "text";
  bool show_key_material = false;
  std::size_t max_size = default_max_size;
};

struct encode_options {
  std::string file = "-";
  std::string in = "auto";
  std::string out = "hex";
  std::size_t max_size = default_max_size;
};

std::string display_name(const std::string& file) { return file == "-" ? "<stdin>" : file; }

// Prints "kmip-harness: WHERE: WHAT" on stderr and returns exit_bad_input.
int bad_input(const std::string& where, const std::string& what) {
  std::cerr << "kmip-harness: " << where << ": " << what << "\n";
  return exit_bad_input;
}

// All of `file` ("-": standard input), or an error once it exceeds `limit` bytes.
common::expected<std::string, std::string> read_input(const std::string& file, std::size_t limit) {
  std::ifstream stream;
  std::istream* in = &std::cin;
  if (file != "-") {
    stream.open(file, std::ios::binary);
    if (!stream) return common::unexpected{std::string("cannot open the file")};
    in = &stream;
  }
  std::string data;
  char buffer[1 << 16];
  // Each pass reads up to one buffer; the limit ends the loop for endless input.
  while (*in) {
    in->read(buffer, sizeof buffer);
    data.append(buffer, static_cast<std::size_t>(in->gcount()));
    if (data.size() > limit)
      return common::unexpected{"input larger than " + std::to_string(limit) + " bytes (" +
                                std::to_string(text_factor) + " x --max-size)"};
  }
  if (in->bad()) return common::unexpected{std::string("read error")};
  return data;
}

bool is_hex_text(std::string_view text) {
  bool digits = false;
  for (char c : text) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    digits = digits || hex;
    if (!hex && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '|' && c != ':' && c != '_' && c != 'x')
      return false;
  }
  return digits;
}

// ---- decode -------------------------------------------------------------------------------------------

// The message bytes of the input: raw, or from hex (spaces, newlines, '|' allowed).
common::expected<std::vector<std::uint8_t>, std::string> message_bytes(const std::string& text, const std::string& in) {
  const bool hex = in == "hex" || (in == "auto" && is_hex_text(text));
  if (!hex) return std::vector<std::uint8_t>(text.begin(), text.end());
  auto bytes = common::from_hex(text);
  if (!bytes) {
    const auto p = encoding::position_of(text, bytes.error().offset);
    return common::unexpected{std::to_string(p.line) + ":" + std::to_string(p.column) +
                              ": bad hex: " + bytes.error().what};
  }
  return std::move(*bytes);
}

std::string render(const ttlv::tree& t, std::span<const std::uint8_t> bytes, const decode_options& o) {
  const bool redact = !o.show_key_material;
  if (o.out == "json") return encoding::to_json(t.root(), {.indent = 2, .redact_key_material = redact});
  if (o.out == "xml") return encoding::to_xml(t.root(), {.indent = 2, .redact_key_material = redact});
  if (o.out == "hex") return common::to_hex_upper(bytes) + "\n";
  return ttlv::to_text(t.root(), {.redact_key_material = redact});
}

int run_decode(const decode_options& o) {
  const std::string where = display_name(o.file);
  auto text = read_input(o.file, o.max_size * text_factor);
  if (!text) return bad_input(where, text.error());
  auto bytes = message_bytes(*text, o.in);
  if (!bytes) return bad_input(where, bytes.error());
  ttlv::decode_limits limits;
  limits.max_message_size = o.max_size;
  limits.max_string_length = o.max_size;
  auto t = ttlv::decode(*bytes, limits);
  if (!t) return bad_input(where, t.error().message() + " (of the " + std::to_string(bytes->size()) + "-byte message)");
  std::cout << render(*t, *bytes, o) << std::flush;
  return exit_ok;
}

// ---- encode -------------------------------------------------------------------------------------------

std::string input_format(std::string_view text, const std::string& in) {
  if (in != "auto") return in;
  const auto first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first != std::string_view::npos && text[first] == '<') return "xml";
  if (first != std::string_view::npos && text[first] == '{') return "json";
  return {};
}

int run_encode(const encode_options& o) {
  const std::string where = display_name(o.file);
  auto text = read_input(o.file, o.max_size * text_factor);
  if (!text) return bad_input(where, text.error());
  const std::string format = input_format(*text, o.in);
  if (format.empty()) return bad_input(where, "neither XML ('<') nor JSON ('{'); say which with --in");
  encoding::read_limits limits;
  limits.max_input_size = o.max_size * text_factor;
  limits.max_value_length = o.max_size;
  auto t = format == "xml" ? encoding::from_xml(*text, limits) : encoding::from_json(*text, limits);
  if (!t) return bad_input(where, t.error().message());
  auto bytes = ttlv::encode(*t);
  if (!bytes) return bad_input(where, "cannot encode: " + bytes.error().message());
  if (bytes->size() > o.max_size)
    return bad_input(where, "the message is " + std::to_string(bytes->size()) + " bytes, over --max-size " +
                                std::to_string(o.max_size));
  if (o.out == "bin")
    std::cout.write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
  else
    std::cout << common::to_hex_upper(*bytes) << "\n";
  std::cout << std::flush;
  return exit_ok;
}

// ---- command line -------------------------------------------------------------------------------------

std::string existing_file_or_stdin(const std::string& path) {
  if (path == "-" || std::filesystem::is_regular_file(path)) return {};
  return "no such file: " + path;
}

void add_input_options(CLI::App& command, std::string& file, std::size_t& max_size) {
  command.add_option("FILE", file, "input file, or - for standard input (the default)")
      ->check(existing_file_or_stdin, "FILE");
  command.add_option("--max-size", max_size, "largest message in bytes (text input may be 16 times larger)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
}

}  // namespace

void add_ttlv_command(CLI::App& app, action& chosen) {
  auto* ttlv_app = app.add_subcommand("ttlv", "Convert KMIP messages: binary TTLV, hex, text, KMIP JSON and XML");
  ttlv_app->require_subcommand(1);

  auto decode = std::make_shared<decode_options>();
  auto* d = ttlv_app->add_subcommand("decode", "binary TTLV or hex -> readable text, KMIP JSON, KMIP XML or hex");
  add_input_options(*d, decode->file, decode->max_size);
  d->add_option("--in", decode->in, "input format; auto takes hex when the input is only hex digits and separators")
      ->capture_default_str()
      ->check(CLI::IsMember({"hex", "bin", "auto"}));
  d->add_option("--out", decode->out, "output format")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json", "xml", "hex"}));
  d->add_flag("--show-key-material", decode->show_key_material,
              "print Key Material values and, in text, credential Passwords (redacted by default; JSON and XML "
              "then carry $KEY_MATERIAL)");
  d->callback([decode, &chosen] { chosen = [decode] { return run_decode(*decode); }; });

  auto encode = std::make_shared<encode_options>();
  auto* e = ttlv_app->add_subcommand("encode", "KMIP XML or JSON -> binary TTLV or hex");
  add_input_options(*e, encode->file, encode->max_size);
  e->add_option("--in", encode->in, "input format; auto looks at the first character")
      ->capture_default_str()
      ->check(CLI::IsMember({"json", "xml", "auto"}));
  e->add_option("--out", encode->out, "output format")->capture_default_str()->check(CLI::IsMember({"hex", "bin"}));
  e->callback([encode, &chosen] { chosen = [encode] { return run_encode(*encode); }; });
}

}  // namespace kmiph::tools
