// One virtual disk: a sparse extent file of whole sectors, each sector encrypted with AES-256-XTS under the VM's DEK
// with tweak = sector number. Allocation is the file system's: a sector whose stored bytes are all zero (a hole,
// or never written) is unallocated and reads as zeros; any written sector holds ciphertext, which is all-zero
// with probability 2^-(8*sector) only. So no plaintext zeros are ever stored encrypted or in the clear, and there
// is no separate allocation map to keep consistent across crashes. Trim punches holes.
// Guest I/O takes any offset and length within the capacity; partial sectors are read-modify-written.
// A disk may have a parent (snapshot chain: this disk is a delta over it): an unallocated sector then reads through
// to the parent, and trim stores encrypted zeros instead of punching a hole (a hole would expose the parent's data).
// With a crypto_helper, requests of at least `parallel_min_sectors` whole sectors are split in two halves that
// are encrypted/decrypted concurrently, each with its own xts_cipher; the per-sector path allocates nothing.
// Thread safety: none; one disk per VM, driven by one thread (the helper is internal).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>

#include "common/secure.hpp"
#include "esxi_sim/crypto_helper.hpp"
#include "esxi_sim/error.hpp"
#include "esxi_sim/file.hpp"
#include "esxi_sim/xts_cipher.hpp"

namespace esxi_sim {

class encrypted_disk {
 public:
  // Creates a new, empty (all-hole) extent for `capacity` bytes. Fails if the file exists.
  static result<void> create_extent(const std::filesystem::path& p, std::uint64_t capacity, std::size_t sector_size);

  // Opens an extent; checks that its size is exactly the sector count the capacity implies (errc::corrupt).
  // `helper` (optional, must outlive the disk) lends a second core to large requests.
  static result<encrypted_disk> open(const std::filesystem::path& p, std::uint64_t capacity, std::size_t sector_size,
                                     std::span<const std::uint8_t> dek, crypto_helper* helper = nullptr);

  static constexpr std::size_t parallel_min_sectors = 8;

  // Makes this disk a delta over `parent` (same geometry; must outlive this disk), or a base disk (nullptr).
  void set_parent(encrypted_disk* parent) noexcept { parent_ = parent; }
  encrypted_disk* parent() const noexcept { return parent_; }

  static std::uint64_t sectors_for(std::uint64_t capacity, std::size_t sector_size) {
    return (capacity + sector_size - 1) / sector_size;
  }

  std::uint64_t capacity() const noexcept { return capacity_; }
  std::size_t sector_size() const noexcept { return sector_; }
  std::uint64_t sector_count() const noexcept { return sectors_for(capacity_, sector_); }

  // Guest I/O. REQUIRES nothing; errc::invalid_argument if [offset, offset+len) is not within the capacity.
  result<void> write(std::uint64_t offset, std::span<const std::uint8_t> data);
  result<void> read(std::uint64_t offset, std::span<std::uint8_t> out);
  result<void> trim(std::uint64_t offset, std::uint64_t len);
  result<void> flush() { return file_.sync(); }

  // Raw sector access for re-encryption and tests: ciphertext in, ciphertext out; no decryption.
  file& extent() noexcept { return file_; }
  xts_cipher& cipher() noexcept { return cipher_; }

 private:
  static constexpr std::size_t chunk_bytes = 256 * 1024;  // I/O batch; buffers are allocated once per disk

  encrypted_disk(file f, xts_cipher c, std::optional<xts_cipher> c2, crypto_helper* helper, std::uint64_t capacity,
                 std::size_t sector)
      : file_(std::move(f)), cipher_(std::move(c)), cipher2_(std::move(c2)), helper_(helper), capacity_(capacity),
        sector_(sector), cipher_buf_(chunk_bytes), plain_buf_(chunk_bytes) {}
  // Encrypts or decrypts whole sectors, on two cores when the request is large enough. Decryption skips
  // sectors whose ciphertext is all zero (unallocated; the caller fills them).
  result<void> crypt(bool enc, std::uint64_t first, std::span<const std::uint8_t> in, std::span<std::uint8_t> out);
  result<void> check_range(std::uint64_t offset, std::uint64_t len) const;
  // Reads `count` sectors from `first` and decrypts them into out (zeros for unallocated ones).
  result<void> read_sectors(std::uint64_t first, std::size_t count, std::span<std::uint8_t> out);
  // Encrypts `count` whole plaintext sectors and writes them at `first`.
  result<void> write_sectors(std::uint64_t first, std::span<const std::uint8_t> plain);

  file file_;
  xts_cipher cipher_;
  std::optional<xts_cipher> cipher2_;  // the helper thread's context
  crypto_helper* helper_ = nullptr;
  encrypted_disk* parent_ = nullptr;
  std::uint64_t capacity_;
  std::size_t sector_;
  std::vector<std::uint8_t> cipher_buf_;  // ciphertext staging (not secret)
  common::secure_bytes plain_buf_;        // plaintext staging for partial sectors (wiped when freed)
};

// True if every byte of b is zero: the "unallocated sector" test.
bool all_zero(std::span<const std::uint8_t> b) noexcept;

}  // namespace esxi_sim
