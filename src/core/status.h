// Result types for untrusted input. Parsers and deserializers never throw and never abort on bad
// bytes: they return a [[nodiscard]] Status or Result<T> carrying a clear message.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace v100 {

/// Success, or an error with a human-readable message. Cheap to copy on success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(std::string message) {
    Status s;
    s.message_ = std::move(message);
    s.failed_ = true;
    return s;
  }
  bool is_ok() const { return !failed_; }
  explicit operator bool() const { return !failed_; }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
  bool failed_ = false;
};

/// A value or an error message (a small std::expected for C++20).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}       // NOLINT: implicit on purpose, like expected
  Result(Status error) : v_(std::move(error)) {}  // NOLINT
  static Result error(std::string message) { return Result(Status::error(std::move(message))); }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }
  /// Precondition: is_ok(). Calling on an error is a caller bug and throws std::logic_error.
  T& value() & {
    check();
    return std::get<T>(v_);
  }
  const T& value() const& {
    check();
    return std::get<T>(v_);
  }
  T&& value() && {
    check();
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  /// The error message; empty when is_ok().
  const std::string& message() const {
    static const std::string kEmpty;
    return is_ok() ? kEmpty : std::get<Status>(v_).message();
  }
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(v_); }

 private:
  void check() const;
  std::variant<T, Status> v_;
};

}  // namespace v100

#include <stdexcept>
template <typename T>
void v100::Result<T>::check() const {
  if (!is_ok()) throw std::logic_error("Result::value() on error: " + std::get<Status>(v_).message());
}
