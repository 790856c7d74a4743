// Issue 8's acceptance over real TLS: the two vCenter captures (PyKMIP server logs) replayed against Debian's
// PyKMIP server (the kind of server they were recorded with) and against the real kmipd process.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "common/random.hpp"
#include "kmip/traffic/importers.hpp"
#include "kmip/traffic/record_proxy.hpp"
#include "kmip/traffic/replay.hpp"
#include "kmip/traffic/tls_connector.hpp"
#include "tests/kmipd/kmipd_process.hpp"
#include "tests/pki/pki.hpp"
#include "tests/support/pykmip_server.hpp"
#include "vcenter_sim/key_provider.hpp"
#include "vcenter_sim/vcenter.hpp"

namespace kmip::traffic {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path captures = KMIPH_TESTDATA_DIR "/captures/vcenter-7.0.3-pykmip";

void print(const replay_result& r) {
  for (const auto& c : r.connections)
    for (const auto& e : c.exchanges) {
      if (!e.error.empty())
        std::printf("conn %llu #%zu %s: ERROR %s\n", static_cast<unsigned long long>(c.connection), e.index,
                    e.title.c_str(), e.error.c_str());
      for (const auto& d : e.differences)
        std::printf("conn %llu #%zu %s: %s: recorded %s, replayed %s [%s: %s]\n",
                    static_cast<unsigned long long>(c.connection), e.index, e.title.c_str(), d.path.c_str(),
                    d.recorded.c_str(), d.replayed.c_str(), std::string(to_string(d.cls)).c_str(), d.why.c_str());
    }
  auto s = r.summarize();
  std::printf("exchanges %zu: identical %zu, harmless %zu, vcenter-visible %zu, breaking %zu\n", s.exchanges,
              s.identical, s.harmless, s.vcenter_visible, s.breaking);
}

// Every difference is either masked away or an improvement; nothing breaks; every exchange was made.
void expect_only_improvements(const replay_result& r, std::size_t exchanges) {
  auto s = r.summarize();
  EXPECT_EQ(s.exchanges, exchanges);
  EXPECT_EQ(s.breaking, 0u);
  for (const auto& c : r.connections)
    for (const auto& e : c.exchanges) {
      EXPECT_TRUE(e.error.empty()) << e.error;
      for (const auto& d : e.differences) {
        if (d.cls != difference_class::harmless) {
          EXPECT_NE(d.why.find("improvement"), std::string::npos) << d.path << ": " << d.why;
        }
      }
    }
}

TEST(ReplayCaptures, AgainstKmipdOverTlsOnlyImprovementsDiffer) {
  auto kmipd = tests::kmipd::kmipd_process::create();
  ASSERT_TRUE(kmipd) << kmipd.error();
  auto failure = (*kmipd)->start();
  ASSERT_FALSE(failure) << *failure;
  for (const char* name : {"vmware-2.log", "pykmip-vmware.log"}) {
    auto log = import_pykmip_log(captures / name);
    ASSERT_TRUE(log) << log.error();
    auto r = replay(log->frames, tls_connector(tests::kmipd::client_options(**kmipd)), {});
    std::printf("%s against kmipd:\n", name);
    print(r);
    expect_only_improvements(r, log->frames.size() / 2);
  }
}

// --timing paces requests by the recorded gaps. The wait is injected, so the test checks the requested delays
// themselves (each request's offset from the first frame, in recorded order) without timing anything by the clock.
TEST(ReplayCaptures, TimingWaitsForEachRequestAtItsRecordedOffset) {
  auto kmipd = tests::kmipd::kmipd_process::create();
  ASSERT_TRUE(kmipd) << kmipd.error();
  auto failure = (*kmipd)->start();
  ASSERT_FALSE(failure) << *failure;
  auto log = import_pykmip_log(captures / "vmware-2.log");
  ASSERT_TRUE(log) << log.error();
  std::int64_t first = log->frames.front().time_us;
  for (const auto& f : log->frames) first = std::min(first, f.time_us);
  std::vector<std::chrono::microseconds> expected;
  for (const auto& f : log->frames)
    if (f.direction == direction::request) expected.emplace_back(f.time_us - first);
  std::stable_sort(expected.begin(), expected.end());
  ASSERT_GT(expected.back(), expected.front()) << "the capture needs gaps between requests for this test to mean anything";

  std::vector<std::chrono::microseconds> requested;
  replay_options o;
  o.serial = true;
  o.timing = true;
  o.wait_until_offset = [&](std::chrono::microseconds offset) { requested.push_back(offset); };
  auto r = replay(log->frames, tls_connector(tests::kmipd::client_options(**kmipd)), o);
  EXPECT_EQ(requested, expected);
  expect_only_improvements(r, log->frames.size() / 2);

  requested.clear();
  o.timing = false;  // without --timing nothing waits
  replay(log->frames, tls_connector(tests::kmipd::client_options(**kmipd)), o);
  EXPECT_TRUE(requested.empty());
}

TEST(ReplayCaptures, AgainstPyKmipReproducesTheRecordedResponses) {
  auto dir = tests::pki::temp_dir::create("kmip-replay-pykmip");
  ASSERT_TRUE(dir) << dir.error();
  auto pki = tests::pki::generate(dir->path() / "pki", tests::pki::key_type::ec_p256);
  ASSERT_TRUE(pki) << pki.error();
  tests::pykmip::server server;
  auto failure = server.start_with_retries(*pki, dir->path(), 30s);
  ASSERT_FALSE(failure) << *failure;
  kmip::client::connection_options o;
  o.host = "127.0.0.1";
  o.port = server.port();
  o.tls.ca_files.push_back(pki->ca_cert.string());
  o.tls.cert_file = pki->client_cert.string();
  o.tls.key_file = pki->client_key.string();
  o.tls.protocol.max_version = net::tls_version::v1_2;  // PyKMIP's TLS 1.2 authentication suite
  o.connect_timeout = 10s;
  o.io_timeout = 10s;
  for (const char* name : {"vmware-2.log", "pykmip-vmware.log"}) {
    auto log = import_pykmip_log(captures / name);
    ASSERT_TRUE(log) << log.error();
    replay_options serial;
    serial.serial = true;
    auto r = replay(log->frames, tls_connector(o), serial);
    std::printf("%s against PyKMIP:\n", name);
    print(r);
    auto s = r.summarize();
    EXPECT_EQ(s.exchanges, log->frames.size() / 2) << name;
    EXPECT_EQ(s.breaking, 0u) << name;
    EXPECT_EQ(s.vcenter_visible, 0u) << name;
  }
  if (HasFailure()) std::fputs(server.logs().c_str(), stderr);
}

// Recording fidelity: the simulated vCenter encrypts a VM, powers it on, reboots its host and powers it on again
// through the recording proxy in front of kmipd; the trace, replayed against a fresh kmipd, shows nothing that
// breaks and nothing unexplained.
TEST(RecordProxy, VcenterTrafficRecordedThenReplayedAgainstAFreshKmipd) {
  auto recorded_kms = tests::kmipd::kmipd_process::create();
  ASSERT_TRUE(recorded_kms) << recorded_kms.error();
  auto failure = (*recorded_kms)->start();
  ASSERT_FALSE(failure) << *failure;
  const auto& pki = (*recorded_kms)->pki();
  auto dir = tests::pki::temp_dir::create("kmip-record");
  ASSERT_TRUE(dir) << dir.error();
  const auto trace_file = dir->path() / "vcenter.trace";

  trace_writer writer;
  ASSERT_TRUE(writer.open(trace_file));
  proxy_options po;
  po.listener_tls.cert_file = pki.server_cert.string();
  po.listener_tls.key_file = pki.server_key.string();
  po.listener_tls.client_ca_files.push_back(pki.ca_cert.string());
  po.upstream = tests::kmipd::client_options(**recorded_kms);
  auto proxy = record_proxy::start(po, writer);
  ASSERT_TRUE(proxy) << proxy.error();
  {
    vcenter_sim::key_provider_options kp;
    kp.servers.push_back({"kms-a", "127.0.0.1", (*proxy)->port()});
    kp.tls.ca_files.push_back(pki.ca_cert.string());
    kp.tls.cert_file = pki.client_cert.string();
    kp.tls.key_file = pki.client_key.string();
    vcenter_sim::key_provider provider(kp);
    common::seeded_random random(7);
    std::filesystem::create_directories(dir->path() / "datastore");
    vcenter_sim::vcenter vc(provider, random, {dir->path() / "datastore"});
    auto added = vc.add_kms();
    ASSERT_TRUE(added) << added.error().to_string();
    vc.add_host("esx-1");
    auto made = vc.create_encrypted_vm("esx-1", {"vm1", {1u << 16}, 4096, 1u << 16, {}});
    ASSERT_TRUE(made) << made.error().to_string();
    ASSERT_TRUE(vc.power_on("vm1"));
    ASSERT_TRUE(vc.power_off("vm1"));
    ASSERT_TRUE(vc.reboot_host("esx-1"));
    auto again = vc.power_on("vm1");
    ASSERT_TRUE(again) << again.error().to_string();
  }
  (*proxy)->stop();
  writer.close();
  EXPECT_EQ(std::filesystem::status(trace_file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  auto frames = read_trace(trace_file);
  ASSERT_TRUE(frames) << frames.error();
  ASSERT_EQ(frames->size(), (*proxy)->frames());
  ASSERT_GE(frames->size(), 10u);
  for (const auto& f : *frames) {
    EXPECT_EQ(f.tls.client_subject.find("CN=kmip-client") != std::string::npos, true) << f.tls.client_subject;
    EXPECT_FALSE(f.tls.cipher.empty());
    EXPECT_TRUE(f.summary.error.empty()) << f.summary.error;
  }

  auto fresh = tests::kmipd::kmipd_process::create();
  ASSERT_TRUE(fresh) << fresh.error();
  failure = (*fresh)->start();
  ASSERT_FALSE(failure) << *failure;
  auto r = replay(*frames, tls_connector(tests::kmipd::client_options(**fresh)), {});
  print(r);
  auto s = r.summarize();
  EXPECT_EQ(s.exchanges, frames->size() / 2);
  EXPECT_EQ(s.breaking, 0u);
  EXPECT_EQ(s.vcenter_visible, 0u);
}

// kmipd's record_trace switch: kmipd writes its own traffic; the trace replays identically against a fresh kmipd.
TEST(KmipdRecordSwitch, KmipdRecordsItsOwnTraffic) {
  tests::kmipd::process_options po;
  po.kmipd_settings.push_back("record_trace = \"own.trace\"");
  auto kms = tests::kmipd::kmipd_process::create(po);
  ASSERT_TRUE(kms) << kms.error();
  auto failure = (*kms)->start();
  ASSERT_FALSE(failure) << *failure;
  auto log = import_pykmip_log(captures / "vmware-2.log");
  ASSERT_TRUE(log) << log.error();
  auto played = replay(log->frames, tls_connector(tests::kmipd::client_options(**kms)), {});
  EXPECT_EQ(played.summarize().breaking, 0u);
  (*kms)->stop();
  const auto file = (*kms)->dir() / "own.trace";
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto own = read_trace(file);
  ASSERT_TRUE(own) << own.error();
  EXPECT_EQ(own->size(), log->frames.size());
  for (const auto& f : *own) EXPECT_NE(f.tls.client_subject.find("CN=kmip-client"), std::string::npos);

  auto fresh = tests::kmipd::kmipd_process::create();
  ASSERT_TRUE(fresh) << fresh.error();
  failure = (*fresh)->start();
  ASSERT_FALSE(failure) << *failure;
  auto r = replay(*own, tls_connector(tests::kmipd::client_options(**fresh)), {});
  print(r);
  auto s = r.summarize();
  EXPECT_EQ(s.exchanges, own->size() / 2);
  EXPECT_EQ(s.identical, s.exchanges);
}

// ---- a pcap + key log, captured here with tshark, against what the proxy recorded -----------------------------

// tshark capturing loopback traffic of one port into a file, stopped with SIGINT. Root (or capture rights) needed;
// CI runs the tests as root. A missing tshark fails the test: scripts/install-deps.sh installs it.
class tshark_capture {
 public:
  std::optional<std::string> start(const std::filesystem::path& file, std::uint16_t port,
                                   const std::filesystem::path& log) {
    log_ = log;
    file_ = file;
    port_ = port;
    pid_ = ::fork();
    if (pid_ < 0) return std::string("fork failed");
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setpgid(0, 0);
      ::execlp("tshark", "tshark", "-n", "-i", "lo", "-f", ("tcp port " + std::to_string(port)).c_str(),
               "-w", file.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // "Capturing on" comes before the filter is active: capturing has begun once a probe connection is written.
    if (!grew_after_probe())
      return "tshark did not capture a probe connection within 30 s (is tshark installed, and may it capture on "
             "lo?): " + tests::kmipd::slurp(log);
    return std::nullopt;
  }
  // Probes once more and waits until tshark has seen it (so every earlier packet is captured), then SIGINT and up
  // to 10 s for tshark to finish the file; SIGKILL after that.
  bool stop() {
    if (pid_ <= 0) return false;
    const bool synced = grew_after_probe() && grew_after_probe();
    ::kill(pid_, SIGINT);
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return synced;
      }
      std::this_thread::sleep_for(50ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return false;
  }
  ~tshark_capture() { stop(); }

 private:
  // tshark writes its file every half second or so. Growth after a probe connection means that capturing has
  // begun (start), or, seen twice, that everything captured before the probes is in the file (stop). Bounded.
  bool grew_after_probe() {
    std::error_code ec;
    auto before = std::filesystem::exists(file_, ec) ? std::filesystem::file_size(file_, ec) : 0;
    for (int attempt = 0; attempt < 300; ++attempt) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(port_);
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      [[maybe_unused]] int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
      ::close(fd);
      std::this_thread::sleep_for(100ms);  // polling the file, bounded by the attempts
      const auto now = std::filesystem::exists(file_, ec) ? std::filesystem::file_size(file_, ec) : 0;
      if (before == 0) {
        before = now;  // the file has just appeared, holding its header: a probe's packets make it grow beyond
        continue;
      }
      if (now > before) return true;
    }
    return false;
  }

  std::filesystem::path file_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::filesystem::path log_;
};

// What the proxy's listener and our client negotiate for a capture: OpenSSL's default (TLS 1.3 with
// TLS_AES_256_GCM_SHA384), or TLS 1.2 with vCenter 7.0.3's AES128-SHA256 (RSA key exchange: an RSA PKI).
enum class capture_tls { v1_3, v1_2_aes128_sha256 };

struct captured {
  std::unique_ptr<tests::kmipd::kmipd_process> kms;
  std::uint16_t port = 0;  // the proxy's, where the capture was taken
  std::filesystem::path file, keylog;
};

// vmware-2.log's conversation, played by our client (SSLKEYLOGFILE-style key log on) through the recording proxy in
// front of kmipd, captured with tshark on lo; the capture with its key log imports into the proxy's trace: the same
// frames, directions, bytes, peers, connection grouping and TLS facts, with nothing skipped.
void capture_then_import(capture_tls mode, captured& out) {
  tests::kmipd::process_options options;
  if (mode == capture_tls::v1_2_aes128_sha256) options.key = tests::pki::key_type::rsa_2048;
  auto kms = tests::kmipd::kmipd_process::create(options);
  ASSERT_TRUE(kms) << kms.error();
  out.kms = std::move(*kms);
  auto failure = out.kms->start();
  ASSERT_FALSE(failure) << *failure;
  const auto& pki = out.kms->pki();
  const auto dir = out.kms->dir();

  trace_writer writer;
  ASSERT_TRUE(writer.open(dir / "proxy.trace"));
  proxy_options po;
  po.listener_tls.cert_file = pki.server_cert.string();
  po.listener_tls.key_file = pki.server_key.string();
  po.listener_tls.client_ca_files.push_back(pki.ca_cert.string());
  if (mode == capture_tls::v1_2_aes128_sha256) po.listener_tls.protocol.allow_aes128_sha256 = true;
  po.upstream = tests::kmipd::client_options(*out.kms);
  auto proxy = record_proxy::start(po, writer);
  ASSERT_TRUE(proxy) << proxy.error();
  out.port = (*proxy)->port();
  out.file = dir / "capture.pcapng";
  out.keylog = dir / "keys.log";

  tshark_capture capture;
  auto started = capture.start(out.file, out.port, dir / "tshark.log");
  ASSERT_FALSE(started) << *started;

  auto log = import_pykmip_log(captures / "vmware-2.log");
  ASSERT_TRUE(log) << log.error();
  auto client = tests::kmipd::client_options(*out.kms);
  client.port = out.port;
  client.tls.keylog_file = out.keylog.string();
  if (mode == capture_tls::v1_2_aes128_sha256) {
    client.tls.protocol.max_version = net::tls_version::v1_2;
    client.tls.protocol.cipher_list = "AES128-SHA256";  // all vCenter 7.0.3 offered that was taken
  }
  replay_options serial;
  serial.serial = true;
  auto played = replay(log->frames, tls_connector(client), serial);
  EXPECT_EQ(played.summarize().breaking, 0u);
  ASSERT_TRUE(capture.stop());
  (*proxy)->stop();
  writer.close();

  auto recorded = read_trace(dir / "proxy.trace");
  ASSERT_TRUE(recorded) << recorded.error();
  ASSERT_FALSE(recorded->empty());
  // What the proxy saw (SSL_get_version, SSL_get_cipher_name, the verified client subject): the import must say the
  // same, and these are not empty, so equal facts cannot be two empty strings.
  const bool tls13 = mode == capture_tls::v1_3;
  for (const auto& f : *recorded) {
    EXPECT_EQ(f.tls.version, tls13 ? "TLSv1.3" : "TLSv1.2");
    EXPECT_EQ(f.tls.cipher, tls13 ? "TLS_AES_256_GCM_SHA384" : "AES128-SHA256");
    EXPECT_NE(f.tls.client_subject.find("CN=kmip-client"), std::string::npos) << f.tls.client_subject;
  }
  auto imported = import_pcap(out.file, out.keylog, out.port);
  ASSERT_TRUE(imported) << imported.error();
  for (const auto& s : imported->skipped) ADD_FAILURE() << "skipped: " << s;
  ASSERT_EQ(imported->frames.size(), recorded->size());
  std::map<std::uint64_t, std::uint64_t> connection_of;  // pcap stream -> proxy connection
  for (std::size_t i = 0; i < recorded->size(); ++i) {
    const auto& a = (*recorded)[i];
    const auto& b = imported->frames[i];
    EXPECT_EQ(a.direction, b.direction) << "frame " << i;
    EXPECT_TRUE(std::equal(a.message.begin(), a.message.end(), b.message.begin(), b.message.end())) << "frame " << i;
    auto [it, fresh] = connection_of.try_emplace(b.connection, a.connection);
    EXPECT_EQ(it->second, a.connection) << "frame " << i;
    EXPECT_EQ(a.peer, b.peer) << "frame " << i;
    EXPECT_EQ(a.tls.version, b.tls.version) << "frame " << i;
    EXPECT_EQ(a.tls.cipher, b.tls.cipher) << "frame " << i;
    EXPECT_EQ(a.tls.client_subject, b.tls.client_subject) << "frame " << i;
  }
  EXPECT_EQ(connection_of.size(), played.connections.size());
}

TEST(PcapImport, ACaptureWithItsKeyLogImportsIntoTheTraceTheProxyRecorded) {
  captured c;
  ASSERT_NO_FATAL_FAILURE(capture_then_import(capture_tls::v1_3, c));
  const auto dir = c.kms->dir();

  // Without the key log there is nothing to read: the error names the capture.
  auto no_keys = import_pcap(c.file, {}, c.port);
  ASSERT_FALSE(no_keys);
  EXPECT_NE(no_keys.error().find("capture.pcapng: no TLS key log"), std::string::npos) << no_keys.error();
  {
    std::ofstream wrong(dir / "wrong-keys.log");
    wrong << "CLIENT_RANDOM 00 00\n";
  }
  auto wrong = import_pcap(c.file, dir / "wrong-keys.log", c.port);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().find("capture.pcapng: nothing decrypted"), std::string::npos) << wrong.error();
  // The wrong port: no TLS there.
  auto elsewhere = import_pcap(c.file, c.keylog, static_cast<std::uint16_t>(c.port + 1));
  ASSERT_FALSE(elsewhere);
  EXPECT_NE(elsewhere.error().find("capture.pcapng: no TLS handshake (ServerHello) on TCP port " +
                                   std::to_string(c.port + 1)),
            std::string::npos)
      << elsewhere.error();
  // A key log without the client's TLS 1.3 handshake secret decrypts the messages but not the client's Certificate
  // (tshark needs the other secrets to follow the records): the client subject stays empty, and the import says so
  // once per connection.
  {
    std::ifstream in(c.keylog);
    std::ofstream out(dir / "traffic-keys.log");
    for (std::string line; std::getline(in, line);)
      if (!line.starts_with("CLIENT_HANDSHAKE_TRAFFIC_SECRET ")) out << line << "\n";
  }
  auto partial = import_pcap(c.file, dir / "traffic-keys.log", c.port);
  ASSERT_TRUE(partial) << partial.error();
  std::set<std::uint64_t> connections;
  for (const auto& f : partial->frames) {
    connections.insert(f.connection);
    EXPECT_EQ(f.tls.version, "TLSv1.3");
    EXPECT_EQ(f.tls.cipher, "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(f.tls.client_subject, "");
  }
  ASSERT_FALSE(connections.empty());
  EXPECT_EQ(partial->skipped.size(), connections.size());
  for (const auto& s : partial->skipped)
    EXPECT_NE(s.find("capture.pcapng: frame "), std::string::npos) << s;
  for (const auto& s : partial->skipped)
    EXPECT_NE(s.find(": TLS client subject (no client Certificate message"), std::string::npos) << s;
  // The capture cut in two: the error names the frame it ends in.
  const auto cut = dir / "cut.pcapng";
  {
    const auto whole = tests::kmipd::slurp(c.file);
    std::ofstream out(cut, std::ios::binary);
    out << whole.substr(0, whole.size() / 2);
  }
  auto truncated = import_pcap(cut, c.keylog, c.port);
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().find("cut.pcapng: frame "), std::string::npos) << truncated.error();
  EXPECT_NE(truncated.error().find("truncated"), std::string::npos) << truncated.error();
}

TEST(PcapImport, ATls12Aes128Sha256CaptureHasTheProxysTlsFacts) {
  captured c;
  ASSERT_NO_FATAL_FAILURE(capture_then_import(capture_tls::v1_2_aes128_sha256, c));
}

// ---- bad captures, written byte by byte (libpcap format: 24-byte file header, then per packet a 16-byte record
// header and an Ethernet + IPv4 + TCP packet; tshark checks no checksums by default) ------------------------------

std::string le32(std::uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
}
std::string be16(std::uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }

// One TCP segment 127.0.0.1:40000 -> 127.0.0.1:`port` carrying `payload`, at sequence number `seq`.
std::string pcap_packet(const std::string& payload, std::uint16_t port, std::uint32_t seq, std::uint32_t second) {
  std::string tcp = be16(40000) + be16(port) + be16(static_cast<std::uint16_t>(seq >> 16)) +
                    be16(static_cast<std::uint16_t>(seq)) + std::string(4, '\0') + "\x50\x18" + be16(65535) +
                    std::string(4, '\0');
  std::string ip = std::string("\x45\x00", 2) + be16(static_cast<std::uint16_t>(20 + tcp.size() + payload.size())) +
                   std::string("\x00\x00\x00\x00\x40\x06\x00\x00\x7f\x00\x00\x01\x7f\x00\x00\x01", 16);
  std::string packet = std::string(12, '\0') + "\x08" + std::string(1, '\0') + ip + tcp + payload;
  return le32(second) + le32(0) + le32(static_cast<std::uint32_t>(packet.size())) +
         le32(static_cast<std::uint32_t>(packet.size())) + packet;
}

std::string pcap_header() {
  return le32(0xa1b2c3d4) + std::string("\x02\x00\x04\x00", 4) + le32(0) + le32(0) + le32(65535) + le32(1);
}

TEST(PcapImport, PlainTcpOnThePortIsNoTlsHandshake) {
  auto dir = tests::pki::temp_dir::create("kmip-pcap-plain");
  ASSERT_TRUE(dir) << dir.error();
  const auto file = dir->path() / "plain.pcap";
  const auto keys = dir->path() / "keys.log";
  {
    // A KMIP request header in the clear, then more clear bytes: KMIP without TLS on port 5696.
    std::ofstream out(file, std::ios::binary);
    out << pcap_header()
        << pcap_packet(std::string("\x42\x00\x78\x01\x00\x00\x00\x20", 8) + std::string(32, '\0'), 5696, 1, 1)
        << pcap_packet("hello", 5696, 41, 2);
    std::ofstream(keys) << "CLIENT_RANDOM 00 00\n";
  }
  auto r = import_pcap(file, keys, 5696);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("plain.pcap: no TLS handshake (ServerHello) on TCP port 5696"), std::string::npos)
      << r.error();
}

TEST(PcapImport, ATruncatedCaptureNamesTheFrameItEndsIn) {
  auto dir = tests::pki::temp_dir::create("kmip-pcap-cut");
  ASSERT_TRUE(dir) << dir.error();
  const auto file = dir->path() / "cut.pcap";
  const auto keys = dir->path() / "keys.log";
  {
    std::ofstream out(file, std::ios::binary);
    const std::string second = pcap_packet("hello", 5696, 41, 2);
    out << pcap_header() << pcap_packet("hi", 5696, 1, 1) << second.substr(0, second.size() - 3);
    std::ofstream(keys) << "CLIENT_RANDOM 00 00\n";
  }
  auto r = import_pcap(file, keys, 5696);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("cut.pcap: frame 2: the capture is truncated"), std::string::npos) << r.error();
}

// ---- the command line, end to end ------------------------------------------------------------------------

struct cli_run {
  int status = -1;
  std::string output;
};

cli_run harness(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  std::vector<std::string> argv{tests::kmipd::harness_executable().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto out = dir / "harness.out";
  cli_run r;
  r.status = tests::kmipd::run_program(argv, out, 120s);
  r.output = tests::kmipd::slurp(out);
  return r;
}

class ReplayCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = tests::kmipd::kmipd_process::create();
    ASSERT_TRUE(k) << k.error();
    kmipd_ = std::move(*k);
    auto failure = kmipd_->start();
    ASSERT_FALSE(failure) << *failure;
  }
  std::vector<std::string> target() const {
    const auto& pki = kmipd_->pki();
    return {"--kms", "127.0.0.1:" + std::to_string(kmipd_->kmip_port()), "--ca", pki.ca_cert.string(), "--cert",
            pki.client_cert.string(), "--key", pki.client_key.string()};
  }
  std::unique_ptr<tests::kmipd::kmipd_process> kmipd_;
};

TEST_F(ReplayCli, ImportsALogThenReplaysTheTraceWithReports) {
  const auto dir = kmipd_->dir();
  const auto trace = dir / "vmware-2.trace";
  auto imported = harness({"record", "--import", (captures / "vmware-2.log").string(), "--out", trace.string()}, dir);
  ASSERT_EQ(imported.status, 0) << imported.output;
  EXPECT_NE(imported.output.find("116 frame(s)"), std::string::npos) << imported.output;

  std::vector<std::string> args{"replay", trace.string(), "--report-dir", (dir / "reports").string()};
  auto t = target();
  args.insert(args.end(), t.begin(), t.end());
  auto r = harness(args, dir);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("58 exchange(s): 54 identical, 0 harmless, 4 vcenter-visible, 0 breaking"),
            std::string::npos)
      << r.output;
  for (const char* f : {"junit.xml", "report.json", "report.html"})
    EXPECT_TRUE(std::filesystem::exists(dir / "reports" / f)) << f;
  EXPECT_NE(tests::kmipd::slurp(dir / "reports" / "report.json").find("\"replay\""), std::string::npos);
}

TEST_F(ReplayCli, RecordsLiveTrafficUntilSigterm) {
  const auto dir = kmipd_->dir();
  const auto& pki = kmipd_->pki();
  const auto ready = dir / "record.ready";
  const auto trace = dir / "live.trace";
  const std::vector<std::string> argv{tests::kmipd::harness_executable().string(), "record", "--listen",
                                      "127.0.0.1:0", "--upstream", "127.0.0.1:" + std::to_string(kmipd_->kmip_port()),
                                      "--ca", pki.ca_cert.string(), "--cert", pki.client_cert.string(), "--key",
                                      pki.client_key.string(), "--server-cert", pki.server_cert.string(),
                                      "--server-key", pki.server_key.string(), "--client-ca", pki.ca_cert.string(),
                                      "--out", trace.string(), "--ready-file", ready.string()};
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int fd = ::open((dir / "record.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  std::uint16_t port = 0;
  for (int i = 0; i < 200 && port == 0; ++i) {  // the ready file, polled with a bound
    const auto text = tests::kmipd::slurp(ready);
    if (!text.empty() && text.back() == '\n') port = static_cast<std::uint16_t>(std::stoi(text));
    else std::this_thread::sleep_for(50ms);
  }
  if (port == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    FAIL() << "record did not become ready: " << tests::kmipd::slurp(dir / "record.out");
  }
  auto log = import_pykmip_log(captures / "vmware-2.log");
  ASSERT_TRUE(log) << log.error();
  auto client = tests::kmipd::client_options(*kmipd_);
  client.port = port;
  auto played = replay(log->frames, tls_connector(client), {});
  EXPECT_EQ(played.summarize().breaking, 0u);
  ::kill(pid, SIGTERM);
  int status = -1;
  for (int i = 0; i < 200; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) break;
    std::this_thread::sleep_for(50ms);
    if (i == 199) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << tests::kmipd::slurp(dir / "record.out");
  auto frames = read_trace(trace);
  ASSERT_TRUE(frames) << frames.error();
  EXPECT_EQ(frames->size(), log->frames.size());
  EXPECT_NE(tests::kmipd::slurp(dir / "record.out").find("recorded 116 frame(s)"), std::string::npos)
      << tests::kmipd::slurp(dir / "record.out");
}

TEST_F(ReplayCli, RunsTheOasisSymmetricKeyCasesOverTls) {
  const std::filesystem::path root = KMIPH_TESTDATA_DIR "/cosmian-kmip";
  std::vector<std::string> args{"replay", "--oasis"};
  for (const auto& d : {root / "profiles-1.0-1.2-extracted/mandatory", root / "profiles/v1.4-os/mandatory"})
    for (const auto& e : std::filesystem::directory_iterator(d)) {
      const auto n = e.path().filename().string();
      if ((n.starts_with("SKLC-M-") || n.starts_with("SKFF-M-")) && (n.ends_with("-11.xml") || n.ends_with("-14.xml")))
        args.push_back(e.path().string());
    }
  ASSERT_EQ(args.size(), 32u);
  auto t = target();
  args.insert(args.end(), t.begin(), t.end());
  auto r = harness(args, kmipd_->dir());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("30 passed, 0 failed, 0 skipped of 30 test case(s)"), std::string::npos) << r.output;
}

TEST_F(ReplayCli, BadInputIsNamedWithFileAndLine) {
  const auto dir = kmipd_->dir();
  const auto bad = dir / "bad.trace";
  {
    std::ofstream out(bad);
    out << R"({"version":1,"connection":1,"direction":"request","time":"2025-01-01T00:00:00Z","ttlv":"42007801"})"
        << "\n{oops\n";
  }
  std::vector<std::string> args{"replay", bad.string()};
  auto t = target();
  args.insert(args.end(), t.begin(), t.end());
  auto r = harness(args, dir);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(bad.string() + ":2: not a JSON value"), std::string::npos) << r.output;

  const auto plain = dir / "info.log";
  {
    std::ofstream out(plain);
    out << "2025-03-31 12:09:25,427 - kmip.server - INFO - Starting server socket handler.\n";
  }
  args[1] = plain.string();
  r = harness(args, dir);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("info.log: no \"Request encoding\""), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kmip::traffic
