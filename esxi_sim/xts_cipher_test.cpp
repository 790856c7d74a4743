// Known-answer tests for the XTS sector cipher: IEEE Std 1619-2007, Annex B, vectors 10-14 (XTS-AES-256,
// Key1 = digits of e, Key2 = digits of pi, 512-byte data unit 00 01 .. ff 00 01 .. ff, data unit sequence numbers
// ff, ffff, ffffff, ffffffff, ffffffffff).
#include "esxi_sim/xts_cipher.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "common/hex.hpp"

namespace esxi_sim {
namespace {

std::vector<std::uint8_t> hex(std::string_view s) { return *common::from_hex(s); }

const char* const key_hex =
    "27182818284590452353602874713526 62497757247093699959574966967627"   // Key1
    "31415926535897932384626433832795 02884197169399375105820974944592";  // Key2

struct vector_case {
  int number;                 // IEEE 1619-2007 Annex B vector number
  std::uint64_t data_unit;    // data unit sequence number (the tweak)
  const char* ciphertext;
};

const vector_case cases[] = {
    {10, 0xff,
     "1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b5d31e276f8fe4a8d66b317f9ac683f44"
     "680a86ac35adfc3345befecb4bb188fd5776926c49a3095eb108fd1098baec70aaa66999a72a82f27d848b21d4a741b0"
     "c5cd4d5fff9dac89aeba122961d03a757123e9870f8acf1000020887891429ca2a3e7a7d7df7b10355165c8b9a6d0a7d"
     "e8b062c4500dc4cd120c0f7418dae3d0b5781c34803fa75421c790dfe1de1834f280d7667b327f6c8cd7557e12ac3a0f"
     "93ec05c52e0493ef31a12d3d9260f79a289d6a379bc70c50841473d1a8cc81ec583e9645e07b8d9670655ba5bbcfecc6"
     "dc3966380ad8fecb17b6ba02469a020a84e18e8f84252070c13e9f1f289be54fbc481457778f616015e1327a02b140f1"
     "505eb309326d68378f8374595c849d84f4c333ec4423885143cb47bd71c5edae9be69a2ffeceb1bec9de244fbe15992b"
     "11b77c040f12bd8f6a975a44a0f90c29a9abc3d4d893927284c58754cce294529f8614dcd2aba991925fedc4ae74ffac"
     "6e333b93eb4aff0479da9a410e4450e0dd7ae4c6e2910900575da401fc07059f645e8b7e9bfdef33943054ff84011493"
     "c27b3429eaedb4ed5376441a77ed43851ad77f16f541dfd269d50d6a5f14fb0aab1cbb4c1550be97f7ab4066193c4caa"
     "773dad38014bd2092fa755c824bb5e54c4f36ffda9fcea70b9c6e693e148c151"},
    {11, 0xffff,
     "77a31251618a15e6b92d1d66dffe7b50b50bad552305ba0217a610688eff7e11e1d0225438e093242d6db274fde801d4"
     "cae06f2092c728b2478559df58e837c2469ee4a4fa794e4bbc7f39bc026e3cb72c33b0888f25b4acf56a2a9804f1ce6d"
     "3d6e1dc6ca181d4b546179d55544aa7760c40d06741539c7e3cd9d2f6650b2013fd0eeb8c2b8e3d8d240ccae2d4c9832"
     "0a7442e1c8d75a42d6e6cfa4c2eca1798d158c7aecdf82490f24bb9b38e108bcda12c3faf9a21141c3613b58367f922a"
     "aa26cd22f23d708dae699ad7cb40a8ad0b6e2784973dcb605684c08b8d6998c69aac049921871ebb65301a4619ca80ec"
     "b485a31d744223ce8ddc2394828d6a80470c092f5ba413c3378fa6054255c6f9df4495862bbb3287681f931b687c888a"
     "bf844dfc8fc28331e579928cd12bd2390ae123cf03818d14dedde5c0c24c8ab018bfca75ca096f2d531f3d1619e785f1"
     "ada437cab92e980558b3dce1474afb75bfedbf8ff54cb2618e0244c9ac0d3c66fb51598cd2db11f9be39791abe447c63"
     "094f7c453b7ff87cb5bb36b7c79efb0872d17058b83b15ab0866ad8a58656c5a7e20dbdf308b2461d97c0ec0024a2715"
     "055249cf3b478ddd4740de654f75ca686e0d7345c69ed50cdc2a8b332b1f8824108ac937eb050585608ee734097fc090"
     "54fbff89eeaeea791f4a7ab1f9868294a4f9e27b42af8100cb9d59cef9645803"},
    {12, 0xffffff,
     "e387aaa58ba483afa7e8eb469778317ecf4cf573aa9d4eac23f2cdf914e4e200a8b490e42ee646802dc6ee2b471b2781"
     "95d60918ececb44bf79966f83faba0499298ebc699c0c8634715a320bb4f075d622e74c8c932004f25b41e361025b5a8"
     "7815391f6108fc4afa6a05d9303c6ba68a128a55705d415985832fdeaae6c8e19110e84d1b1f199a2692119edc961326"
     "58f09da7c623efcec712537a3d94c0bf5d7e352ec94ae5797fdb377dc1551150721adf15bd26a8efc2fcaad56881fa9e"
     "62462c28f30ae1ceaca93c345cf243b73f542e2074a705bd2643bb9f7cc79bb6e7091ea6e232df0f9ad0d6cf50232787"
     "6d82207abf2115cdacf6d5a48f6c1879a65b115f0f8b3cb3c59d15dd8c769bc014795a1837f3901b5845eb491adfefe0"
     "97b1fa30a12fc1f65ba22905031539971a10f2f36c321bb51331cdefb39e3964c7ef079994f5b69b2edd83a71ef54997"
     "1ee93f44eac3938fcdd61d01fa71799da3a8091c4c48aa9ed263ff0749df95d44fef6a0bb578ec69456aa5408ae32c7a"
     "f08ad7ba8921287e3bbee31b767be06a0e705c864a769137df28292283ea81a2480241b44d9921cdbec1bc28dc1fda11"
     "4bd8e5217ac9d8ebafa720e9da4f9ace231cc949e5b96fe76ffc21063fddc83a6b8679c00d35e09576a875305bed5f36"
     "ed242c8900dd1fa965bc950dfce09b132263a1eef52dd6888c309f5a7d712826"},
    {13, 0xffffffff,
     "bf53d2dade78e822a4d949a9bc6766b01b06a8ef70d26748c6a7fc36d80ae4c5520f7c4ab0ac8544424fa405162fef5a"
     "6b7f229498063618d39f0003cb5fb8d1c86b643497da1ff945c8d3bedeca4f479702a7a735f043ddb1d6aaade3c4a0ac"
     "7ca7f3fa5279bef56f82cd7a2f38672e824814e10700300a055e1630b8f1cb0e919f5e942010a416e2bf48cb46993d3c"
     "b6a51c19bacf864785a00bc2ecff15d350875b246ed53e68be6f55bd7e05cfc2b2ed6432198a6444b6d8c247fab941f5"
     "69768b5c429366f1d3f00f0345b96123d56204c01c63b22ce78baf116e525ed90fdea39fa469494d3866c31e05f295ff"
     "21fea8d4e6e13d67e47ce722e9698a1c1048d68ebcde76b86fcf976eab8aa9790268b7068e017a8b9b749409514f1053"
     "027fd16c3786ea1bac5f15cb79711ee2abe82f5cf8b13ae73030ef5b9e4457e75d1304f988d62dd6fc4b94ed38ba831d"
     "a4b7634971b6cd8ec325d9c61c00f1df73627ed3745a5e8489f3a95c69639c32cd6e1d537a85f75cc844726e8a72fc00"
     "77ad22000f1d5078f6b866318c668f1ad03d5a5fced5219f2eabbd0aa5c0f460d183f04404a0d6f469558e81fab24a16"
     "7905ab4c7878502ad3e38fdbe62a41556cec37325759533ce8f25f367c87bb5578d667ae93f9e2fd99bcbc5f2fbba88c"
     "f6516139420fcff3b7361d86322c4bd84c82f335abb152c4a93411373aaa8220"},
    {14, 0xffffffffff,
     "64497e5a831e4a932c09be3e5393376daa599548b816031d224bbf50a818ed2350eae7e96087c8a0db51ad290bd00c1a"
     "c1620857635bf246c176ab463be30b808da548081ac847b158e1264be25bb0910bbc92647108089415d45fab1b3d2604"
     "e8a8eff1ae4020cfa39936b66827b23f371b92200be90251e6d73c5f86de5fd4a950781933d79a28272b782a2ec313ef"
     "dfcc0628f43d744c2dc2ff3dcb66999b50c7ca895b0c64791eeaa5f29499fb1c026f84ce5b5c72ba1083cddb5ce45434"
     "631665c333b60b11593fb253c5179a2c8db813782a004856a1653011e93fb6d876c18366dd8683f53412c0c180f9c848"
     "592d593f8609ca736317d356e13e2bff3a9f59cd9aeb19cd482593d8c46128bb32423b37a9adfb482b99453fbe25a41b"
     "f6feb4aa0bef5ed24bf73c762978025482c13115e4015aac992e5613a3b5c2f685b84795cb6e9b2656d8c88157e52c42"
     "f978d8634c43d06fea928f2822e465aa6576e9bf419384506cc3ce3c54ac1a6f67dc66f3b30191e698380bc999b05abc"
     "e19dc0c6dcc2dd001ec535ba18deb2df1a101023108318c75dc98611a09dc48a0acdec676fabdf222f07e026f059b672"
     "b56e5cbc8e1d21bbd867dd927212054681d70ea737134cdfce93b6f82ae22423274e58a0821cc5502e2d0ab4585e94de"
     "6975be5e0b4efce51cd3e70c25a1fbbbd609d273ad5b0d59631c531f6a0a57b9"},
};

std::vector<std::uint8_t> annex_b_plaintext() {
  std::vector<std::uint8_t> p(512);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(i);
  return p;
}

TEST(XtsCipher, Ieee1619AnnexBVectors10To14) {
  const auto key = hex(key_hex);
  const auto plain = annex_b_plaintext();
  auto c = xts_cipher::create(key, 512);
  ASSERT_TRUE(c) << c.error().message();
  for (const auto& v : cases) {
    SCOPED_TRACE(v.number);
    std::vector<std::uint8_t> out(512);
    ASSERT_TRUE(c->encrypt(v.data_unit, plain, out));
    EXPECT_EQ(common::to_hex(out), common::to_hex(hex(v.ciphertext)));
    std::vector<std::uint8_t> back(512);
    ASSERT_TRUE(c->decrypt(v.data_unit, out, back));
    EXPECT_EQ(back, plain);
  }
}

// Several units in one call use consecutive tweaks: the same as one call per unit.
TEST(XtsCipher, MultiUnitCallEqualsPerUnitCalls) {
  const auto key = hex(key_hex);
  auto c = xts_cipher::create(key, 512);
  ASSERT_TRUE(c);
  std::vector<std::uint8_t> plain(2048);
  for (std::size_t i = 0; i < plain.size(); ++i) plain[i] = static_cast<std::uint8_t>(i * 7);
  std::vector<std::uint8_t> all(2048);
  ASSERT_TRUE(c->encrypt(0xfe, plain, all));
  for (std::size_t u = 0; u < 4; ++u) {
    std::vector<std::uint8_t> one(512);
    ASSERT_TRUE(c->encrypt(0xfe + u, std::span(plain).subspan(u * 512, 512), one));
    EXPECT_TRUE(std::equal(one.begin(), one.end(), all.begin() + static_cast<std::ptrdiff_t>(u * 512)));
  }
  // Vector 11 (unit 0xffff) appears at the second position of a run starting at 0xfffe.
  const auto p = annex_b_plaintext();
  std::vector<std::uint8_t> two(1024), run(1024);
  std::copy(p.begin(), p.end(), two.begin());
  std::copy(p.begin(), p.end(), two.begin() + 512);
  ASSERT_TRUE(c->encrypt(0xfffe, two, run));
  EXPECT_EQ(common::to_hex(std::span(run).subspan(512)), common::to_hex(hex(cases[1].ciphertext)));
}

TEST(XtsCipher, InPlaceAnd4096Unit) {
  auto key = hex(key_hex);
  auto c = xts_cipher::create(key, 4096);
  ASSERT_TRUE(c);
  std::vector<std::uint8_t> buf(8192, 0x5a), orig = buf;
  ASSERT_TRUE(c->encrypt(7, buf, buf));
  EXPECT_NE(buf, orig);
  ASSERT_TRUE(c->decrypt(7, buf, buf));
  EXPECT_EQ(buf, orig);
}

TEST(XtsCipher, RejectsBadKeysAndUnits) {
  std::vector<std::uint8_t> same(64, 0x11);
  auto equal_halves = xts_cipher::create(same, 4096);
  ASSERT_FALSE(equal_halves);
  EXPECT_EQ(equal_halves.error().code, errc::invalid_argument);
  EXPECT_FALSE(xts_cipher::create(std::vector<std::uint8_t>(32, 1), 4096));
  EXPECT_FALSE(xts_cipher::create(hex(key_hex), 100));
  auto c = xts_cipher::create(hex(key_hex), 512);
  ASSERT_TRUE(c);
  std::vector<std::uint8_t> odd(500), out(500);
  EXPECT_FALSE(c->encrypt(0, odd, out));
}

}  // namespace
}  // namespace esxi_sim
