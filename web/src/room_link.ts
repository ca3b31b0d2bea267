// Invitation links (web/README.md "Invitation links"): a page URL whose fragment carries what an
// invitee needs to join, `https://host/#m=<base64url(meeting secret || u64le session [|| join seed])>`.
// Browsers never send the fragment to any server (RFC 3986 §3.5), so the meeting secret stays with
// whoever holds the link. A link is a bearer capability (anyone who holds it can join), unlike an
// invitation addressed to a public identity (invitation.ts), which names and authenticates its inviter.
// parseInvitationLink never throws on hostile input: it returns { ok: false, error }.
import type { Bytes } from "./bytes.js";
import type { Result } from "./crypto.js";

export const kLinkParam = "m";
const kSecretBytes = 32, kSessionBytes = 8, kJoinSeedBytes = 32;
/** Longest fragment parse looks at (a valid one is under 100 characters). */
export const kMaxLinkFragment = 2048;

/** What a link carries. The caller wipes meetingSecret and joinSeed when done. */
export interface LinkSecrets {
  meetingSecret: Bytes;
  session: bigint;
  /** Empty, or the host's replacement join key (after a removal). */
  joinSeed: Bytes;
}

const kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** RFC 4648 §5 base64url without padding. */
export function base64urlEncode(b: Uint8Array): string {
  let out = "";
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((b.length - i) * 8) / 6));
    for (let k = 0; k < chars; ++k) out += kB64[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** Strict base64url: alphabet only, no padding, canonical (unused trailing bits zero); null otherwise. */
export function base64urlDecode(s: string): Bytes | null {
  if (s.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((s.length * 6) / 8));
  let acc = 0, bits = 0, o = 0;
  for (let i = 0; i < s.length; ++i) {
    const v = kB64.indexOf(s[i]!);
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (acc !== 0) return null;  // non-canonical: two strings must not name one link
  return out;
}

/** The link for `base` (a page URL; its own fragment is replaced). */
export function formatInvitationLink(base: string, s: LinkSecrets): string {
  if (s.meetingSecret.length !== kSecretBytes) throw new RangeError("formatInvitationLink: ms must be 32 bytes");
  if (s.joinSeed.length !== 0 && s.joinSeed.length !== kJoinSeedBytes)
    throw new RangeError("formatInvitationLink: join seed must be empty or 32 bytes");
  if (s.session < 0n || s.session > 0xffffffffffffffffn) throw new RangeError("formatInvitationLink: session");
  const raw = new Uint8Array(kSecretBytes + kSessionBytes + s.joinSeed.length);
  raw.set(s.meetingSecret, 0);
  for (let i = 0; i < 8; ++i) raw[kSecretBytes + i] = Number((s.session >> BigInt(8 * i)) & 0xffn);
  raw.set(s.joinSeed, kSecretBytes + kSessionBytes);
  const hash = base.indexOf("#");
  const link = `${hash < 0 ? base : base.slice(0, hash)}#${kLinkParam}=${base64urlEncode(raw)}`;
  raw.fill(0);
  return link;
}

/**
 * The secrets of a link: a full URL or just its fragment ("#m=..." or "m=..."). Other fragment
 * parameters (`&name=...`) are ignored; `m` must appear exactly once.
 */
export function parseInvitationLink(link: string): Result<LinkSecrets> {
  if (typeof link !== "string") return { ok: false, error: "link: not a string" };
  const hash = link.indexOf("#");
  const frag = hash >= 0 ? link.slice(hash + 1) : link;
  if (frag.length > kMaxLinkFragment) return { ok: false, error: "link: fragment too long" };
  const values = frag.split("&").filter((p) => p.startsWith(`${kLinkParam}=`)).map((p) => p.slice(2));
  if (values.length === 0) return { ok: false, error: "link: no meeting secret (m=) in the fragment" };
  if (values.length > 1) return { ok: false, error: "link: more than one m=" };
  const raw = base64urlDecode(values[0]!);
  if (raw === null) return { ok: false, error: "link: m= is not canonical base64url" };
  if (raw.length !== kSecretBytes + kSessionBytes && raw.length !== kSecretBytes + kSessionBytes + kJoinSeedBytes) {
    raw.fill(0);
    return { ok: false, error: `link: m= holds ${raw.length} bytes (40 or 72 expected)` };
  }
  let session = 0n;
  for (let i = 7; i >= 0; --i) session = (session << 8n) | BigInt(raw[kSecretBytes + i]!);
  const out = { meetingSecret: raw.slice(0, kSecretBytes), session, joinSeed: raw.slice(kSecretBytes + kSessionBytes) };
  raw.fill(0);
  return { ok: true, value: out };
}
