// The renderers on a sample run full of hostile strings: JUnit is well-formed (read back with the project's
// strict XML reader) and carries the failing step and its evidence; JSON round-trips; HTML is self-contained,
// escaped, and has its charts; write_reports leaves exactly the three files.
#include "reports/report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kmip/encoding/xml_reader.hpp"
#include "reports/svg.hpp"
#include "reports/text.hpp"

namespace reports {
namespace {

namespace fs = std::filesystem;

const std::string hostile = std::string("<script>alert(\"x\" & 'y')</script> ]]> \x01\x02\x1b[31m tab\there\r\n") +
                            "bad utf-8: \xff\xfe \xc0\xaf \xed\xa0\x80 end";

run sample_run() {
  run r;
  r.tool = tool_kind::scenario;
  r.title = "scenarios/";
  r.started = std::chrono::system_clock::time_point(std::chrono::milliseconds(1714564800123));
  r.duration_s = 12.75;
  r.seed = 18446744073709551615ull;
  r.environment = {{"KMS", "embedded kmipd 127.0.0.1:5696"}, {"profile", "vcenter-7.0"}, {"note", hostile}};

  suite_result s;
  s.name = "revocation-kill-switch";
  case_result ok;
  ok.name = "power-on";
  ok.duration_s = 0.42;
  ok.steps = {{"encrypt_vm vm-1", verdict::pass, 0.12, "Create, 3 x AddAttribute, Get, Activate", {}},
              {"power_on vm-1", verdict::pass, 0.03, "", {}}};
  case_result bad;
  bad.name = "power-on refused as locked " + hostile;
  bad.verdict = verdict::fail;
  bad.duration_s = 1.5;
  bad.message = "expected vm_state locked, got powered_on";
  bad.steps = {{"revoke_key key of vm-1", verdict::pass, 0.02, "", {}},
               {"power_on vm-1", verdict::fail, 0.2, "expected vm_state locked, got powered_on\n" + hostile,
                {{"Get", "RequestMessage\n  Operation: Get\n  Unique Identifier: 1f3c <&>",
                  "ResponseMessage\n  Result Status: Success\n  " + hostile}}}};
  case_result warn;
  warn.name = "many keys with duplicate x-Name";
  warn.verdict = verdict::warn;
  warn.message = "Locate returned 3 keys for one name";
  warn.steps = {{"Locate", verdict::warn, 0.01, "3 objects", {{"Locate", "req", "resp"}}}};
  case_result skipped;
  skipped.name = "persistence across restart";
  skipped.verdict = verdict::skip;
  skipped.message = "needs --allow-restart";
  s.cases = {ok, bad, warn, skipped};
  r.suites.push_back(s);
  suite_result s2;
  s2.name = "scale-500-vms";
  s2.cases = {{"scale-500-vms", verdict::pass, 30.5, "500 power-ons at 211/s", {}}};
  r.suites.push_back(s2);

  chart lat;
  lat.title = "Latency percentiles (ms)";
  lat.kind = chart_kind::bar;
  lat.x_label = "percentile";
  lat.y_label = "ms";
  lat.categories = {"p50", "p90", "p99", "p99.9", "max"};
  lat.series = {{"get", {{0, 0.8}, {1, 1.4}, {2, 3.1}, {3, 7.9}, {4, 12.5}}},
                {"vcenter-power-on", {{0, 2.1}, {1, 3.3}, {2, 6.0}, {3, 11.2}, {4, 19.0}}}};
  chart rate;
  rate.title = "Operations per second over time";
  rate.x_label = "seconds";
  rate.y_label = "ops/s";
  rate.series.resize(2);
  rate.series[0].name = "power-ons";
  rate.series[1].name = "encryptions " + hostile;
  for (int i = 0; i <= 30; ++i) {
    rate.series[0].points.push_back({double(i), 180 + 30 * std::sin(i / 4.0)});
    rate.series[1].points.push_back({double(i), 90 + 10 * std::cos(i / 3.0)});
  }
  r.metrics = {lat, rate};
  return r;
}

// Reads a whole document with the strict reader; returns the error message, or "" when well-formed.
std::string read_all(std::string_view xml, std::vector<std::string>* starts = nullptr,
                     std::vector<std::string>* messages = nullptr) {
  kmip::encoding::xml_reader rd(xml, kmip::encoding::xml_limits{});
  kmip::encoding::xml_token tok;
  for (;;) {
    const auto r = rd.next(tok);
    if (!r) return r.error().message();
    if (tok.what == kmip::encoding::xml_token::kind::end_of_input) return "";
    if (tok.what == kmip::encoding::xml_token::kind::start) {
      if (starts) starts->emplace_back(tok.name);
      if (messages)
        if (const auto* a = tok.find("message")) messages->push_back(a->value);
    }
  }
}

// XML character data checked by hand (the strict reader takes no text content): no markup character, only
// the predefined references and &#13;, only XML 1.0 characters; returned with the text removed.
std::string strip_checked_text(const std::string& xml) {
  std::string out;
  std::size_t i = 0;
  while (i < xml.size()) {
    const auto lt = xml.find('<', i);
    const std::string_view run = std::string_view(xml).substr(i, (lt == std::string::npos ? xml.size() : lt) - i);
    const bool element_content = !out.empty() && out.back() == '>' && out.size() > 2 &&
                                 out[out.size() - 2] != '?';
    if (element_content) {
      for (std::size_t k = 0; k < run.size(); ++k) {
        const auto c = static_cast<unsigned char>(run[k]);
        EXPECT_FALSE(c < 0x20 && c != '\n' && c != '\t') << "control character in text at " << i + k;
        EXPECT_NE(c, '>') << "unescaped > in text";
        if (c == '&') {
          const auto semi = run.find(';', k);
          EXPECT_NE(semi, std::string_view::npos);
          if (semi == std::string_view::npos) break;
          const auto ref = run.substr(k, semi - k + 1);
          EXPECT_TRUE(ref == "&amp;" || ref == "&lt;" || ref == "&gt;" || ref == "&#13;") << ref;
        }
      }
      EXPECT_EQ(text::valid_utf8(run), run);
    } else {
      out += run;
    }
    if (lt == std::string::npos) break;
    const auto gt = xml.find('>', lt);
    out += xml.substr(lt, gt - lt + 1);
    i = gt + 1;
  }
  return out;
}

TEST(Text, ValidUtf8ReplacesEachBadByte) {
  EXPECT_EQ(text::valid_utf8("a\xff" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(text::valid_utf8("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");      // overlong '/'
  EXPECT_EQ(text::valid_utf8("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(text::valid_utf8("\xe2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");      // truncated
  EXPECT_EQ(text::valid_utf8("\xf4\x90\x80\x80").substr(0, 3), "\xEF\xBF\xBD");  // beyond U+10FFFF
  EXPECT_EQ(text::valid_utf8("h\xc3\xa9 \xf0\x9f\x94\x91"), "h\xc3\xa9 \xf0\x9f\x94\x91");
}

TEST(Text, XmlEscapes) {
  EXPECT_EQ(text::xml_attribute("a<b>&\"'\n\t\r\x01"), "a&lt;b&gt;&amp;&quot;&apos;&#10;&#9;&#13;\\x01");
  EXPECT_EQ(text::xml_text("a<b>&\"\n\r\x1f\xef\xbf\xbf"), "a&lt;b&gt;&amp;\"\n&#13;\\x1f\xEF\xBF\xBD");
  EXPECT_EQ(text::html("<a href='x'>"), "&lt;a href=&#39;x&#39;&gt;");
  EXPECT_EQ(text::number(0.1250), "0.125");
  EXPECT_EQ(text::number(12.0), "12");
}

TEST(Junit, AttributeOnlyFormIsWellFormedAndCarriesHostileStrings) {
  const auto r = sample_run();
  junit_options o;
  o.text_bodies = false;
  const std::string xml = render_junit(r, o);
  std::vector<std::string> starts, messages;
  EXPECT_EQ(read_all(xml, &starts, &messages), "") << xml;
  EXPECT_EQ(std::count(starts.begin(), starts.end(), "testcase"), 5);
  EXPECT_EQ(std::count(starts.begin(), starts.end(), "failure"), 1);
  EXPECT_EQ(std::count(starts.begin(), starts.end(), "skipped"), 1);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], "expected vm_state locked, got powered_on [step 'power_on vm-1']");
  // The environment's hostile note came through the reader as sanitized text: tab, CR, LF kept.
  EXPECT_NE(xml.find("tab&#9;here&#13;&#10;"), std::string::npos);
  EXPECT_NE(xml.find("\\x01\\x02\\x1b[31m"), std::string::npos);
}

TEST(Junit, WithTextBodiesIsWellFormed) {
  const auto r = sample_run();
  const std::string xml = render_junit(r);
  std::vector<std::string> starts;
  EXPECT_EQ(read_all(strip_checked_text(xml), &starts), "");
  EXPECT_EQ(std::count(starts.begin(), starts.end(), "testcase"), 5);
  EXPECT_EQ(std::count(starts.begin(), starts.end(), "system-out"), 2);  // the passing and warning cases with steps
  // The failure names its step and shows the decoded KMIP exchange.
  const auto f = xml.find("<failure");
  ASSERT_NE(f, std::string::npos);
  const auto body = xml.substr(f, xml.find("</failure>") - f);
  EXPECT_NE(body.find("fail at step 'power_on vm-1'"), std::string::npos);
  EXPECT_NE(body.find("--- Get ---\nrequest:\nRequestMessage\n  Operation: Get\n  Unique Identifier: 1f3c &lt;&amp;&gt;"),
            std::string::npos);
  EXPECT_NE(xml.find("testsuites name=\"kmip-harness scenario: scenarios/\" tests=\"5\" failures=\"1\" errors=\"0\" "
                     "skipped=\"1\" time=\"12.75\" timestamp=\"2024-05-01T12:00:00\""),
            std::string::npos)
      << xml.substr(0, 300);
}

TEST(Junit, StrictTurnsWarningsIntoFailures) {
  junit_options o;
  o.warn_as_failure = true;
  const std::string xml = render_junit(sample_run(), o);
  EXPECT_NE(xml.find("failures=\"2\""), std::string::npos);
  EXPECT_NE(xml.find("type=\"warn\""), std::string::npos);
}

TEST(Json, RoundTrip) {
  run r = sample_run();
  // Valid UTF-8 (control characters included) round-trips exactly.
  for (auto& s : r.suites)
    for (auto& c : s.cases) {
      c.name = text::valid_utf8(c.name);
      for (auto& st : c.steps) {
        st.detail = text::valid_utf8(st.detail);
        for (auto& e : st.evidence) e.response = text::valid_utf8(e.response);
      }
    }
  r.environment[2].second = text::valid_utf8(r.environment[2].second);
  r.metrics[1].series[1].name = text::valid_utf8(r.metrics[1].series[1].name);
  const std::string j = render_json(r);
  EXPECT_NE(j.find("\"format_version\": 1"), std::string::npos);
  EXPECT_NE(j.find("\"seed\": 18446744073709551615"), std::string::npos);
  const auto back = parse_json(j);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(render_json(*back), j);
  EXPECT_EQ(back->started, r.started);
  EXPECT_EQ(back->seed, r.seed);
  EXPECT_EQ(back->suites[0].cases[1].steps[1].evidence[0].response, r.suites[0].cases[1].steps[1].evidence[0].response);
  EXPECT_EQ(back->suites[0].cases[1].name, r.suites[0].cases[1].name);
  EXPECT_EQ(back->metrics[0].categories[3], "p99.9");
  EXPECT_EQ(back->metrics[1].series[0].points[5].y, r.metrics[1].series[0].points[5].y);
}

TEST(Json, InvalidUtf8BecomesReplacementCharacters) {
  const auto j = render_json(sample_run());
  const auto back = parse_json(j);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->environment[2].second, text::valid_utf8(hostile));
}

TEST(Json, ReaderNamesWhatIsWrong) {
  EXPECT_EQ(parse_json("{\"format_version\": 2}").error(), "/format_version: unsupported; this reader knows 1");
  auto j = render_json(sample_run());
  j.replace(j.find("\"verdict\": \"fail\"", j.find("\"suites\"")), 17, "\"verdict\": \"oops\"");
  EXPECT_EQ(parse_json(j).error(), "/suites/0/cases/1/verdict: expected pass, fail, warn or skip");
  EXPECT_FALSE(parse_json("not json").has_value());
}

TEST(Html, SelfContainedEscapedWithCharts) {
  const std::string page = render_html(sample_run());
  for (const char* banned : {"http://", "https://", " src=", "href=", "url(", "@import", "<link", "<script", "//cdn"})
    EXPECT_EQ(page.find(banned), std::string::npos) << banned;
  EXPECT_NE(page.find("&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("\\x01\\x02\\x1b"), std::string::npos);
  EXPECT_EQ(text::valid_utf8(page), page);
  // Two charts: grouped bars and two lines.
  std::size_t svgs = 0;
  for (auto p = page.find("<svg"); p != std::string::npos; p = page.find("<svg", p + 1)) ++svgs;
  EXPECT_EQ(svgs, 2u);
  EXPECT_NE(page.find("<polyline"), std::string::npos);
  EXPECT_NE(page.find("<title>get p99: 3.1</title>"), std::string::npos);
  // The failed case is open, with its evidence open too.
  EXPECT_NE(page.find("<details class=\"case\" open>"), std::string::npos);
  EXPECT_NE(page.find("<details class=\"evidence\" open><summary>KMIP exchange: Get"), std::string::npos);
  EXPECT_NE(page.find("Unique Identifier: 1f3c &lt;&amp;&gt;"), std::string::npos);
}

TEST(Svg, NiceTicks) {
  EXPECT_EQ(svg::nice_ticks(0, 19), (std::vector<double>{0, 5, 10, 15, 20}));
  EXPECT_EQ(svg::nice_ticks(0, 1), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  EXPECT_EQ(svg::nice_ticks(5, 5).size(), 6u);
  chart empty;
  empty.title = "nothing";
  EXPECT_EQ(svg::render_chart(empty), "<p class=\"muted\">nothing: no data</p>\n");
}

TEST(Write, ThreeFilesAndNothingElse) {
  const fs::path dir = fs::path(::testing::TempDir()) / "kmiph-reports-test";
  fs::remove_all(dir);
  const auto r = sample_run();
  ASSERT_TRUE(write_reports(r, dir).has_value());
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"junit.xml", "report.html", "report.json"}));
  std::ifstream in(dir / "report.json");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), render_json(r));
  // Keep a copy to look at when asked (KMIPH_REPORT_SAMPLE_DIR=/tmp).
  if (const char* keep = std::getenv("KMIPH_REPORT_SAMPLE_DIR")) {
    EXPECT_TRUE(write_reports(r, keep).has_value());
  }
  EXPECT_FALSE(write_reports(r, "/proc/kmiph-no-such-dir").has_value());
}

}  // namespace
}  // namespace reports
