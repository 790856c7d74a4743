// `kmip-harness ttlv decode|encode` end to end: the built binary is run through the shell with files for
// standard input, output and error, and its output and exit status are checked for good and bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

const fs::path vectors = fs::path(KMIPH_TESTDATA_DIR) / "nlnetlabs-kmip-hex" / "kmip-usecase-testcase-ttlv.hex.txt";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

// The hex line of a named vector of the NLnet Labs file.
std::string vector_hex(std::string_view name) {
  std::istringstream in(slurp(vectors));
  bool found = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "# name: " + std::string(name))
      found = true;
    else if (found && !line.empty() && line[0] != '#')
      return line;
  }
  ADD_FAILURE() << "no vector " << name;
  return {};
}

// vCenter's first message on every connection: an empty Discover Versions, KMIP 1.1. Byte-identical to what
// vCenter 6.7 sent to a PyKMIP server (nlnetlabs-kmip-hex/README.md; PyKMIP issue 660).
std::string vcenter_discover_versions() {
  return vector_hex("kmip_1_1_testcase_16_1_time_0_discover_versions_no_versions_provided_request");
}

struct outcome {
  int status = -1;
  std::string out;
  std::string err;
};

class TtlvCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kmip-harness-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path file(std::string_view name, std::string_view content) {
    const auto p = dir_ / name;
    spit(p, content);
    return p;
  }

  // Runs `kmip-harness ARGS` with `input` on standard input.
  outcome run(const std::string& args, std::string_view input = {}) {
    const auto in = file("stdin", input);
    const auto out = dir_ / "stdout";
    const auto err = dir_ / "stderr";
    const std::string command =
        "'" KMIPH_HARNESS "' " + args + " < '" + in.string() + "' > '" + out.string() + "' 2> '" + err.string() + "'";
    const int raw = std::system(command.c_str());
    outcome o;
    o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    o.out = slurp(out);
    o.err = slurp(err);
    return o;
  }

  fs::path dir_;
};

TEST_F(TtlvCli, DecodesTheVcenterDiscoverVersionsAsText) {
  const auto hex = file("dv.hex", vcenter_discover_versions() + "\n");
  const auto r = run("ttlv decode '" + hex.string() + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "Request Message (Structure)\n"
            "  Request Header (Structure)\n"
            "    Protocol Version (Structure)\n"
            "      Protocol Version Major (Integer): 1\n"
            "      Protocol Version Minor (Integer): 1\n"
            "    Batch Count (Integer): 1\n"
            "  Batch Item (Structure)\n"
            "    Operation (Enumeration): Discover Versions\n"
            "    Request Payload (Structure)\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(TtlvCli, XmlAndJsonRoundTripThroughEncode) {
  const std::string hex = vcenter_discover_versions();
  const auto xml = run("ttlv decode --out xml -", hex);
  ASSERT_EQ(xml.status, 0) << xml.err;
  EXPECT_NE(xml.out.find("<Operation type=\"Enumeration\" value=\"DiscoverVersions\"/>"), std::string::npos);
  const auto from_xml = run("ttlv encode", xml.out);
  EXPECT_EQ(from_xml.status, 0) << from_xml.err;
  EXPECT_EQ(from_xml.out, hex + "\n");

  const auto json = run("ttlv decode --out json", hex);
  ASSERT_EQ(json.status, 0) << json.err;
  EXPECT_NE(json.out.find("{\"tag\":\"Operation\", \"type\":\"Enumeration\", \"value\":\"DiscoverVersions\"}"),
            std::string::npos);
  const auto from_json = run("ttlv encode --in json --out hex", json.out);
  EXPECT_EQ(from_json.status, 0) << from_json.err;
  EXPECT_EQ(from_json.out, hex + "\n");

  EXPECT_EQ(run("ttlv decode --out hex", hex).out, hex + "\n");
}

TEST_F(TtlvCli, BinaryInAndOut) {
  const std::string hex = vcenter_discover_versions();
  const auto bin = run("ttlv encode --out bin", run("ttlv decode --out xml", hex).out);
  ASSERT_EQ(bin.status, 0) << bin.err;
  EXPECT_EQ(bin.out.size(), 104u);
  const auto path = file("dv.bin", bin.out);
  EXPECT_EQ(run("ttlv decode --out hex '" + path.string() + "'").out, hex + "\n");  // auto: binary
  EXPECT_EQ(run("ttlv decode --in bin --out hex", bin.out).out, hex + "\n");
}

TEST_F(TtlvCli, HexMaySpanLinesWithSpacesAndBars) {
  const std::string hex = vcenter_discover_versions();
  std::string spaced = "42 00 78 | 01 | 00 00 00 60 |\n";
  spaced += hex.substr(16) + "\n";
  const auto r = run("ttlv decode --in hex --out hex", spaced);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, hex + "\n");
}

TEST_F(TtlvCli, KeyMaterialIsRedactedUnlessAsked) {
  const std::string hex = vector_hex("kmip_1_0_usecase_4_1_step_6_client_b_get_symmetric_key_response");
  const auto text = run("ttlv decode", hex);
  EXPECT_EQ(text.status, 0);
  EXPECT_NE(text.out.find("Key Material (Byte String): <16 bytes of key material, redacted>"), std::string::npos);
  EXPECT_EQ(text.out.find("EF7833AB"), std::string::npos);
  EXPECT_NE(run("ttlv decode --out xml", hex).out.find("<KeyMaterial type=\"ByteString\" value=\"$KEY_MATERIAL\"/>"),
            std::string::npos);
  EXPECT_NE(run("ttlv decode --out json", hex).out.find("\"value\":\"$KEY_MATERIAL\""), std::string::npos);
  const auto shown = run("ttlv decode --show-key-material", hex);
  EXPECT_NE(shown.out.find("Key Material (Byte String): EF7833AB15F5A1EE5874BC0D9BBC4BE7"), std::string::npos);
  const auto shown_xml = run("ttlv decode --out xml --show-key-material", hex);
  EXPECT_EQ(run("ttlv encode", shown_xml.out).out, hex + "\n");
}

TEST_F(TtlvCli, BadHexNamesTheCharacter) {
  const auto r = run("ttlv decode --in hex", "4200780\n1zz");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("<stdin>: 2:2: bad hex: "), std::string::npos) << r.err;
}

TEST_F(TtlvCli, TruncatedMessageNamesTheByteOffset) {
  const std::string hex = vcenter_discover_versions();
  const auto r = run("ttlv decode", hex.substr(0, hex.size() - 16));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("truncated at byte"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(of the 96-byte message)"), std::string::npos) << r.err;
}

TEST_F(TtlvCli, MaxSizeIsEnforcedAtItsEdge) {
  const std::string hex = vcenter_discover_versions();  // 104 bytes
  EXPECT_EQ(run("ttlv decode --max-size 104", hex).status, 0);
  const auto over = run("ttlv decode --max-size 103", hex);
  EXPECT_EQ(over.status, 2);
  EXPECT_NE(over.err.find("message too large"), std::string::npos) << over.err;
  const auto xml = run("ttlv decode --out xml", hex).out;
  EXPECT_EQ(run("ttlv encode --max-size 104", xml).status, 0);
  const auto encode_over = run("ttlv encode --max-size 103", xml);
  EXPECT_EQ(encode_over.status, 2);
  EXPECT_NE(encode_over.err.find("the message is 104 bytes, over --max-size 103"), std::string::npos);
  const auto huge = run("ttlv decode --max-size 16", std::string(257, '0'));
  EXPECT_EQ(huge.status, 2);
  EXPECT_NE(huge.err.find("input larger than 256 bytes"), std::string::npos) << huge.err;
}

TEST_F(TtlvCli, MalformedXmlAndJsonNameLineAndColumn) {
  const auto xml =
      run("ttlv encode", "<RequestMessage>\n  <BatchCount type=\"Integer\" value=\"1\">\n</RequestMessage>\n");
  EXPECT_EQ(xml.status, 2);
  EXPECT_EQ(xml.err,
            "kmip-harness: <stdin>: 3:1: end tag </RequestMessage> does not match <BatchCount> opened at 2:3\n");
  const auto tag = run("ttlv encode --in xml", "<RequestMessage>\n  <Bogus/>\n</RequestMessage>");
  EXPECT_EQ(tag.err, "kmip-harness: <stdin>: 2:4: unknown tag name 'Bogus'\n");
  const auto json = run("ttlv encode", "{\"tag\":\"RequestMessage\", \"value\":[\n  {\"tag\":\"Bogus\"}]}");
  EXPECT_EQ(json.status, 2);
  EXPECT_EQ(json.err, "kmip-harness: <stdin>: /value/0/tag: unknown tag name 'Bogus'\n");
  const auto syntax = run("ttlv encode", "{\"tag\":\n");
  EXPECT_EQ(syntax.status, 2);
  EXPECT_EQ(syntax.err.substr(0, 32), "kmip-harness: <stdin>: 2:1: JSON") << syntax.err;
  EXPECT_EQ(run("ttlv encode", "hello").status, 2);
}

TEST_F(TtlvCli, PlaceholdersCannotBeEncoded) {
  const auto r = run("ttlv encode", "<ResponseHeader><TimeStamp type=\"DateTime\" value=\"$NOW\"/></ResponseHeader>");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cannot encode: unresolved placeholder"), std::string::npos) << r.err;
}

TEST_F(TtlvCli, UsageErrorsExitOne) {
  EXPECT_EQ(run("").status, 1);
  EXPECT_EQ(run("ttlv").status, 1);
  EXPECT_EQ(run("ttlv decode --out yaml").status, 1);
  EXPECT_EQ(run("ttlv encode --in hex").status, 1);
  EXPECT_EQ(run("ttlv decode --bogus").status, 1);
  EXPECT_EQ(run("ttlv decode --max-size 0").status, 1);
  const auto missing = run("ttlv decode /nonexistent/file.hex");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("no such file: /nonexistent/file.hex"), std::string::npos) << missing.err;
  const auto help = run("ttlv decode --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--show-key-material"), std::string::npos);
}

}  // namespace
