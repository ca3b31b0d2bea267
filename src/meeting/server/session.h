// One client connection (internal to meeting/server): TLS on the handshake thread, the WebSocket
// upgrade at /v100, the read loop with its per-connection limits (size, pace, rate, progress), and
// the bounded send queue (replies first, then media under media_queue.h's policy, coalesced into
// MediaBundles). Control requests go to the control thread; media frames to the relay.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>

#include "meeting/server/server.h"
#include "meeting/server/session_context.h"

namespace v100::meeting::server {

/// Serves an accepted connection until it closes; then calls srv.on_session_closed(id, ...).
/// `addr`: the peer's address key, already admitted in srv.peers_ (released when it closes).
SessionContextPtr start_session(Server::Impl& srv, boost::asio::ip::tcp::socket&& socket, uint64_t id,
                                std::string addr);

}  // namespace v100::meeting::server
