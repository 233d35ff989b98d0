/**
 * The one IPC gateway. Every request from either transport passes through `dispatch`, which:
 *   1. drops senders that are not ours (Electron: a frame of our window on our origin; WS: an
 *      authenticated socket), without running anything;
 *   2. rejects unknown channels and validates the payload against the contract;
 *   3. runs the handler and maps any error to `{name, message, kind}` (never a stack trace).
 */
import type { Channel, IpcError, IpcResult, Req, Res } from '../../src-shared/ipc-contract';
import { isChannel, validateRequest } from '../../src-shared/ipc-contract';
import { PayloadError } from '../../src-shared/validate';
import { UserError } from '../errors';

export type Handler<C extends Channel> = (req: Req<C>) => Res<C> | Promise<Res<C>>;
export type HandlerTable = { [C in Channel]: Handler<C> };

export interface Router<Sender> {
  dispatch(channel: unknown, payload: unknown, sender: Sender): Promise<IpcResult<unknown>>;
}

export function toIpcError(err: unknown): IpcError {
  if (err instanceof UserError) return { name: err.name, message: err.message, kind: err.kind };
  if (err instanceof PayloadError) return { name: err.name, message: err.message, kind: 'invalid-payload' };
  if (err instanceof Error) return { name: err.name, message: err.message, kind: 'internal' };
  return { name: 'Error', message: String(err), kind: 'internal' };
}

export function createRouter<Sender>(handlers: HandlerTable, isTrustedSender: (sender: Sender) => boolean): Router<Sender> {
  return {
    async dispatch(channel, payload, sender) {
      if (!isTrustedSender(sender)) {
        return { ok: false, error: { name: 'ForbiddenSender', message: 'request dropped: the sender is not a Tuneloom window', kind: 'forbidden' } };
      }
      if (!isChannel(channel)) {
        return { ok: false, error: { name: 'UnknownChannel', message: `unknown channel "${String(channel)}"`, kind: 'unknown-channel' } };
      }
      try {
        const req = validateRequest(channel, payload);
        const handler = handlers[channel] as Handler<Channel>;
        return { ok: true, value: await handler(req as never) };
      } catch (err) {
        return { ok: false, error: toIpcError(err) };
      }
    },
  };
}
