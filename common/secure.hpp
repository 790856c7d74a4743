// Memory that held key material is wiped before it is released (the product's security rule).
// std-only so that the codec can use it; OPENSSL_cleanse does the same job where OpenSSL is linked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace common {

// Overwrites n bytes at p with zeros in a way the optimiser may not elide.
inline void secure_zero(void* p, std::size_t n) noexcept {
  volatile unsigned char* v = static_cast<volatile unsigned char*>(p);
  while (n--) *v++ = 0;
}

// An allocator that wipes memory before handing it back; use it for any container that holds secrets.
template <class T>
struct wiping_allocator {
  using value_type = T;
  wiping_allocator() noexcept = default;
  template <class U>
  wiping_allocator(const wiping_allocator<U>&) noexcept {}  // NOLINT
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    secure_zero(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  friend bool operator==(const wiping_allocator&, const wiping_allocator<U>&) noexcept { return true; }
};

// Bytes that are wiped on destruction and on every reallocation.
using secure_bytes = std::vector<std::uint8_t, wiping_allocator<std::uint8_t>>;

}  // namespace common
