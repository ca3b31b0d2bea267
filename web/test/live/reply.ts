// Shared by the live pages: a request's reply as the message type asked for, or a thrown error
// naming the request (a failed call, an Error reply or another type), the test's `call_expect`.
import type { Message } from "../../src/protocol.js";
import type { TransportResult } from "../../src/transport.js";

export function expect<T extends Message["type"]>(r: TransportResult<Message>, type: T,
                                                  what: string): Extract<Message, { type: T }> {
  if (!r.ok) throw new Error(`${what}: ${r.error}`);
  if (r.value.type === "Error") throw new Error(`${what}: server error ${r.value.code} (${r.value.text})`);
  if (r.value.type !== type) throw new Error(`${what}: unexpected ${r.value.type}`);
  return r.value as Extract<Message, { type: T }>;
}
