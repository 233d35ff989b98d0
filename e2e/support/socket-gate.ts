/**
 * Routes the app's serve WebSocket through the test and holds back chosen server frames (answers to a
 * channel, events of a type) until the test releases them, one at a time or all. This makes the order
 * and the timing of what the UI receives the test's to choose: a models list that arrives late, job
 * progress that comes at a known pace. Frames not held pass straight through, in order.
 */
import type { Page, WebSocketRoute } from 'playwright-core';
import type { AppEvent, WsServerFrame } from '../../src-shared/ipc-contract';

export interface GateRule {
  /** Hold the answers to requests on these channels. */
  channels?: string[];
  /** Hold the events of these types. */
  events?: AppEvent['type'][];
}

export class SocketGate {
  /** Whether matching frames are held now; off lets everything through (after what is held). */
  holding = false;
  readonly held: { frame: WsServerFrame; send: () => void }[] = [];
  private readonly rule: GateRule;
  private readonly requestChannel = new Map<number, string>();
  private waiters: { n: number; where: (f: WsServerFrame) => boolean; resolve: () => void }[] = [];

  constructor(rule: GateRule) {
    this.rule = rule;
  }

  /** Routes the page's next WebSockets (call before the page loads or reloads). */
  async install(page: Page): Promise<void> {
    await page.routeWebSocket(/\/ws(\?|$)/, (ws) => this.route(ws));
  }

  private route(ws: WebSocketRoute) {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      const req = JSON.parse(String(m)) as { id?: number; channel?: string };
      if (req.id !== undefined && req.channel) this.requestChannel.set(req.id, req.channel);
      server.send(m);
    });
    server.onMessage((m) => {
      const frame = JSON.parse(String(m)) as WsServerFrame;
      if (this.holding && this.matches(frame)) {
        this.held.push({ frame, send: () => ws.send(m) });
        this.waiters = this.waiters.filter((w) => (this.count(w.where) >= w.n ? (w.resolve(), false) : true));
      } else ws.send(m);
    });
  }

  private matches(frame: WsServerFrame): boolean {
    if ('event' in frame) return this.rule.events?.includes(frame.event.type) ?? false;
    const channel = this.requestChannel.get(frame.id);
    return channel !== undefined && (this.rule.channels?.includes(channel) ?? false);
  }

  private count(where: (f: WsServerFrame) => boolean): number {
    return this.held.filter((h) => where(h.frame)).length;
  }

  /** Resolves once `n` frames (of those `where` picks) are held: an event, not a wait for time. */
  waitHeld(n = 1, where: (f: WsServerFrame) => boolean = () => true): Promise<void> {
    return this.count(where) >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ n, where, resolve }));
  }

  /** The held frames that are events, oldest first. */
  heldEvents(): AppEvent[] {
    return this.held.flatMap((h) => ('event' in h.frame ? [h.frame.event] : []));
  }

  /** Delivers the oldest held frame and returns it. */
  releaseNext(): WsServerFrame {
    const next = this.held.shift();
    if (!next) throw new Error('no frame is held');
    next.send();
    return next.frame;
  }

  /** Stops holding and delivers everything held, in order. */
  releaseAll(): void {
    this.holding = false;
    for (const h of this.held.splice(0)) h.send();
  }
}
