// Serving the web client on the meeting port (docs/protocol.md, "Serving the web client"): static
// files from the operator's web root for plain GET/HEAD requests, strict security headers on every
// HTTP reply, and the Origin rule that keeps a foreign page from opening the meeting protocol in a
// visitor's browser (cross-site WebSocket hijacking). Internal to meeting/server.
//
// Everything here works on a parsed request and returns a reply: no sockets, and no logging. The
// server is blind: a request's path, query and headers say which page someone loaded (and an
// invitation link may carry a meeting's secrets), so none of them is ever logged or kept.
#pragma once

#include <boost/beast/http.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace v100::meeting::server {

/// The web client's site: a web root confined to its canonical directory, and the server's own
/// origin for the Origin rule. Immutable after create(); safe to use from any thread.
class WebSite {
 public:
  using Request = boost::beast::http::request<boost::beast::http::empty_body>;

  /// What to write back for one page request: a file (GET of a file that is served) or a short
  /// reply (HEAD, errors). `refused` marks 4xx replies (counted as violations by the caller).
  struct PageReply {
    std::optional<boost::beast::http::response<boost::beast::http::file_body>> file;
    boost::beast::http::response<boost::beast::http::string_body> other;
    bool refused = false;
  };

  /// A site that serves no pages (every page request: 404) and takes each request's Host as the
  /// server's origin.
  WebSite() = default;

  /// Checks the configuration. `web_root`: empty (no pages) or an existing directory, kept as its
  /// canonical path. `public_url`: empty (the origin is https:// + each request's Host) or an
  /// https URL whose origin (scheme, host, port; its path ignored) the server answers on; no
  /// user info. `max_file_bytes`: larger files are not served (404). Errors name the option,
  /// never the value.
  [[nodiscard]] static Result<WebSite> create(const std::string& web_root, const std::string& public_url,
                                              size_t max_file_bytes);

  /// Whether pages are served (a web root is set).
  bool serves_pages() const { return !root_.empty(); }

  /// The reply to a request that is not a WebSocket upgrade: GET/HEAD of a file under the web root
  /// (`/` is index.html), 405 for other methods, 404 for anything refused or absent. Every reply
  /// carries the security headers and `Connection: close`. Opens the file (a regular file, no
  /// symbolic link out of the root, at most max_file_bytes) but reads none of it.
  PageReply answer(const Request& req) const;

  /// The Origin rule for a WebSocket upgrade: true with no Origin header (native clients), else
  /// only when the one Origin header equals the server's own origin (own_origin()).
  bool upgrade_allowed(const Request& req) const;

  /// The server's own origin for `req`: public_url's, else https:// + its Host header (normalised,
  /// see normalize_origin()); nullopt when neither is usable.
  std::optional<std::string> own_origin(const Request& req) const;

  /// Sets the security headers every HTTP reply carries (CSP, COOP, COEP, CORP, nosniff,
  /// Referrer-Policy, HSTS, Cache-Control, Permissions-Policy). The CSP's connect-src names the
  /// wss origin of own_origin(req) when known.
  void set_security_headers(const Request& req, boost::beast::http::fields& out) const;

  /// Maps a request target to the canonical path of a file under the web root, or nullopt: a
  /// target not starting with '/', a bad or control-character percent-encoding (NUL included), a
  /// backslash, an empty, `.` or `..` segment or one starting with '.', a path that leaves the
  /// root once symbolic links are resolved, or one that does not exist. The query is ignored.
  std::optional<std::string> resolve(std::string_view target) const;

 private:
  std::string root_;           // canonical, no trailing '/' (empty: no pages)
  std::string public_origin_;  // normalised (empty: from Host)
  size_t max_file_bytes_ = 0;
};

/// Normalises a serialized origin `scheme://host[:port]` (RFC 6454 §6.2): scheme and host lower
/// case, port in decimal and dropped when it is https's default 443. nullopt for anything else
/// (a path, user info, `null`, characters outside a host name or IP literal, a port out of range).
std::optional<std::string> normalize_origin(std::string_view origin);

/// The Content-Type for a file name by its extension (html, js/mjs, wasm, css, json, png, svg,
/// ico), else application/octet-stream.
std::string_view content_type_for(std::string_view name);

}  // namespace v100::meeting::server
