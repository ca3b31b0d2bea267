// The pure parts of a Room's session logic, kept apart so node tests can drive them without a
// server: who distributes group keys, and the in-order event queue.
import type { Bytes } from "./bytes.js";
import type { Message } from "./protocol.js";
import type { TransportResult } from "./transport.js";

/** A request to the server and its reply (Transport.call). */
export type Call = (m: Message) => Promise<TransportResult<Message>>;
export type Reply<T extends Message["type"]> = Extract<Message, { type: T }>;

/** A Room's errors, by kind: the connection failed, the server refused, it answered off-protocol, or a caller mistake. */
export class RoomError extends Error {
  constructor(readonly kind: "connection" | "refused" | "protocol" | "state", message: string) {
    super(message);
  }
}

/** The reply of `what` as the type asked for, or a RoomError naming the request. */
export function expectReply<T extends Message["type"]>(r: TransportResult<Message>, type: T, what: string): Reply<T> {
  if (!r.ok) throw new RoomError("connection", `${what}: ${r.error}`);
  if (r.value.type === type) return r.value as Reply<T>;
  if (r.value.type === "Error") throw new RoomError("refused", `${what}: ${r.value.text} (code ${r.value.code})`);
  throw new RoomError("protocol", `${what}: unexpected ${r.value.type}`);
}

/** A member as the session knows it from JoinAccepted and MemberEvents. */
export interface MemberState {
  joinSeq: bigint;
  online: boolean;
}

/**
 * The distributor (docs/sdk.md "Group keys", client_keys.cc i_am_distributor_locked): the online
 * member with the smallest join order, this participant counted as online. Null for no members.
 * The server refuses PostEpoch from anyone else, so every member must reach the same answer.
 */
export function chooseDistributor(members: ReadonlyMap<number, MemberState>, mySlot: number): number | null {
  let best: bigint | null = null, bestSlot: number | null = null;
  for (const [slot, m] of members) {
    if (!m.online && slot !== mySlot) continue;
    if (best === null || m.joinSeq < best) {
      best = m.joinSeq;
      bestSlot = slot;
    }
  }
  return bestSlot;
}

export type ConnectionState = "connected" | "disconnected";

/** The events of a Room, by name (the C++ SDK's MeetingEvent kinds). */
export interface RoomEvents {
  /** A member's identity blob opened and verified: `userId` and `name` are checked. */
  participantJoined: { slot: number; userId: Bytes; name: string };
  /** A member announced by participantJoined left (or was removed). */
  participantLeft: { slot: number; userId: Bytes; name: string };
  /** The first opened frame of a sender's kind. */
  trackSubscribed: { slot: number; kind: number; userId: Uint8Array | null; name: string | null; verified: boolean };
  /** A new group key: its number, its members' slots and the security code of their identities. */
  epochChanged: { epoch: bigint; securityCode: string; members: number[] };
  /** The connection changed after connect() (today: it closed, with the reason). */
  connectionStateChanged: { state: ConnectionState; reason: string };
  /** The host removed this participant. */
  removed: Record<string, never>;
  meetingEnded: Record<string, never>;
}
export type RoomEventName = keyof RoomEvents;
export type RoomEvent = { [K in RoomEventName]: { name: K; data: RoomEvents[K] } }[RoomEventName];

/**
 * Hands events to their listeners in the order they were posted, one at a time, after the code
 * that posted them has run (a microtask): a listener never runs inside the session's own state
 * change, and a listener that throws is counted and does not stop the others.
 */
export class EventQueue {
  private readonly queue: RoomEvent[] = [];
  private readonly listeners = new Map<RoomEventName, Set<(data: never) => void>>();
  private scheduled = false;
  listenerErrors = 0;

  on<K extends RoomEventName>(name: K, fn: (data: RoomEvents[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) this.listeners.set(name, (set = new Set()));
    set.add(fn as (data: never) => void);
    return () => set!.delete(fn as (data: never) => void);
  }

  post<K extends RoomEventName>(name: K, data: RoomEvents[K]): void {
    this.queue.push({ name, data } as RoomEvent);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Delivers everything queued (also called by tests). */
  flush(): void {
    this.scheduled = false;
    for (let ev = this.queue.shift(); ev !== undefined; ev = this.queue.shift()) {
      for (const fn of [...(this.listeners.get(ev.name) ?? [])]) {
        try {
          (fn as (d: unknown) => void)(ev.data);
        } catch {
          ++this.listenerErrors;
        }
      }
    }
  }
}
