/** Whether the WebSocket to `tuneloom serve` is up (always true in Electron). Drives the offline banner. */
class Connection {
  connected = $state(true);
  #onReconnect = new Set<() => void>();

  /** The transport says whether it is up; coming back up tells the listeners (events sent meanwhile were lost). */
  set(up: boolean): void {
    const back = up && !this.connected;
    this.connected = up;
    if (back) for (const fn of this.#onReconnect) fn();
  }

  /** Called after each reconnect; returns the unsubscribe function. */
  onReconnect(fn: () => void): () => void {
    this.#onReconnect.add(fn);
    return () => this.#onReconnect.delete(fn);
  }
}

export const connection = new Connection();
