// Client SDK parsers on hostile bytes: invitations, epoch blobs, name and identity blobs, public
// identities (binary and text). The first input byte picks the parser; the rest is the input.
// Identities and the meeting secret are fixed (derived from constant seeds) so runs reproduce.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "meeting/client/group.h"
#include "meeting/client/invitation.h"
#include "meeting/client/keystore.h"
#include "meeting/client/roster.h"
#include "meeting/client/schedule.h"

namespace mc = v100::meeting::client;

namespace {

mc::Identity fixed_identity(uint8_t tag) {
  v100::Bytes secret = {'V', '1', '0', '0', 'I', 'D', 'S', 1};
  for (int i = 0; i < 64; ++i) secret.push_back(static_cast<uint8_t>(tag * 31 + i));
  return std::move(mc::Identity::parse_secret(secret)).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const mc::Identity me = fixed_identity(1);
  static const mc::Identity other = fixed_identity(2);
  static const v100::Bytes ms(32, 7);
  static const mc::KeySchedule ks(ms);
  static const auto handle = ks.handle(1);
  static const v100::SecretBytes roster_key = ks.roster_key(1);
  if (size == 0) return 0;
  v100::ByteSpan in(data + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      (void)mc::open_invitation(me, in);
      break;
    case 1:
      (void)mc::peek_epoch_blob(in);
      (void)mc::open_epoch_blob(me, 3, other.public_identity(), handle, in);
      break;
    case 2:
      (void)mc::open_name_blob(roster_key.span(), handle, 3, in);
      break;
    case 3:
      (void)mc::open_identity_blob(roster_key.span(), handle, 3, 5, in);
      break;
    case 4:
      (void)mc::PublicIdentity::parse(in);
      break;
    case 5:
      (void)mc::parse_public_identity_text(
          std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
      break;
  }
  return 0;
}
