#include "meeting/server/web_serve.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <filesystem>
#include <system_error>
#include <utility>

namespace v100::meeting::server {

namespace http = boost::beast::http;

namespace {

/// Limits on a request target: longer paths or deeper trees are not the web client's.
constexpr size_t kMaxTargetBytes = 2048;
constexpr size_t kMaxSegments = 16;

// The page's whole policy: its own scripts and WebAssembly (compiling a module needs
// 'wasm-unsafe-eval'), workers from the same origin, media and images only from itself or from
// blobs it made, no plugins, frames, forms or base rewrites, and no embedding by other sites.
constexpr std::string_view kCspHead =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'";
constexpr std::string_view kCspTail =
    "; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// `scheme` and `authority` (host[:port]) to a normalised origin, or nullopt.
std::optional<std::string> origin_from(std::string_view scheme, std::string_view authority) {
  if (scheme.empty() || authority.empty()) return std::nullopt;
  std::string out;
  for (char c : scheme) {
    if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return std::nullopt;
    out += lower(c);
  }
  const bool https = out == "https";
  out += "://";
  std::string_view host, port;
  if (authority.front() == '[') {  // IP literal (RFC 3986 §3.2.2)
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close < 2) return std::nullopt;
    host = authority.substr(0, close + 1);
    for (char c : host.substr(1, host.size() - 2))
      if (hex_value(c) < 0 && c != ':' && c != '.') return std::nullopt;
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') return std::nullopt;
  } else {
    host = authority.substr(0, authority.find(':'));
    if (host.empty()) return std::nullopt;
    for (char c : host)
      if (!is_alnum(c) && c != '-' && c != '.') return std::nullopt;
    authority.remove_prefix(host.size());
  }
  for (char c : host) out += lower(c);
  if (!authority.empty()) {
    port = authority.substr(1);  // after ':'
    unsigned value = 0;
    const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || port.size() > 5 || err != std::errc() || end != port.data() + port.size() ||
        value == 0 || value > 65535)
      return std::nullopt;
    if (!(https && value == 443)) out += ":" + std::to_string(value);
  }
  return out;
}

/// Splits `scheme://rest`; nullopt without "://".
std::optional<std::pair<std::string_view, std::string_view>> split_scheme(std::string_view s) {
  const size_t sep = s.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  return std::make_pair(s.substr(0, sep), s.substr(sep + 3));
}

/// Percent-decodes a path; nullopt on a bad escape or a decoded control character or backslash.
std::optional<std::string> decode_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return std::nullopt;
      const int hi = hex_value(path[i + 1]), lo = hex_value(path[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi << 4 | lo);
      i += 2;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\') return std::nullopt;
    out += c;
  }
  return out;
}

template <class Body>
void finish_reply(const WebSite& site, const WebSite::Request& req, http::response<Body>& res) {
  site.set_security_headers(req, res.base());
  res.keep_alive(false);
}

}  // namespace

std::optional<std::string> normalize_origin(std::string_view origin) {
  const auto parts = split_scheme(origin);
  if (!parts) return std::nullopt;
  return origin_from(parts->first, parts->second);
}

std::string_view content_type_for(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".png", "image/png"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
  }};
  for (const auto& [ext, type] : kTypes)
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) return type;
  return "application/octet-stream";
}

Result<WebSite> WebSite::create(const std::string& web_root, const std::string& public_url,
                                size_t max_file_bytes) {
  WebSite site;
  site.max_file_bytes_ = max_file_bytes;
  if (!web_root.empty()) {
    std::error_code ec;
    const auto root = std::filesystem::canonical(web_root, ec);
    if (ec || !std::filesystem::is_directory(root, ec) || ec)
      return Result<WebSite>::error("server: web_root is not a directory");
    site.root_ = root.string();
    while (site.root_.size() > 1 && site.root_.back() == '/') site.root_.pop_back();
  }
  if (!public_url.empty()) {
    const auto parts = split_scheme(public_url);
    std::optional<std::string> origin;
    if (parts) {
      // The origin of the URL: its authority, up to the path, query or fragment.
      const std::string_view authority = parts->second.substr(0, parts->second.find_first_of("/?#"));
      if (authority.find('@') == std::string_view::npos) origin = origin_from(parts->first, authority);
    }
    if (!origin || origin->rfind("https://", 0) != 0)
      return Result<WebSite>::error("server: public_url must be an https URL (https://host[:port])");
    site.public_origin_ = *origin;
  }
  return site;
}

std::optional<std::string> WebSite::own_origin(const Request& req) const {
  if (!public_origin_.empty()) return public_origin_;
  if (req.count(http::field::host) != 1) return std::nullopt;
  const auto host = req[http::field::host];
  return origin_from("https", std::string_view(host.data(), host.size()));
}

bool WebSite::upgrade_allowed(const Request& req) const {
  const size_t n = req.count(http::field::origin);
  if (n == 0) return true;  // not a browser: native clients and the C++ SDK send none
  if (n > 1) return false;
  const auto given = req[http::field::origin];
  const auto origin = normalize_origin(std::string_view(given.data(), given.size()));
  const auto own = own_origin(req);
  return origin && own && *origin == *own;
}

void WebSite::set_security_headers(const Request& req, http::fields& out) const {
  std::string csp(kCspHead);
  // Browsers that predate CSP Level 3 do not let 'self' cover wss:, so the socket's origin is named.
  if (const auto own = own_origin(req)) csp += " wss://" + own->substr(own->find("://") + 3);
  csp += kCspTail;
  out.set("Content-Security-Policy", csp);
  out.set("Cross-Origin-Opener-Policy", "same-origin");
  out.set("Cross-Origin-Embedder-Policy", "require-corp");
  out.set("Cross-Origin-Resource-Policy", "same-origin");
  out.set("X-Content-Type-Options", "nosniff");
  out.set("Referrer-Policy", "no-referrer");
  out.set(http::field::strict_transport_security, "max-age=31536000");
  out.set(http::field::cache_control, "no-store");
  out.set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)");
}

std::optional<std::string> WebSite::resolve(std::string_view target) const {
  if (root_.empty() || target.empty() || target.size() > kMaxTargetBytes || target.front() != '/')
    return std::nullopt;
  const auto path = decode_path(target.substr(0, target.find('?')));
  if (!path) return std::nullopt;
  std::filesystem::path file(root_);
  if (*path == "/") {
    file /= "index.html";
  } else {
    size_t segments = 0;
    for (size_t start = 1; start <= path->size();) {
      const size_t end = std::min(path->find('/', start), path->size());
      const std::string_view seg = std::string_view(*path).substr(start, end - start);
      // Empty segments (a directory, "//"), dot segments and hidden files are never served.
      if (seg.empty() || seg.front() == '.' || ++segments > kMaxSegments) return std::nullopt;
      file /= seg;
      start = end + 1;
    }
  }
  std::error_code ec;
  const std::string canonical = std::filesystem::canonical(file, ec).string();
  if (ec) return std::nullopt;
  const std::string prefix = root_ == "/" ? root_ : root_ + "/";
  if (canonical.size() <= prefix.size() || canonical.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  return canonical;
}

WebSite::PageReply WebSite::answer(const Request& req) const {
  PageReply r;
  auto refuse = [&](http::status status, const char* text) {
    r.refused = true;
    r.other = http::response<http::string_body>(status, req.version());
    r.other.set(http::field::content_type, "text/plain; charset=utf-8");
    if (status == http::status::method_not_allowed) r.other.set(http::field::allow, "GET, HEAD");
    r.other.body() = text;
    r.other.prepare_payload();
    finish_reply(*this, req, r.other);
    return std::move(r);
  };
  const bool head = req.method() == http::verb::head;
  if (!head && req.method() != http::verb::get)
    return refuse(http::status::method_not_allowed, "GET or HEAD\n");
  const auto target = req.target();
  const auto path = resolve(std::string_view(target.data(), target.size()));
  if (!path) return refuse(http::status::not_found, "not found\n");
  // Opened without following a link (the canonical path has none; this closes the window of a
  // link swapped in since) and checked as opened: a regular file within the size cap.
  const int fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return refuse(http::status::not_found, "not found\n");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) > max_file_bytes_) {
    ::close(fd);
    return refuse(http::status::not_found, "not found\n");
  }
  const std::string_view type = content_type_for(*path);  // the canonical name: index.html for /
  if (head) {
    ::close(fd);
    r.other = http::response<http::string_body>(http::status::ok, req.version());
    r.other.set(http::field::content_type, boost::beast::string_view(type.data(), type.size()));
    r.other.content_length(static_cast<uint64_t>(st.st_size));  // the GET's length, no body
    finish_reply(*this, req, r.other);
    return r;
  }
  http::file_body::value_type body;
  boost::beast::file f;
  f.native_handle(fd);  // f owns fd from here
  boost::beast::error_code ec;
  body.reset(std::move(f), ec);
  if (ec) return refuse(http::status::not_found, "not found\n");
  r.file.emplace(http::status::ok, req.version());
  r.file->set(http::field::content_type, boost::beast::string_view(type.data(), type.size()));
  r.file->body() = std::move(body);
  r.file->prepare_payload();
  finish_reply(*this, req, *r.file);
  return r;
}

}  // namespace v100::meeting::server
