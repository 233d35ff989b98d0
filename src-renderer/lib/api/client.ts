/** The typed API the views use: `api.call('runs.list', {...})` resolves to the channel's response type. */
import type { AppEvent, Channel, IpcError, Req, Res } from '../../../src-shared/ipc-contract';
import type { Transport } from './transport';

export class ApiError extends Error {
  readonly kind: string;
  constructor(error: IpcError) {
    super(error.message);
    this.name = error.name;
    this.kind = error.kind;
  }
}

type EventOf<T extends AppEvent['type']> = Extract<AppEvent, { type: T }>;

export class ApiClient {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  get transportKind(): Transport['kind'] {
    return this.#transport.kind;
  }

  async call<C extends Channel>(channel: C, ...req: Req<C> extends Record<string, never> ? [] : [Req<C>]): Promise<Res<C>> {
    const result = await this.#transport.invoke(channel, req[0] ?? {});
    if (!result.ok) throw new ApiError(result.error);
    return result.value as Res<C>;
  }

  pathForFile(file: File): string | null {
    return this.#transport.pathForFile(file);
  }

  /** Subscribes to one event type; returns the unsubscribe function (call it in an $effect cleanup). */
  on<T extends AppEvent['type']>(type: T, listener: (event: EventOf<T>) => void): () => void {
    return this.#transport.onEvent((event) => {
      if (event.type === type) listener(event as EventOf<T>);
    });
  }
}
