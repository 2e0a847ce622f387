// Classifies and decodes one message received on the conntrack / expectation event groups.
//
// Spec: ctnetlink_conntrack_event and ctnetlink_expect_event (net/netfilter/
// nf_conntrack_netlink.c): NEW events are IPCTNL_MSG_CT_NEW with NLM_F_CREATE|NLM_F_EXCL,
// UPDATE events IPCTNL_MSG_CT_NEW without them, DESTROY events IPCTNL_MSG_CT_DELETE; for
// expectations IPCTNL_MSG_EXP_NEW and IPCTNL_MSG_EXP_DELETE. The header's nlmsg_pid is the
// port of the socket whose request caused the event (0 when a packet did).
import type { KernelEvent } from '../kernel-roles.js';
import { decodeConntrackMessage } from './ct-decode.js';
import { fail, ok, type DecodeResult } from './decode-result.js';
import { decodeExpectationMessage } from './exp-codec.js';
import { NlmFlag, type MessageCursor } from './netlink-message.js';
import { CtMsg, ExpMsg, NfnlSubsys, operationOf, subsysOf } from './nfnetlink.js';

/** The event in the cursor's current message; undefined for messages that are not events. */
export function decodeEvent(c: MessageCursor): DecodeResult<KernelEvent | undefined> {
  const subsys = subsysOf(c.type);
  const operation = operationOf(c.type);
  if (subsys === NfnlSubsys.ctnetlink) {
    let type: 'new' | 'update' | 'destroy';
    if (operation === CtMsg.delete) type = 'destroy';
    else if (operation === CtMsg.new) type = (c.flags & NlmFlag.create) !== 0 ? 'new' : 'update';
    else return ok(undefined);
    const entry = decodeConntrackMessage(c.buf, c.payload, c.end);
    if (!entry.ok) return fail(entry.error);
    return ok({ table: 'conntrack', type, entry: entry.value, originPort: c.pid });
  }
  if (subsys === NfnlSubsys.ctnetlinkExp) {
    let type: 'new' | 'destroy';
    if (operation === ExpMsg.delete) type = 'destroy';
    else if (operation === ExpMsg.new) type = 'new';
    else return ok(undefined);
    const expectation = decodeExpectationMessage(c.buf, c.payload, c.end);
    if (!expectation.ok) return fail(expectation.error);
    return ok({ table: 'expectation', type, expectation: expectation.value, originPort: c.pid });
  }
  return ok(undefined);
}
